// Builds the n8n workflow of the jobs dashboard (workflows/jobs-dashboard.json) from its parts: the page
// (one HTML string), the request and response logic in dashboard/server/ (each the expression of a Set node),
// and the routes table below, which maps each API action to the queue node that serves it.
import { createHash } from 'node:crypto';

const PACKAGE = 'n8n-nodes-supabase-jobs';
const JOBS_CREDENTIAL = { supabaseJobsApi: { id: 'supabase-jobs-account', name: 'Supabase Jobs account' } };
const HEADER_CREDENTIAL = { httpHeaderAuth: { id: 'jobs-api-header-auth', name: 'Jobs API header auth' } };
export const PAGE_PATH = 'jobs/dashboard';
export const API_PATH = 'jobs/dashboard/api';

const jobId = (expression) => ({ __rl: true, mode: 'id', value: expression });

/**
 * One route per API action: the node that serves it (a Job Queue or Enqueue Job operation of this package).
 * Listings and stats always output an item, so an empty result still reaches the response. `perId`: the
 * request's `ids` become one item each (the node sends them all in one batch call).
 */
const ROUTES = [
	{
		action: 'overview',
		name: 'Queue Stats',
		node: 'jobQueue',
		alwaysOutputData: true,
		parameters: { resource: 'queue', operation: 'getStats', queue: '', windowHours: '={{ $json.windowHours }}', durationSample: 1000 },
	},
	{
		action: 'throughput',
		name: 'Get Throughput',
		node: 'jobQueue',
		alwaysOutputData: true,
		parameters: { resource: 'queue', operation: 'getThroughput', queue: '={{ $json.queue }}', hours: '={{ $json.hours }}' },
	},
	{
		action: 'jobs',
		name: 'Search Jobs',
		node: 'jobQueue',
		alwaysOutputData: true,
		parameters: {
			resource: 'job',
			operation: 'search',
			search: '={{ $json.search }}',
			sort: '={{ $json.sort }}',
			limit: '={{ $json.limit }}',
			filters: {
				queue: '={{ $json.queue }}',
				status: '={{ $json.status }}',
				source: '={{ $json.source }}',
				jobType: '={{ $json.jobType }}',
				cursor: '={{ $json.cursor }}',
			},
		},
	},
	{ action: 'job', name: 'Get Job', node: 'jobQueue', parameters: { resource: 'job', operation: 'get', jobId: jobId('={{ $json.id }}') } },
	{
		action: 'cancel',
		name: 'Cancel Job',
		node: 'jobQueue',
		parameters: { resource: 'job', operation: 'cancel', jobId: jobId('={{ $json.id }}'), reason: '={{ $json.reason }}' },
	},
	{
		action: 'retry',
		name: 'Retry Job',
		node: 'jobQueue',
		parameters: { resource: 'job', operation: 'retry', jobId: jobId('={{ $json.id }}'), resetAttempts: true },
	},
	{
		action: 'deadLetters',
		name: 'List Dead Letters',
		node: 'jobQueue',
		alwaysOutputData: true,
		parameters: {
			resource: 'deadLetter',
			operation: 'getAll',
			limit: '={{ $json.limit }}',
			filters: { queue: '={{ $json.queue }}', beforeSeq: '={{ $json.beforeSeq }}' },
		},
	},
	{
		action: 'deadLetterGroups',
		name: 'Dead Letter Groups',
		node: 'jobQueue',
		alwaysOutputData: true,
		parameters: { resource: 'deadLetter', operation: 'getGroups', queue: '={{ $json.queue }}', limit: '={{ $json.limit }}' },
	},
	{
		action: 'requeue',
		perId: true,
		name: 'Requeue Dead Letters',
		node: 'jobQueue',
		parameters: { resource: 'deadLetter', operation: 'requeue', deadLetterId: jobId('={{ $json.id }}'), resolvedBy: '={{ $json.by }}' },
	},
	{
		action: 'resolve',
		perId: true,
		name: 'Resolve Dead Letters',
		node: 'jobQueue',
		parameters: {
			resource: 'deadLetter',
			operation: 'resolve',
			deadLetterId: jobId('={{ $json.id }}'),
			resolvedBy: '={{ $json.by }}',
			notes: '={{ $json.notes }}',
		},
	},
	{
		action: 'pause',
		name: 'Pause Queue',
		node: 'jobQueue',
		parameters: { resource: 'queue', operation: 'pause', queue: '={{ $json.queue }}', pauseReason: '={{ $json.reason }}' },
	},
	{
		action: 'resume',
		name: 'Resume Queue',
		node: 'jobQueue',
		parameters: { resource: 'queue', operation: 'resume', queue: '={{ $json.queue }}' },
	},
	{
		action: 'enqueue',
		name: 'Enqueue Job',
		node: 'enqueueJob',
		parameters: {
			source: '={{ $json.source }}',
			jobType: '={{ $json.jobType }}',
			payloadSource: 'json',
			payload: '={{ $json.payload }}',
			priority: '={{ $json.priority }}',
			options: {
				queue: '={{ $json.queue }}',
				maxRetries: '={{ $json.maxRetries }}',
				retryDelaySeconds: '={{ $json.retryDelaySeconds }}',
				runAt: '={{ $json.runAt }}',
				idempotencyKey: '={{ $json.idempotencyKey }}',
			},
		},
	},
];

export const ACTIONS = ROUTES.map((r) => r.action);

/**
 * @param {{ html: string, readRequest: string, buildResponse: string }} parts  the page; the bodies of the two expressions
 * @returns {object} the workflow JSON
 */
export function buildWorkflow({ html, readRequest, buildResponse }) {
	const nodes = [];
	const connections = {};
	const add = (node) => {
		nodes.push({ ...node, id: stableId(node.name) });
		return node.name;
	};
	const connect = (from, to, output = 0) => {
		const outputs = (connections[from] ??= { main: [] }).main;
		while (outputs.length <= output) outputs.push([]);
		outputs[output].push({ node: to, type: 'main', index: 0 });
	};

	add(stickyNote());

	// ---- the page: GET /webhook/jobs/dashboard, no key needed (it holds no data until the user gives the key)
	const pageHook = add({
		parameters: { httpMethod: 'GET', path: PAGE_PATH, responseMode: 'responseNode', options: {} },
		name: 'GET /jobs/dashboard',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, -320],
		webhookId: stableId('page webhook'),
	});
	const respondPage = add({
		parameters: {
			respondWith: 'text',
			responseBody: html,
			options: {
				responseCode: 200,
				responseHeaders: {
					entries: [
						{ name: 'Content-Type', value: 'text/html; charset=utf-8' },
						{ name: 'Cache-Control', value: 'no-store' },
					],
				},
			},
		},
		name: 'Respond Page',
		type: 'n8n-nodes-base.respondToWebhook',
		typeVersion: 1.1,
		position: [240, -320],
	});
	connect(pageHook, respondPage);

	// ---- the API: POST /webhook/jobs/dashboard/api {action, ...} with the X-API-Key header
	const apiHook = add({
		parameters: {
			httpMethod: 'POST',
			path: API_PATH,
			authentication: 'headerAuth',
			responseMode: 'responseNode',
			// n8n serves the page in a CSP sandbox (an opaque origin): its requests come with `Origin: null`
			options: { allowedOrigins: 'null' },
		},
		name: 'POST /jobs/dashboard/api',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 200],
		webhookId: stableId('api webhook'),
		credentials: HEADER_CREDENTIAL,
	});
	const read = add(expressionNode('Read Request', readRequest, [240, 200]));
	connect(apiHook, read);
	const routes = ['invalid', ...ACTIONS];
	const router = add({
		parameters: { rules: { values: routes.map((route) => switchRule(route)) }, options: {} },
		name: 'Route',
		type: 'n8n-nodes-base.switch',
		typeVersion: 3.2,
		position: [480, 200],
	});
	connect(read, router);
	// The queue node's items, in one item {data: [...]}. (An n8n expression cannot read items that carry an
	// error from "On Error: Continue": $input.all() fails on them; the Aggregate node copies their JSON.)
	const collect = add({
		parameters: { aggregate: 'aggregateAllItemData', destinationFieldName: 'data', options: {} },
		name: 'Collect Results',
		type: 'n8n-nodes-base.aggregate',
		typeVersion: 1,
		position: [1240, 200],
	});
	const build = add(expressionNode('Build Response', buildResponse, [1480, 200]));
	connect(collect, build);
	connect(router, collect, 0); // invalid requests: straight to the response
	ROUTES.forEach((route, i) => {
		const y = -360 + i * 120;
		const name = add({
			parameters: route.parameters,
			name: route.name,
			type: `${PACKAGE}.${route.node}`,
			typeVersion: 1,
			position: [1000, y],
			credentials: JOBS_CREDENTIAL,
			...(route.alwaysOutputData ? { alwaysOutputData: true } : {}),
			onError: 'continueRegularOutput',
		});
		if (route.perId) {
			const split = add({
				parameters: { fieldToSplitOut: 'ids', include: 'allOtherFields', options: { destinationFieldName: 'id' } },
				name: `One Item per ID (${route.action})`,
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [760, y],
			});
			connect(router, split, i + 1);
			connect(split, name);
		} else {
			connect(router, name, i + 1);
		}
		connect(name, collect);
	});
	const respond = add({
		parameters: {
			respondWith: 'json',
			responseBody: '={{ JSON.stringify($json.body) }}',
			options: { responseCode: '={{ $json.status }}' },
		},
		name: 'Respond',
		type: 'n8n-nodes-base.respondToWebhook',
		typeVersion: 1.1,
		position: [1720, 200],
	});
	connect(build, respond);

	return {
		// stable, like every template's: `n8n import:workflow --input=<file>` needs one and then updates instead of duplicating
		id: 'supabaseJobsDash',
		name: 'Supabase Jobs: dashboard',
		nodes,
		pinData: {},
		connections,
		active: false,
		// the page polls every few seconds: keep only failed executions
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'none', saveExecutionProgress: false },
		meta: { templateCredsSetupCompleted: false },
		tags: [],
	};
}

/**
 * A Set node whose output is what `body` returns: the body of a function, evaluated as an n8n expression
 * (in n8n itself; a Code node would go through the task runner, tens of milliseconds more per request).
 */
function expressionNode(name, body, position) {
	if (/\{\{|\}\}/.test(body)) throw new Error(`${name}: the source must not contain "{{" or "}}" (they delimit n8n expressions)`);
	return {
		parameters: { mode: 'raw', jsonOutput: `={{ JSON.stringify((() => {\n${body}\n})()) }}`, options: {} },
		name,
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		position,
	};
}

function switchRule(route) {
	return {
		conditions: {
			options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
			conditions: [
				{
					id: stableId(`route ${route}`),
					leftValue: '={{ $json.route }}',
					rightValue: route,
					operator: { type: 'string', operation: 'equals' },
				},
			],
			combinator: 'and',
		},
		renameOutput: true,
		outputKey: route,
	};
}

function stickyNote() {
	const content = [
		'## Jobs dashboard',
		'A web page for the job queue, served by this workflow: queues (counts, success rate, p95, pause), throughput, jobs (filters, details, cancel, retry), dead letters (requeue, resolve) and a form to enqueue a job.',
		'',
		'- `GET /webhook/jobs/dashboard`: the page (HTML, CSS and JS in one response; nothing loaded from elsewhere). Open it in a browser and enter the API key.',
		'- `POST /webhook/jobs/dashboard/api` with `{"action": "overview" | "throughput" | "jobs" | "job" | "cancel" | "retry" | "deadLetters" | "deadLetterGroups" | "requeue" | "resolve" | "pause" | "resume" | "enqueue", ...}`: the JSON the page reads, each action served by a Job Queue or Enqueue Job node. Needs the header of **Jobs API header auth**.',
		'',
		'n8n serves HTML from webhooks in a sandbox (no cookies or storage, requests with `Origin: null`): the page keeps the key in memory for as long as the tab shows it, and the API webhook allows the origin `null` (Options → Allowed Origins).',
		'',
		'**Setup**',
		'1. Credentials **Supabase Jobs account** (type *Supabase Jobs API*) and **Jobs API header auth** (type *Header Auth*, name `X-API-Key`, value a long random secret: the key you type into the page).',
		'2. Activate, then open `<your n8n>/webhook/jobs/dashboard`.',
		'',
		'The page and the expressions of *Read Request* and *Build Response* are generated from `dashboard/` in the package repository (`node scripts/build-dashboard.mjs`); edit them there.',
	].join('\n');
	return {
		parameters: { content, height: 620, width: 620 },
		name: 'Setup',
		type: 'n8n-nodes-base.stickyNote',
		typeVersion: 1,
		position: [-720, -360],
	};
}

/** A UUID derived from a name, so a rebuild gives the same file. */
function stableId(name) {
	const hex = createHash('sha256').update(`jobs-dashboard:${name}`).digest('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
