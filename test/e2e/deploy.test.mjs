// As Docker users set it up, in the pinned n8n 2.40.7: n8n installs this package itself from N8N_COMMUNITY_PACKAGES
// (a local `npm pack` tarball standing in for the registry, see scripts/n8n/env-package.mjs); each template goes in
// with `n8n import:workflow --input=<file>` and a second import updates it; every documented curl, JSON and SQL
// example works; a body that is not JSON gets n8n's documented 422; the editor's node panel finds all five nodes for
// the words users search for; and a credential npm start generated keeps edits made in n8n across starts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../../scripts/lib/wait.mjs';
import { ensureGeneratedCredential, JOBS_CREDENTIAL, jobsCredentialData } from '../../scripts/n8n/local-stack.mjs';
import { launchChromium } from './dashboard-support.mjs';
import { curlRequest, documentedExamples } from './documented-examples.mjs';
import { guarded, openStack } from './support.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACKAGE = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const TEMPLATE_FILES = readdirSync(join(REPO, 'workflows')).filter((f) => f.endsWith('.json'));
const template = (file) => JSON.parse(readFileSync(join(REPO, 'workflows', file), 'utf8'));
/** The package's five nodes as the node panel names them. */
const NODE_NAMES = ['Enqueue Job', 'Claim Job', 'Complete/Fail Job', 'Job Queue', 'Job Trigger'];
/** What users type into the node panel to find them (the codex aliases, see test/nodes/descriptions.test.ts). */
const SEARCH_TERMS = ['Supabase', 'Supabase Jobs', 'queue', 'job', 'worker', 'background', 'retry', 'dead letter'];

let stack;
before(async () => {
	stack = await openStack({ packageInstall: 'environment', importTemplates: false, activate: [] });
});
after(async () => {
	await stack?.close();
});
const guard = guarded(() => stack);

const importFile = (file) => stack.n8n.cli(['import:workflow', `--input=${join(REPO, 'workflows', file)}`]);

test(
	'n8n installs the package from N8N_COMMUNITY_PACKAGES and loads its five nodes',
	guard(async () => {
		assert.match(stack.n8n.logs(), new RegExp(`Installed community package '${PACKAGE.name}@${PACKAGE.version}' from env`));
		const installed = (await stack.api.rest('GET', '/community-packages')).find((p) => p.packageName === PACKAGE.name);
		assert.equal(installed?.installedVersion, PACKAGE.version, 'listed under Settings > Community nodes');
		assert.deepEqual(installed.installedNodes.map((n) => n.name).sort(), [...NODE_NAMES].sort());
		const types = (await stack.api.listNodeTypes()).map((n) => n.name);
		for (const node of PACKAGE.n8n.nodes) {
			const name = node.split('/').pop().replace('.node.js', '');
			assert.ok(types.includes(`${PACKAGE.name}.${name[0].toLowerCase()}${name.slice(1)}`), `${name} loaded`);
		}
	}),
);

test(
	`each template imports with n8n import:workflow --input=<file>, bound to the credentials by name; importing again updates it`,
	guard(async () => {
		const credentials = Object.fromEntries((await stack.api.listCredentials()).map((c) => [c.type, c.id]));
		for (const file of TEMPLATE_FILES) {
			const { id, name } = template(file);
			assert.match(await importFile(file), /Successfully imported 1 workflow/, file);
			const stored = await stack.api.getWorkflow(id);
			assert.equal(stored.name, name, `${file} imported under its id ${id}`);
			const refs = stored.nodes.flatMap((n) => Object.entries(n.credentials ?? {})).filter(([type]) => credentials[type]);
			assert.ok(refs.length > 0, `${file} uses the Supabase Jobs credential`);
			for (const [type, ref] of refs) assert.equal(ref.id, credentials[type], `${file}: its ${type} credential is the existing one`);
		}
		// an edit in n8n, then the file again: the workflow is replaced by the file, not duplicated
		const edited = await stack.api.getWorkflow(template('instant-worker.json').id);
		await stack.api.publicApi('PUT', `/workflows/${edited.id}`, {
			name: 'edited in n8n',
			nodes: edited.nodes,
			connections: edited.connections,
			settings: { executionOrder: 'v1' },
		});
		await importFile('instant-worker.json');
		const all = (await stack.api.publicApi('GET', '/workflows?limit=250')).data;
		assert.deepEqual(all.map((w) => w.id).sort(), TEMPLATE_FILES.map((f) => template(f).id).sort(), 'one workflow per template');
		assert.equal((await stack.api.getWorkflow(edited.id)).name, template('instant-worker.json').name, 'the file wins on re-import');
	}),
);

test(
	'every documented curl, JSON and SQL example works against n8n (README and sticky notes)',
	guard(async () => {
		for (const file of ['enqueue-http-api.json', 'instant-worker.json', 'fan-out-fan-in.json'])
			await stack.api.activateWorkflow(template(file).id);
		const examples = documentedExamples();
		const counts = { curl: 0, json: 0, sql: 0 };
		let jobId;
		for (const example of examples) {
			const label = `${example.where}: ${example.text}`;
			if (example.kind === 'sql') {
				// in a transaction rolled back: the examples change queue settings
				await stack.db.query('begin');
				try {
					await stack.db.query(example.text);
				} finally {
					await stack.db.query('rollback');
				}
			} else {
				const request =
					example.kind === 'curl'
						? curlRequest(example.text, { baseUrl: stack.n8n.baseUrl, apiKey: stack.apiKey, jobId })
						: {
								method: 'POST',
								url: `${stack.n8n.baseUrl}/webhook/jobs/enqueue`,
								headers: { 'X-API-Key': stack.apiKey, 'Content-Type': 'application/json' },
								body: example.text,
							};
				const res = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
				const body = await res.json().catch(() => undefined);
				assert.equal(res.status, 200, `${label} → ${res.status} ${JSON.stringify(body)}`);
				assert.equal(body?.ok, true, label);
				if (body.jobId) {
					jobId = body.jobId;
					const { rows } = await stack.db.query('select job_type from mcp_jobs.jobs where id = $1', [jobId]);
					assert.equal(rows.length, 1, `${label}: the job is in the queue`);
				}
			}
			counts[example.kind]++;
		}
		console.log(`  documented examples run: ${JSON.stringify(counts)}`);
		// each kind is found at all (the extraction would otherwise pass by finding nothing)
		assert.ok(counts.curl >= 4 && counts.json >= 2 && counts.sql >= 3, `examples found: ${JSON.stringify(counts)}`);
	}),
);

test(
	'a body that is not JSON gets the 422 the HTTP API documents, without a stack trace',
	guard(async () => {
		const res = await fetch(`${stack.n8n.baseUrl}/webhook/jobs/enqueue`, {
			method: 'POST',
			headers: { 'X-API-Key': stack.apiKey, 'Content-Type': 'application/json' },
			body: '{"source": "curl", "jobType": ',
		});
		const body = await res.json();
		assert.equal(res.status, 422);
		assert.equal(body.code, 422);
		assert.equal(body.message, 'Failed to parse request body');
		assert.equal(body.stacktrace, undefined);
		assert.match(JSON.stringify(template('enqueue-http-api.json')), /422.*Failed to parse request body/, 'documented in the sticky note');
	}),
);

test(
	`the editor's node panel finds all five nodes for ${SEARCH_TERMS.map((t) => `"${t}"`).join(', ')}`,
	guard(async () => {
		const browser = await launchChromium();
		try {
			const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
			await page.goto(`${stack.n8n.baseUrl}/signin`);
			await page.locator('[data-test-id="emailOrLdapLoginId"] input').fill(stack.n8n.owner.email);
			await page.locator('[data-test-id="password"] input').fill(stack.n8n.owner.password);
			await page.locator('[data-test-id="form-submit-button"]').click();
			await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
			await page.goto(`${stack.n8n.baseUrl}/workflow/${template('scheduled-worker.json').id}`);
			await page.locator('[data-test-id="canvas-node"]').first().waitFor();
			await page.locator('[data-test-id="node-creator-plus-button"]').click();
			const search = page.locator('input[data-test-id="node-creator-search-bar"]');
			const found = {};
			for (const term of SEARCH_TERMS) {
				await search.fill(term);
				const names = () => page.locator('[data-test-id="node-creator-item-name"]').allInnerTexts();
				found[term] = await waitUntil(
					async () => {
						const shown = await names();
						return NODE_NAMES.every((n) => shown.includes(n)) && shown;
					},
					{ timeoutMs: 10_000, intervalMs: 200, what: `the node panel's results for "${term}"` },
				).catch(async () => names());
			}
			const missing = Object.entries(found)
				.map(([term, shown]) => [term, NODE_NAMES.filter((n) => !shown.includes(n))])
				.filter(([, absent]) => absent.length);
			assert.deepEqual(missing, [], `search term → nodes not shown: ${JSON.stringify(found)}`);
		} finally {
			await browser.close();
		}
	}),
);

test(
	'a credential npm start generated keeps an edit made in n8n on the next start, unless its source changed',
	guard(async () => {
		const generated = { ...JOBS_CREDENTIAL, data: jobsCredentialData(stack.queueUrl) };
		const { id } = (await stack.api.listCredentials()).find((c) => c.name === JOBS_CREDENTIAL.name);
		const ssl = async () => (await stack.api.rest('GET', `/credentials/${id}?includeData=true`)).data.ssl;
		assert.equal(await ssl(), 'disable');
		await stack.api.updateCredential(id, { ...generated, data: { ...generated.data, ssl: 'require' } }); // the edit
		// what the next start does with it (scripts/n8n/local-stack.mjs)
		assert.equal((await ensureGeneratedCredential(stack.stateDir, stack.api, generated)).outcome, 'kept');
		assert.equal(await ssl(), 'require');
		// the next start with the queue somewhere else (another DATABASE_URL): the generated data wins
		const moved = { ...generated, data: jobsCredentialData(stack.queueUrl.replace('127.0.0.1', 'localhost')) };
		assert.equal((await ensureGeneratedCredential(stack.stateDir, stack.api, moved)).outcome, 'updated');
		assert.equal(await ssl(), 'disable');
		assert.equal((await ensureGeneratedCredential(stack.stateDir, stack.api, moved)).outcome, 'kept');
	}),
);
