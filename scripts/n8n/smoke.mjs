#!/usr/bin/env node
// End-to-end proof of the n8n harness: install (cached) → community package → regular mode → queue mode
// (main + 2 workers, kill -9 one) against a throwaway database.
//
//   node scripts/n8n/smoke.mjs [packageDir] [--embedded] [--no-queue] [--keep]
//
//   packageDir   built community package to load (default: the repo root)
//   --embedded   use an embedded Postgres (scripts/lib/postgres.mjs) instead of DATABASE_URL /
//                postgres://postgres@127.0.0.1:5432/postgres
//   --no-queue   skip the queue-mode part
//   --keep       keep the user folder and database (printed) instead of deleting them
// Env: REDIS_HOST / REDIS_PORT (default 127.0.0.1:6379), DATABASE_URL.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureN8n, fmtElapsed } from './install.mjs';
import { installPackageIntoN8n } from './package-install.mjs';
import { startN8n } from './process.mjs';
import { connectApi } from './api.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const packageDir = resolve(args.find((a) => !a.startsWith('--')) ?? join(HERE, '..', '..'));
const log = (line) => console.log(line);
const timings = [];
const timed = async (label, fn) => {
	const t = Date.now();
	try {
		return await fn();
	} finally {
		timings.push([label, Date.now() - t]);
	}
};
const check = (ok, message) => {
	if (!ok) throw new Error(`CHECK FAILED: ${message}`);
	log(`  ok  ${message}`);
};

const runId = `${Date.now().toString(36)}`;
let embedded;
let userFolder;
let dbName;
let adminUrl;
let handle;
let failed = false;
try {
	const install = await timed('install n8n + node (cached after the first run)', () => ensureN8n({ log }));
	log(`n8n ${install.version} at ${install.n8nBin}\nnode ${install.nodeVersion} at ${install.nodeBin}`);

	if (flags.has('--embedded')) {
		const { startEmbeddedPostgres } = await import('../lib/postgres.mjs');
		embedded = await timed('start embedded Postgres', () => startEmbeddedPostgres());
		adminUrl = embedded.url;
	} else {
		adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
	}
	dbName = `n8n_smoke_${runId}`;
	userFolder = await mkdtemp(join(tmpdir(), 'n8n-smoke-'));
	log(`user folder ${userFolder}, database ${dbName}`);

	const pkg = await timed('pack + install community package', () => installPackageIntoN8n({ userFolder, packageDir, log }));

	// ---------------- regular mode ----------------
	log('\n== regular mode');
	handle = await timed('start n8n (regular, fresh DB: migrations)', () => startN8n({ install, userFolder, databaseUrl: adminUrl, database: dbName, mode: 'regular', log }));
	const api = await timed('login + API key', () => connectApi({ baseUrl: handle.baseUrl, ...handle.owner }));
	const types = await api.listNodeTypes();
	const ours = types.filter((t) => t.name.startsWith(`${pkg.name}.`)).map((t) => t.name);
	check(types.some((t) => t.name === 'n8n-nodes-base.webhook'), `${types.length} node types listed via /types/nodes.json`);
	check(ours.length > 0, `package node types loaded as ${pkg.name}.<name>: ${[...new Set(ours)].join(', ')}`);
	check(!types.some((t) => t.name.startsWith('CUSTOM.')), 'no CUSTOM.* node types');
	const hasFake = ours.includes(`${pkg.name}.fakeEcho`);

	let credential;
	if (hasFake) {
		credential = await api.createCredential({ name: 'Fake Jobs account', type: 'fakeJobsApi', data: { token: 'not-a-secret-123' } });
		check(!!credential.id, 'credential created via POST /api/v1/credentials');
	}
	const workflow = webhookWorkflow({ path: `smoke-${runId}`, packageName: pkg.name, withFake: hasFake });
	const workflowId = await timed('import workflow', () => api.importWorkflow(workflow));
	if (hasFake) {
		const stored = await api.getWorkflow(workflowId);
		const ref = stored.nodes.find((n) => n.name === 'Fake Echo').credentials.fakeJobsApi;
		check(ref.id === credential.id, `template placeholder { id: "REPLACE_ME", name } resolved to the credential by name on import (${ref.id})`);
	}
	await timed('publish workflow (until triggers live)', () => api.activateWorkflow(workflowId));
	const r1 = await timed('webhook round trip (regular)', () => api.callWebhook(`smoke-${runId}`, { body: { hello: 'regular' } }));
	check(r1.status === 200 && r1.body?.body?.hello === 'regular' && r1.body?.code === true, `webhook answered 200 by Respond to Webhook: ${JSON.stringify(pick(r1.body))}`);
	if (hasFake) check(r1.body.fromPackage === true && r1.body.secretLength === 16 && r1.body.oneSecondMs === 1000, 'community node ran (its runtime dependency and decrypted credential work)');
	const ex1 = await api.waitForExecutions({ workflowId, status: 'success', count: 1 });
	check(ex1[0].mode === 'webhook', `execution ${ex1[0].id} recorded as success`);
	await timed('stop n8n (regular)', () => handle.stop());
	handle = undefined;

	// ---------------- queue mode ----------------
	if (!flags.has('--no-queue')) {
		log('\n== queue mode (main + 2 workers)');
		const redis = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };
		handle = await timed('start n8n (queue: main + 2 workers)', () => startN8n({ install, userFolder, databaseUrl: adminUrl, database: dbName, mode: 'queue', workers: 2, redis, log }));
		const qapi = await connectApi({ baseUrl: handle.baseUrl, ...handle.owner });
		// the workflow stayed published: the main re-registers its webhook at startup
		const answeredBy = new Set();
		for (let i = 0; i < 6; i++) {
			const r = await timed(i === 0 ? 'webhook round trip (queue, first)' : 'webhook round trip (queue)', () => qapi.callWebhook(`smoke-${runId}`, { body: { hello: `queue-${i}` } }));
			check(r.status === 200 && r.body?.body?.hello === `queue-${i}`, `queue webhook #${i} answered 200`);
			if (hasFake) answeredBy.add(r.body.pid);
		}
		if (hasFake) {
			const { main, workers } = handle.pids;
			check([...answeredBy].every((pid) => workers.includes(pid)) && !answeredBy.has(main), `executions ran on worker pids ${[...answeredBy].join(', ')} (main ${main}, workers ${workers.join(', ')})`);
		}
		// Respond to Webhook answers before the worker acks its Bull job: killing a worker right after the
		// response can leave that job "stalled" and failed. Wait until all 7 executions are recorded first.
		await qapi.waitForExecutions({ workflowId, status: 'success', count: 7 });
		const killedPid = handle.pids.workers[0];
		await timed('kill -9 worker 0', () => handle.kill(0, 'SIGKILL'));
		check(!isAlive(killedPid), `worker 0 (pid ${killedPid}) is gone`);
		const r2 = await timed('webhook round trip (queue, 1 worker left)', () => qapi.callWebhook(`smoke-${runId}`, { body: { hello: 'after-kill' } }));
		check(r2.status === 200 && r2.body?.body?.hello === 'after-kill', 'webhook still answered by the surviving worker');
		if (hasFake) check(r2.body.pid === handle.pids.workers[1], `answered by worker 1 (pid ${r2.body.pid})`);
		await timed('restart worker 0', () => handle.restartWorker(0));
		const ex2 = await qapi.waitForExecutions({ workflowId, status: 'success', count: 8 });
		check(ex2.length >= 8, `${ex2.length} successful executions recorded`);
		const pids = [handle.pids.main, ...handle.pids.workers];
		await timed('stop n8n (queue)', () => handle.stop());
		handle = undefined;
		check(pids.every((pid) => !isAlive(pid)), 'no n8n process left running');
	}
	log('\nSMOKE PASSED');
} catch (err) {
	failed = true;
	console.error(`\nSMOKE FAILED: ${err.stack ?? err.message}`);
	if (handle) console.error(`--- n8n log tail ---\n${handle.logs().split('\n').slice(-40).join('\n')}`);
	if (userFolder) console.error(`logs: ${join(userFolder, 'logs')}`);
} finally {
	if (handle) await handle.stop().catch(() => undefined);
	if (!flags.has('--keep') && !failed) {
		if (dbName && adminUrl) await dropDatabase(adminUrl, dbName).catch((e) => console.error(`could not drop ${dbName}: ${e.message}`));
		if (userFolder) await rm(userFolder, { recursive: true, force: true });
	} else if (userFolder) {
		console.log(`kept: user folder ${userFolder}, database ${dbName}`);
	}
	if (embedded) await embedded.stop().catch(() => undefined);
	console.log('\ntimings:');
	for (const [label, ms] of timings) console.log(`  ${`${(ms / 1000).toFixed(1)}s`.padStart(7)}${ms >= 60_000 ? ` (${fmtElapsed(ms)})` : ''}  ${label}`);
	process.exitCode = failed ? 1 : 0;
}

/** Webhook → [Fake Echo from the package] → Code → Respond to Webhook. */
function webhookWorkflow({ path, packageName, withFake }) {
	const nodes = [
		{ id: 'b0c0f4e2-0000-4000-8000-000000000001', name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: 'b0c0f4e2-0000-4000-8000-0000000000aa', parameters: { httpMethod: 'POST', path, responseMode: 'responseNode', options: {} } },
		{ id: 'b0c0f4e2-0000-4000-8000-000000000003', name: 'Code', type: 'n8n-nodes-base.code', typeVersion: 2, position: [440, 0], parameters: { jsCode: 'return $input.all().map((item) => ({ json: { ...item.json, code: true } }));' } },
		{ id: 'b0c0f4e2-0000-4000-8000-000000000004', name: 'Respond', type: 'n8n-nodes-base.respondToWebhook', typeVersion: 1.1, position: [660, 0], parameters: { respondWith: 'firstIncomingItem', options: {} } },
	];
	const connections = { Code: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] } };
	if (withFake) {
		nodes.push({
			id: 'b0c0f4e2-0000-4000-8000-000000000002',
			name: 'Fake Echo',
			type: `${packageName}.fakeEcho`,
			typeVersion: 1,
			position: [220, 0],
			parameters: { tag: 'smoke' },
			// as shipped templates do: a placeholder id, resolved by (name, type) on import
			credentials: { fakeJobsApi: { id: 'REPLACE_ME', name: 'Fake Jobs account' } },
		});
		connections.Webhook = { main: [[{ node: 'Fake Echo', type: 'main', index: 0 }]] };
		connections['Fake Echo'] = { main: [[{ node: 'Code', type: 'main', index: 0 }]] };
	} else {
		connections.Webhook = { main: [[{ node: 'Code', type: 'main', index: 0 }]] };
	}
	return { name: `harness smoke ${path}`, nodes, connections, settings: { executionOrder: 'v1' }, pinData: {}, meta: { templateCredsSetupCompleted: false } };
}

function pick(body) {
	if (!body || typeof body !== 'object') return body;
	const { headers: _h, ...rest } = body;
	return rest;
}

function isAlive(pid) {
	if (!pid) return false;
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

async function dropDatabase(url, name) {
	const install = await ensureN8n({ log: () => undefined });
	const { Client } = createRequire(join(install.n8nDir, 'node_modules', 'n8n', 'package.json'))('pg');
	const u = new URL(url);
	u.pathname = '/postgres';
	const c = new Client({ connectionString: u.toString() });
	await c.connect();
	try {
		await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
	} finally {
		await c.end();
	}
}
