// A small client for a running n8n 2.40.7 (or 1.123.x): logs in as the owner, creates a public-API key, then uses
// the public API (/api/v1, header X-N8N-API-KEY) for credentials/workflows/executions and the editor's
// cookie-authenticated endpoints where the public API has nothing (node-type listing; in 1.x also listing and
// updating credentials).
//
// Endpoints (read in n8n 2.40.7 dist/controllers, dist/public-api/v1/openapi.yml):
//  - POST /rest/login { emailOrLdapLoginId, password } → cookie `n8n-auth`; the JWT is bound to the
//    `browser-id` request header, so every cookie request must send the same `browser-id`.
//  - GET /rest/api-keys/scopes → scopes allowed for the user's role; POST /rest/api-keys
//    { label (≤50), scopes, expiresAt: null } → { data: { rawApiKey, … } } (CreateApiKeyRequestDto).
//  - POST /api/v1/credentials { name, type, data }; POST /api/v1/workflows { name, nodes, connections,
//    settings, [staticData, pinData] } (additionalProperties: false → other top-level keys are rejected);
//    POST /api/v1/workflows/{id}/publish (POST …/activate is the deprecated alias, same handler).
//  - Public-API workflow creation runs WorkflowHelpers.replaceInvalidCredentials like the CLI import:
//    a node credential given as a string, as { id: null, name }, or with an unknown id is resolved by
//    unique (name, type) in the owner's project. bindCredentials() below does it client-side anyway.
//  - GET /types/nodes.json (cookie auth) → all loaded node type descriptions (the editor's list).
//  - n8n 1.x (1.123.81 dist): the owner is set up with POST /rest/owner/setup (skipAuth); workflows are activated
//    with POST /api/v1/workflows/{id}/activate (no /publish, no publication status) and deactivated with
//    /deactivate; the public API has no GET or PATCH for credentials (the editor's /rest/credentials has).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fatal, waitUntil } from '../lib/wait.mjs';

/**
 * @typedef {{ id: string, name: string, type: string }} CredentialRef
 * @typedef {Record<string, { id: string, name: string }>} CredentialsByType
 * @typedef {'success'|'error'|'running'|'waiting'|'canceled'|'crashed'|'new'} ExecutionStatus
 * @typedef {{ workflowId?: string, status?: ExecutionStatus, limit?: number, includeData?: boolean }} ExecutionQuery
 * @typedef {{ method?: string, body?: unknown, headers?: Record<string,string>, timeoutMs?: number }} WebhookCall
 * @typedef {{ status: number, headers: Headers, body: any, text: string }} WebhookReply
 */

/**
 * @typedef {object} N8nApi
 * @property {string} baseUrl
 * @property {number} major  n8n's major version
 * @property {(cred: { name: string, type: string, data: Record<string, unknown> }) => Promise<CredentialRef>} createCredential
 * @property {() => Promise<CredentialRef[]>} listCredentials
 * @property {(id: string, cred: { name: string, type: string, data: Record<string, unknown> }) => Promise<void>} updateCredential
 * @property {(workflow: object, options?: { credentials?: CredentialsByType }) => Promise<string>} importWorkflow
 *           returns the new workflow id
 * @property {(id: string, options?: { timeoutMs?: number }) => Promise<object>} activateWorkflow
 *           publish (= activate) the workflow and wait until its triggers are live
 * @property {(id: string) => Promise<object>} deactivateWorkflow
 * @property {(id: string) => Promise<object>} getWorkflow
 * @property {(id: string) => Promise<void>} deleteWorkflow
 * @property {() => Promise<object[]>} listNodeTypes   node type descriptions (`name` is the full type, e.g. `n8n-nodes-base.webhook`)
 * @property {() => Promise<object[]>} listCredentialTypes
 * @property {(query?: ExecutionQuery) => Promise<object[]>} getExecutions  newest first
 * @property {(id: string|number, options?: { includeData?: boolean }) => Promise<object>} getExecution
 * @property {(query: ExecutionQuery & { count?: number, timeoutMs?: number }) => Promise<object[]>} waitForExecutions
 *           polls until ≥ count matching executions exist
 * @property {(path: string, options?: WebhookCall) => Promise<WebhookReply>} callWebhook  production webhook `/webhook/<path>`
 * @property {(method: string, path: string, body?: unknown) => Promise<any>} publicApi  raw /api/v1 call
 * @property {(method: string, path: string, body?: unknown) => Promise<any>} rest       raw /rest call (cookie), returns `data`
 * @property {string} apiKeyId  id of the API key connectApi created
 * @property {() => Promise<void>} dispose  deletes the API key connectApi created (call when done, so keys don't pile up)
 */

/**
 * n8n 1.x: sets up the instance owner over HTTP, once (n8n 2.x takes the owner from its environment).
 * @param {{ baseUrl: string, owner: { email: string, password: string, firstName: string, lastName: string } }} options
 */
export async function setUpOwner({ baseUrl, owner }) {
	const { email, password, firstName, lastName } = owner;
	const res = await fetch(`${baseUrl}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ email, password, firstName, lastName }),
		signal: AbortSignal.timeout(30_000),
	});
	const text = await res.text();
	if (res.ok || (res.status === 400 && /already setup/i.test(text))) return;
	throw new Error(`POST /rest/owner/setup → HTTP ${res.status}: ${text.slice(0, 300)}`);
}

/**
 * Logs in and creates an API key with every scope the owner may have.
 * @param {{ baseUrl: string, email: string, password: string, label?: string, timeoutMs?: number, version?: string }} options
 *   version: the n8n version (default 2.x); 1.x has other endpoints for activation and credentials
 * @returns {Promise<N8nApi>}
 */
export async function connectApi({ baseUrl, email, password, label, timeoutMs = 30_000, version = '2' }) {
	const major = Number(String(version).split('.')[0]);
	if (!baseUrl) throw new Error('connectApi: baseUrl is required');
	if (!email || !password) throw new Error('connectApi: email and password are required (startN8n returns them as handle.owner)');
	baseUrl = baseUrl.replace(/\/+$/, '');
	const browserId = randomUUID();
	let cookie = '';

	/** @returns {Promise<Response>} */
	async function send(url, init, what) {
		try {
			return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
		} catch (err) {
			throw new Error(`${what}: request to ${url.replace(baseUrl, '')} failed: ${err.cause?.message ?? err.message}`);
		}
	}

	async function parse(res, what) {
		const body = jsonOrText(await res.text());
		if (!res.ok) {
			const message = typeof body === 'object' && body ? (body.message ?? JSON.stringify(body)) : String(body).slice(0, 500);
			const err = new Error(`${what} → HTTP ${res.status}: ${message}`);
			err.status = res.status;
			err.body = body;
			throw err;
		}
		return body;
	}

	async function rest(method, path, body) {
		const what = `${method} /rest${path}`;
		const res = await send(
			`${baseUrl}/rest${path}`,
			{
				method,
				headers: { 'content-type': 'application/json', 'browser-id': browserId, cookie },
				body: body === undefined ? undefined : JSON.stringify(body),
			},
			what,
		);
		const parsed = await parse(res, what);
		return parsed && typeof parsed === 'object' && 'data' in parsed ? parsed.data : parsed;
	}

	// ---- login (retry 429: the per-email limit is 5/min when NODE_ENV=production) ----
	for (let attempt = 0; ; attempt++) {
		const res = await send(
			`${baseUrl}/rest/login`,
			{
				method: 'POST',
				headers: { 'content-type': 'application/json', 'browser-id': browserId },
				body: JSON.stringify({ emailOrLdapLoginId: email, password }),
			},
			'login',
		);
		if (res.status === 429 && attempt < 3) {
			await sleep(20_000);
			continue;
		}
		if (res.status === 401) throw new Error(`login as ${email} failed (HTTP 401): wrong owner email/password for this n8n user folder`);
		await parse(res, 'POST /rest/login');
		cookie = res.headers
			.getSetCookie()
			.map((c) => c.split(';')[0])
			.filter((c) => c.startsWith('n8n-auth='))
			.join('; ');
		if (!cookie) throw new Error('login succeeded but n8n sent no n8n-auth cookie (is N8N_SECURE_COOKIE=false set?)');
		break;
	}

	// ---- API key with all scopes the role allows ----
	const scopes = await rest('GET', '/api-keys/scopes');
	if (!Array.isArray(scopes) || scopes.length === 0) throw new Error('GET /rest/api-keys/scopes returned no scopes (public API disabled?)');
	const created = await rest('POST', '/api-keys', {
		label: (label ?? `harness ${new Date().toISOString()}`).slice(0, 50),
		scopes,
		expiresAt: null,
	});
	const apiKey = created?.rawApiKey;
	if (!apiKey) throw new Error('POST /rest/api-keys returned no rawApiKey');
	const apiKeyId = created.id;

	async function publicApi(method, path, body) {
		const what = `${method} /api/v1${path}`;
		const res = await send(
			`${baseUrl}/api/v1${path}`,
			{
				method,
				headers: { 'content-type': 'application/json', accept: 'application/json', 'X-N8N-API-KEY': apiKey },
				body: body === undefined ? undefined : JSON.stringify(body),
			},
			what,
		);
		return parse(res, what);
	}

	async function getExecutions({ workflowId, status, limit = 100, includeData = false } = {}) {
		const q = new URLSearchParams({ limit: String(limit) });
		if (workflowId) q.set('workflowId', String(workflowId));
		if (status) q.set('status', status);
		if (includeData) q.set('includeData', 'true');
		const out = [];
		let cursor;
		do {
			if (cursor) q.set('cursor', cursor);
			const page = await publicApi('GET', `/executions?${q}`);
			out.push(...(page.data ?? []));
			cursor = page.nextCursor;
		} while (cursor && out.length < limit);
		return out;
	}

	/** @type {N8nApi} */
	const api = {
		baseUrl,
		major,
		apiKeyId,
		publicApi,
		rest,
		async dispose() {
			if (apiKeyId) await rest('DELETE', `/api-keys/${apiKeyId}`);
		},
		async createCredential({ name, type, data }) {
			if (!name || !type) throw new Error('createCredential: name and type are required');
			const cred = await publicApi('POST', '/credentials', { name, type, data: data ?? {} });
			return { id: cred.id, name: cred.name, type: cred.type };
		},
		async listCredentials() {
			const all = major >= 2 ? await listPages(publicApi, '/credentials') : await rest('GET', '/credentials');
			return all.map(({ id, name, type }) => ({ id, name, type }));
		},
		async updateCredential(id, { name, type, data }) {
			if (major >= 2) await publicApi('PATCH', `/credentials/${id}`, { data });
			else await rest('PATCH', `/credentials/${id}`, { name, type, data });
		},
		async importWorkflow(workflow, { credentials } = {}) {
			const wf = typeof workflow === 'string' ? JSON.parse(workflow) : structuredClone(workflow);
			if (credentials) bindCredentials(wf, credentials);
			const body = {
				name: wf.name ?? `harness workflow ${new Date().toISOString()}`,
				nodes: wf.nodes ?? [],
				connections: wf.connections ?? {},
				settings: wf.settings ?? { executionOrder: 'v1' },
			};
			if (wf.staticData) body.staticData = wf.staticData;
			if (wf.pinData && Object.keys(wf.pinData).length) body.pinData = wf.pinData;
			const created = await publicApi('POST', '/workflows', body);
			return created.id;
		},
		async activateWorkflow(id, { timeoutMs: waitMs = 60_000 } = {}) {
			// 1.x activates synchronously: its triggers and webhooks are live when the call returns
			if (major < 2) return await publicApi('POST', `/workflows/${id}/activate`);
			const published = await publicApi('POST', `/workflows/${id}/publish`, {});
			// 2.40 publishes through an outbox (N8N_USE_WORKFLOW_PUBLICATION_SERVICE, default true): the call
			// returns before triggers/webhooks are live. Wait for the editor's publication status to settle.
			let last;
			await waitUntil(
				async () => {
					last = await rest('GET', `/workflows/${id}/publication-status`);
					if (last?.status === 'published') return true;
					if (last?.status === 'failed' || last?.status === 'partial') {
						const why = (last.triggers ?? [])
							.filter((t) => t.status === 'failed')
							.map((t) => `node ${t.nodeId}: ${t.errorMessage}`)
							.join('; ');
						throw fatal(`workflow ${id} publication ${last.status}: ${why || 'no details'}`);
					}
					// not_published right after a successful publish = synchronous (legacy) activation path
					return last?.status === 'not_published';
				},
				{
					timeoutMs: waitMs,
					intervalMs: 250,
					what: `workflow ${id} to be published`,
					details: () => `last publication status: ${JSON.stringify(last)}`,
				},
			);
			return published;
		},
		async deactivateWorkflow(id) {
			return await publicApi('POST', `/workflows/${id}/${major < 2 ? 'deactivate' : 'unpublish'}`, {});
		},
		async getWorkflow(id) {
			return await publicApi('GET', `/workflows/${id}`);
		},
		async deleteWorkflow(id) {
			await publicApi('DELETE', `/workflows/${id}`);
		},
		async listNodeTypes() {
			const res = await send(`${baseUrl}/types/nodes.json`, { headers: { 'browser-id': browserId, cookie } }, 'GET /types/nodes.json');
			return parse(res, 'GET /types/nodes.json');
		},
		async listCredentialTypes() {
			const res = await send(
				`${baseUrl}/types/credentials.json`,
				{ headers: { 'browser-id': browserId, cookie } },
				'GET /types/credentials.json',
			);
			return parse(res, 'GET /types/credentials.json');
		},
		getExecutions,
		async getExecution(id, { includeData = false } = {}) {
			return await publicApi('GET', `/executions/${id}${includeData ? '?includeData=true' : ''}`);
		},
		async waitForExecutions({ workflowId, status, count = 1, timeoutMs = 60_000, includeData = false } = {}) {
			return waitUntil(
				async () => {
					const list = await getExecutions({ workflowId, status, includeData, limit: Math.max(count, 20) });
					return list.length >= count ? list : undefined;
				},
				{
					timeoutMs,
					intervalMs: 500,
					what: `${count} execution(s)${status ? ` with status ${status}` : ''}${workflowId ? ` of workflow ${workflowId}` : ''}`,
				},
			);
		},
		async callWebhook(path, { method = 'POST', body, headers = {}, timeoutMs: t = 60_000 } = {}) {
			const res = await fetch(`${baseUrl}/webhook/${path.replace(/^\/+/, '')}`, {
				method,
				headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
				body: body === undefined ? undefined : JSON.stringify(body),
				signal: AbortSignal.timeout(t),
			});
			const text = await res.text();
			return { status: res.status, headers: res.headers, body: jsonOrText(text), text };
		},
	};
	return api;
}

/**
 * Points node credential references at real credentials, in place: for every node whose
 * `credentials[type]` exists (any shape: placeholder name string, { id, name }, { id: null, name }),
 * sets it to the `{ id, name }` given for that type. Returns the workflow.
 * @param {{ nodes?: Array<{ credentials?: Record<string, unknown> }> }} workflow
 * @param {Record<string, { id: string, name: string }>} byType  e.g. { supabaseJobsApi: await api.createCredential(…) }
 */
export function bindCredentials(workflow, byType) {
	for (const node of workflow.nodes ?? []) {
		if (!node.credentials) continue;
		for (const type of Object.keys(node.credentials)) {
			const cred = byType[type];
			if (cred) node.credentials[type] = { id: String(cred.id), name: cred.name };
		}
	}
	return workflow;
}

/** Every item of a cursor-paged public-API list. */
export async function listPages(publicApi, path) {
	const out = [];
	let cursor;
	do {
		const sep = path.includes('?') ? '&' : '?';
		const page = await publicApi('GET', `${path}${sep}limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
		out.push(...(page.data ?? []));
		cursor = page.nextCursor;
	} while (cursor);
	return out;
}

/** A response body: parsed when it is JSON, the text itself otherwise, undefined when empty. */
function jsonOrText(text) {
	try {
		return text ? JSON.parse(text) : undefined;
	} catch {
		return text;
	}
}
