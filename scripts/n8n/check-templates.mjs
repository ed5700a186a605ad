#!/usr/bin/env node
// Proves the workflow templates in a real n8n 2.40.7 with the package loaded: every template imports and
// activates, then each is run end to end against the queue database.
//
//   npm run build && node scripts/n8n/check-templates.mjs [--keep]
//
// Throwaway embedded Postgres (or DATABASE_URL's server) and user folder; --keep leaves the user folder.
// Takes about 4 minutes: the scheduled worker ticks every 30 s and maintenance every minute, as imported.
// Two things are changed from the shipped templates, as their sticky notes tell users to: the alert
// webhook URL; and, to not wait 5 minutes / 1 hour / 1 day, a copy of the alert and maintenance
// workflows with 10-second triggers.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, TEMPLATES } from './local-stack.mjs';
import { copyWorkflow } from './provision.mjs';
import { freePorts } from '../lib/ports.cjs';
import { waitUntil } from '../lib/wait.mjs';

const require = createRequire(import.meta.url);
const { Client } = require('pg');

let passed = 0;
const check = (ok, message) => {
	if (!ok) throw new Error(`CHECK FAILED: ${message}`);
	passed++;
	console.log(`  ok  ${message}`);
};

const stateDir = await mkdtemp(join(tmpdir(), 'check-templates-'));
const [n8nPort] = await freePorts(1);
let stack;
let db;
let failed = false;
const t0 = Date.now();
try {
	stack = await startLocalStack({ stateDir, persistent: false, databaseUrl: process.env.DATABASE_URL, n8nPort, activate: TEMPLATES });
	check(
		TEMPLATES.every((f) => stack.workflows[f]?.active),
		`all ${TEMPLATES.length} templates imported and activated`,
	);
	db = new Client({ connectionString: stack.queueUrl });
	await db.connect();
	const ctx = { stack, api: stack.api, db, hook: webhookCaller(stack), wf: (f) => stack.workflows[f].id };
	for (const scenario of [httpApi, dashboard, instantWorker, unknownJobType, scheduledWorker, errorHandler, alerts, maintenance]) {
		console.log(`\n== ${scenario.name}`);
		await scenario(ctx);
	}
	console.log(`\nALL TEMPLATE CHECKS PASSED (${passed} checks, ${Math.round((Date.now() - t0) / 1000)} s)`);
} catch (err) {
	failed = true;
	console.error(`\nFAILED: ${err.stack ?? err.message}`);
	if (stack) console.error(`--- n8n log tail ---\n${stack.n8n.logs().split('\n').slice(-40).join('\n')}`);
} finally {
	await db?.end().catch(() => undefined);
	await stack?.stop();
	if (process.argv.includes('--keep') || failed) console.log(`kept ${stateDir}`);
	else await rm(stateDir, { recursive: true, force: true });
	process.exitCode = failed ? 1 : 0;
}

// ---------------------------------------------------------------- scenarios

async function httpApi({ hook, db }) {
	const enq = await hook('POST', 'jobs/enqueue', { source: 'check', jobType: 'example', payload: { n: 1 }, priority: 3 });
	check(
		enq.status === 200 && enq.body.ok === true && /^[0-9a-f-]{36}$/.test(enq.body.jobId),
		`POST /jobs/enqueue → 200 {ok, jobId}: ${JSON.stringify(enq.body)}`,
	);
	const noKey = await hook('POST', 'jobs/enqueue', { source: 'check', jobType: 'example' }, {});
	check(noKey.status === 403, `without the X-API-Key header → ${noKey.status}`);
	const bad = await hook('POST', 'jobs/enqueue', { jobType: '', payload: [1], job_type: 'x' });
	check(
		bad.status === 400 &&
			bad.body.errors.some((e) => e.startsWith('source is required')) &&
			bad.body.errors.some((e) => e.includes('"job_type"')),
		`bad body → 400 naming the fields: ${bad.body.errors.join(' | ')}`,
	);
	const grouped = await hook('POST', 'jobs/enqueue', {
		source: 'check',
		jobType: 'grouped',
		payload: { customerId: 'c-42' },
		groupKey: 'c-42',
	});
	const groupRow = (await db.query('select group_key from mcp_jobs.jobs where id = $1', [grouped.body.jobId])).rows[0];
	check(grouped.status === 200 && groupRow?.group_key === 'c-42', `groupKey → the job's group_key: ${JSON.stringify(groupRow)}`);
	const ungrouped = (await db.query('select group_key from mcp_jobs.jobs where id = $1', [enq.body.jobId])).rows[0];
	check(ungrouped.group_key === null, 'no groupKey → no group_key');
	const badGroup = await hook('POST', 'jobs/enqueue', { source: 'check', jobType: 'grouped', groupKey: '' });
	check(
		badGroup.status === 400 && badGroup.body.errors.some((e) => e.startsWith('groupKey must be')),
		`empty groupKey → 400: ${badGroup.body.errors?.join(' | ')}`,
	);
	const idem = { source: 'check', jobType: 'example', idempotencyKey: `k-${Date.now()}` };
	const first = await hook('POST', 'jobs/enqueue', idem);
	const again = await hook('POST', 'jobs/enqueue', idem);
	check(again.body.jobId === first.body.jobId && again.body.duplicate === true, 'same idempotencyKey → same jobId, duplicate: true');
	const later = await hook('POST', 'jobs/enqueue', {
		source: 'check',
		jobType: 'example',
		scheduledAt: new Date(Date.now() + 3600_000).toISOString(),
	});
	const got = await hook('GET', `jobs?id=${later.body.jobId}`);
	check(
		got.status === 200 && got.body.job.status === 'queued' && Array.isArray(got.body.events),
		'GET /jobs?id= → 200 with job, runs, events',
	);
	check((await hook('GET', 'jobs?id=00000000-0000-4000-8000-000000000000')).status === 404, 'GET unknown id → 404');
	check((await hook('GET', 'jobs?id=nope')).status === 400, 'GET malformed id → 400');
	const list = await hook('GET', 'jobs/list?source=check&limit=2');
	check(
		list.status === 200 && list.body.jobs.length === 2 && list.body.jobs.every((j) => j.source === 'check'),
		'GET /jobs/list?source=&limit= → 200, filtered and limited',
	);
	check((await hook('GET', 'jobs/list?status=weird')).status === 400, 'GET /jobs/list bad status → 400');
	const cancel = await hook('DELETE', `jobs?id=${later.body.jobId}`);
	check(cancel.status === 200 && cancel.body.status === 'cancelled', 'DELETE /jobs?id= → 200 cancelled');
	check((await hook('DELETE', `jobs?id=${later.body.jobId}`)).status === 409, 'DELETE again → 409');
}

async function dashboard({ hook }) {
	// the page in a browser is tested in test/e2e/dashboard.test.mjs; here: it is served, and its API answers
	const page = await fetch(`${baseUrlOf(hook)}/webhook/jobs/dashboard`);
	const html = await page.text();
	check(
		page.status === 200 && /^text\/html/.test(page.headers.get('content-type')) && html.includes('<title>Jobs dashboard</title>'),
		'GET /jobs/dashboard → 200, the page as HTML',
	);
	check(
		(await hook('POST', 'jobs/dashboard/api', { action: 'overview' }, {})).status === 403,
		'dashboard API without the X-API-Key header → 403',
	);
	const overview = await hook('POST', 'jobs/dashboard/api', { action: 'overview' });
	check(
		overview.status === 200 && overview.body.ok === true && Array.isArray(overview.body.queues),
		`dashboard API overview → 200 with ${overview.body.queues?.length} queue(s)`,
	);
	const bad = await hook('POST', 'jobs/dashboard/api', { action: 'job', id: 'nope' });
	check(bad.status === 400 && /id must be a job id/.test(bad.body.errors?.[0]), `dashboard API bad id → 400: ${bad.body.errors?.[0]}`);
}

async function instantWorker({ hook, db }) {
	const started = Date.now();
	const ok = await hook('POST', 'jobs/enqueue', { source: 'check', jobType: 'example', payload: { hello: 'instant' } });
	const job = await waitForJob(db, ok.body.jobId, ['completed'], 10_000);
	check(
		job.worker_id.startsWith('n8n-'),
		`example job completed by the Job Trigger in ${Date.now() - started} ms (worker ${job.worker_id})`,
	);
	const http = await hook('POST', 'jobs/enqueue', {
		source: 'check',
		jobType: 'http_request',
		payload: { url: `${baseUrlOf(hook)}/healthz` },
	});
	check((await waitForJob(db, http.body.jobId, ['completed'], 10_000)).attempts === 1, 'http_request job (GET payload.url) completed');
	const fail = await hook('POST', 'jobs/enqueue', {
		source: 'check',
		jobType: 'example',
		payload: { fail: true },
		maxRetries: 1,
		retryDelaySeconds: 1,
	});
	const dead = await waitForJob(db, fail.body.jobId, ['failed'], 30_000);
	check(
		dead.attempts === 2 && /failing on purpose/.test(dead.error),
		`payload.fail job: failed after ${dead.attempts} attempts: ${dead.error}`,
	);
	check(await deadLettered(db, fail.body.jobId), 'and moved to the dead letter queue');
}

async function unknownJobType({ api, db, wf }) {
	// users who empty Job Types get every type: the Switch fallback fails unknown ones for good
	const copy = await copyWorkflow(api, wf('instant-worker.json'), 'check: instant worker, all types', (node) => {
		if (node.name === 'Job Trigger') Object.assign(node.parameters, { jobTypes: '', queue: 'fallback-check' });
	});
	await api.activateWorkflow(copy);
	const { id } = (
		await db.query("select mcp_jobs.enqueue_job(p_source => 'check', p_job_type => 'mystery', p_queue => 'fallback-check') as id")
	).rows[0];
	const job = await waitForJob(db, id, ['failed'], 15_000);
	check(
		job.attempts === 1 && /No handler for job type "mystery"/.test(job.error) && (await deadLettered(db, id)),
		`unknown job type failed without retries: ${job.error}`,
	);
	await api.deactivateWorkflow(copy);
}

async function scheduledWorker({ api, hook, db, wf }) {
	await api.deactivateWorkflow(wf('instant-worker.json')); // leave the jobs to the 30-second worker
	const ids = {};
	for (const [key, body] of Object.entries({
		ok: { source: 'check', jobType: 'example', payload: { hello: 'scheduled' } },
		fail: { source: 'check', jobType: 'example', payload: { fail: true }, maxRetries: 1, retryDelaySeconds: 1 },
		http: { source: 'check', jobType: 'http_request', payload: { url: `${baseUrlOf(hook)}/healthz` } },
		refused: { source: 'check', jobType: 'http_request', payload: { url: 'http://127.0.0.1:1/' }, maxRetries: 0 },
	})) {
		ids[key] = (await hook('POST', 'jobs/enqueue', body)).body.jobId;
	}
	const ok = await waitForJob(db, ids.ok, ['completed'], 75_000);
	check(
		ok.worker_id.startsWith('scheduled-worker-exec-') && ok.result?.echo?.hello === 'scheduled',
		`example job completed by the scheduled worker with the handler output as result (${ok.worker_id})`,
	);
	check(
		(await waitForJob(db, ids.http, ['completed'], 5_000)).result?.body?.status === 'ok',
		'http_request job completed with the response (status and body) as result',
	);
	const refused = await waitForJob(db, ids.refused, ['failed'], 5_000);
	check(
		/ECONNREFUSED/.test(refused.error) && (await deadLettered(db, ids.refused)),
		`HTTP error → Complete or Fail → dead letter: ${refused.error}`,
	);
	const failed = await waitForJob(db, ids.fail, ['failed'], 75_000);
	check(failed.attempts === 2 && (await deadLettered(db, ids.fail)), 'payload.fail job retried on the next tick, then dead-lettered');
	await api.activateWorkflow(wf('instant-worker.json'));
}

async function errorHandler({ api, hook, db, wf }) {
	// a worker that claims with an "-exec-<execution id>" worker id and then crashes
	const cred = (await api.publicApi('GET', '/credentials?limit=100')).data.find((c) => c.type === 'supabaseJobsApi');
	const crash = {
		name: 'check: crashing worker',
		nodes: [
			{
				id: 'c1',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: '6b0e4f1c-0000-4000-8000-00000000c0de',
				parameters: { httpMethod: 'POST', path: 'check-crash', options: {} },
			},
			{
				id: 'c2',
				name: 'Claim Job',
				type: 'n8n-nodes-supabase-jobs.claimJob',
				typeVersion: 1,
				position: [220, 0],
				parameters: {
					queue: 'default',
					jobTypes: 'crash_check',
					batchSize: 10,
					leaseSeconds: 300,
					workerId: '=crash-check-exec-{{ $execution.id }}',
				},
				credentials: { supabaseJobsApi: { id: cred.id, name: cred.name } },
			},
			{
				id: 'c3',
				name: 'Handler',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [440, 0],
				parameters: { jsCode: "throw new Error('handler exploded');" },
			},
		],
		connections: {
			Webhook: { main: [[{ node: 'Claim Job', type: 'main', index: 0 }]] },
			'Claim Job': { main: [[{ node: 'Handler', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1', errorWorkflow: wf('error-handler.json') },
	};
	const crashId = await api.importWorkflow(crash);
	await api.activateWorkflow(crashId);
	const jobIds = [];
	for (let i = 0; i < 2; i++)
		jobIds.push((await hook('POST', 'jobs/enqueue', { source: 'check', jobType: 'crash_check', payload: { i } })).body.jobId);
	const bystander = (await db.query("select mcp_jobs.enqueue_job(p_source => 'check', p_job_type => 'bystander') as id")).rows[0].id;
	await db.query("select mcp_jobs.claim_next_job(p_worker_id => 'other-worker-exec-999999', p_job_types => array['bystander'])");
	await fetch(`${baseUrlOf(hook)}/webhook/check-crash`, { method: 'POST' });
	for (const id of jobIds) {
		const job = await waitUntil(
			async () => {
				const row = (await db.query('select * from mcp_jobs.jobs where id = $1', [id])).rows[0];
				return row.status === 'queued' && row.error ? row : undefined;
			},
			{ timeoutMs: 30_000, what: `job ${id} failed by the error workflow` },
		);
		check(
			/failed in node "Handler": handler exploded/.test(job.error) && job.attempts === 1,
			`crashed execution's job failed at once, retry scheduled: ${job.error}`,
		);
	}
	const other = (await db.query('select status from mcp_jobs.jobs where id = $1', [bystander])).rows[0];
	check(other.status === 'running', "another worker's running job is left alone");
	await db.query("select mcp_jobs.cancel_job($1, 'check done')", [bystander]);
	await api.deactivateWorkflow(crashId);
}

async function alerts({ api, db, wf }) {
	const received = [];
	const server = createServer((req, res) => {
		let body = '';
		req.on('data', (c) => (body += c));
		req.on('end', () => {
			received.push(JSON.parse(body));
			res.end('ok');
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	try {
		const url = `http://127.0.0.1:${server.address().port}/alerts`;
		// what the sticky note asks for (the webhook URL), plus a 10-second trigger instead of 5 minutes
		await api.deactivateWorkflow(wf('dlq-alerting.json'));
		const copy = await copyWorkflow(api, wf('dlq-alerting.json'), 'check: alerts every 10 s', (node) => {
			if (node.name === 'Alert Settings') node.parameters.assignments.assignments.find((a) => a.name === 'webhookUrl').value = url;
			if (node.type === 'n8n-nodes-base.scheduleTrigger') node.parameters.rule.interval = [{ field: 'seconds', secondsInterval: 10 }];
		});
		await api.activateWorkflow(copy);
		await waitUntil(() => received.length >= 1, { timeoutMs: 30_000, what: 'the first alert' });
		const first = received[0];
		const firstDeadLetters = first.alerts.filter((a) => a.kind === 'new_dead_letter').length;
		check(
			firstDeadLetters >= 3 && first.severity === 'critical',
			`first run alerts the ${firstDeadLetters} dead letters seeded so far: ${first.text.split('\n')[0]}`,
		);
		// seed one more dead letter: no retries, claimed and failed
		const { id } = (await db.query("select mcp_jobs.enqueue_job(p_source => 'check', p_job_type => 'dlq_seed', p_max_retries => 0) as id"))
			.rows[0];
		await db.query("select mcp_jobs.claim_next_job(p_worker_id => 'seed', p_job_types => array['dlq_seed'])");
		await db.query("select mcp_jobs.fail_job(p_job_id => $1, p_error => 'seeded failure', p_worker_id => 'seed')", [id]);
		const count = received.length;
		await waitUntil(() => received.length > count, { timeoutMs: 30_000, what: 'an alert for the seeded dead letter' });
		const fresh = received[received.length - 1].alerts.filter((a) => a.kind === 'new_dead_letter');
		check(
			fresh.length === 1 && fresh[0].jobId === id && /seeded failure/.test(fresh[0].message),
			`the seeded dead letter fires, alone: ${fresh[0]?.message}`,
		);
		// the next run starts after this alert arrived; once it has ended, anything it sent has arrived too
		const alerted = Date.now();
		await waitUntil(
			async () => (await api.getExecutions({ workflowId: copy, limit: 5 })).some((e) => e.stoppedAt && Date.parse(e.startedAt) > alerted),
			{ timeoutMs: 30_000, what: 'the next run of the alert workflow' },
		);
		check(received.length === count + 1, 'nothing new on the next run (no repeat within repeatAfterMinutes)');
		await api.deactivateWorkflow(copy);
	} finally {
		server.close();
	}
}

async function maintenance({ api, db, wf }) {
	// as imported (every minute): a job in a queue no worker serves, with an expired lease, is reaped
	const { id } = (
		await db.query("select mcp_jobs.enqueue_job(p_source => 'check', p_job_type => 'reap_me', p_queue => 'maintenance-check') as id")
	).rows[0];
	await db.query("select mcp_jobs.claim_next_job(p_worker_id => 'gone-worker', p_queue => 'maintenance-check', p_lease_seconds => 1)");
	const reaped = await waitUntil(
		async () => {
			const row = (await db.query('select status, error from mcp_jobs.jobs where id = $1', [id])).rows[0];
			return row.status === 'queued' && /lease expired/.test(row.error ?? '') ? row : undefined;
		},
		{ timeoutMs: 75_000, intervalMs: 1000, what: 'the maintenance workflow to reap the expired lease' },
	);
	check(true, `expired lease reaped by the every-minute trigger: ${reaped.error}`);
	// the hourly and daily tasks, from a copy whose triggers fire every 10 s
	await db.query(
		`update mcp_jobs.jobs set finished_at = now() - interval '40 days'
		 where status in ('completed', 'cancelled') and source = 'check' and job_type = 'example'`,
	);
	const before = Number(
		(await db.query("select count(*) from mcp_jobs.jobs where finished_at < now() - interval '30 days'")).rows[0].count,
	);
	const copy = await copyWorkflow(api, wf('maintenance.json'), 'check: maintenance every 10 s', (node) => {
		if (node.type === 'n8n-nodes-base.scheduleTrigger') node.parameters.rule.interval = [{ field: 'seconds', secondsInterval: 10 }];
	});
	await api.activateWorkflow(copy);
	const execs = await api.waitForExecutions({ workflowId: copy, status: 'success', count: 3, timeoutMs: 40_000, includeData: true });
	const outputs = {}; // each node's output in its first execution
	for (const e of execs.sort((a, b) => Number(a.id) - Number(b.id))) {
		for (const [node, runs] of Object.entries(e.data.resultData.runData)) outputs[node] ??= runs[0].data?.main?.[0]?.[0]?.json;
	}
	check(
		typeof outputs['Aggregate Metrics']?.rows_written === 'number',
		`Aggregate Metrics ran: ${JSON.stringify(outputs['Aggregate Metrics'])}`,
	);
	check(
		Number(outputs['Clean Up Old Jobs']?.jobs_deleted) === before && before > 0,
		`Clean Up Old Jobs deleted the ${before} jobs finished > 30 days ago: ${JSON.stringify(outputs['Clean Up Old Jobs'])}`,
	);
	await api.deactivateWorkflow(copy);
}

// ---------------------------------------------------------------- helpers

function webhookCaller(stack) {
	const call = (method, path, body, headers = { 'X-API-Key': stack.apiKey }) =>
		stack.api.callWebhook(path, { method, body, headers, timeoutMs: 30_000 });
	call.baseUrl = stack.n8n.baseUrl;
	return call;
}

function baseUrlOf(hook) {
	return hook.baseUrl;
}

async function waitForJob(db, id, statuses, timeoutMs) {
	return waitUntil(
		async () => {
			const row = (await db.query('select * from mcp_jobs.jobs where id = $1', [id])).rows[0];
			return statuses.includes(row?.status) ? row : undefined;
		},
		{ timeoutMs, intervalMs: 250, what: `job ${id} to be ${statuses.join('/')}`, details: () => '' },
	);
}

async function deadLettered(db, jobId) {
	return (await db.query('select 1 from mcp_jobs.dead_letter_queue where job_id = $1', [jobId])).rowCount === 1;
}
