// In a real n8n (regular mode): the job lifecycle end to end. Fan-out / fan-in with 1,000 children (template
// fan-out-fan-in.json), the results the Job Trigger stores, a job whose HTTP Request gets 429 snoozed instead of
// failed (a local server answering 429 twice, then 200), and the recurring template enqueuing exactly one job per
// slot from two active copies.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { copyWorkflow } from '../../scripts/n8n/provision.mjs';
import { waitUntil } from '../../scripts/lib/wait.mjs';
import { guarded, openStack, waitUntilFinished } from './support.mjs';

const CHILDREN = 1000;

let stack;
const recurringCopies = [];
before(async () => {
	stack = await openStack({ activate: ['instant-worker.json', 'enqueue-http-api.json', 'fan-out-fan-in.json'] });
	// two copies of the recurring template fire every minute while the other tests run; the last test checks them
	for (const name of ['e2e: recurring job (copy A)', 'e2e: recurring job (copy B)']) {
		const id = await copyWorkflow(stack.api, stack.wf('recurring-job.json'), name, () => undefined);
		await stack.api.activateWorkflow(id);
		recurringCopies.push(id);
	}
});
after(async () => {
	for (const id of recurringCopies) await stack?.api.deactivateWorkflow(id).catch(() => undefined);
	await stack?.close();
});
const guard = guarded(() => stack);
const key = () => ({ 'X-API-Key': stack.apiKey });

test(
	`fan-out / fan-in: ${CHILDREN} children run, then the aggregate runs once and reads all their results`,
	guard(async () => {
		const elements = Array.from({ length: CHILDREN }, (_, i) => i + 1);
		const res = await stack.api.callWebhook('jobs/fan-out', { body: { items: elements }, headers: key() });
		assert.equal(res.status, 200, res.text);
		const { aggregateJobId, childJobIds } = res.body;
		assert.equal(childJobIds.length, CHILDREN);
		const [{ status: firstStatus }] = (await stack.db.query('select status from mcp_jobs.jobs where id = $1', [aggregateJobId])).rows;
		assert.equal(firstStatus, 'waiting', 'the aggregate waits for its children');

		const { seconds } = await waitUntilFinished(stack.db, [...childJobIds, aggregateJobId], {
			timeoutMs: 10 * 60_000,
			label: 'fan-out / fan-in',
		});
		console.log(`  fan-out / fan-in: ${CHILDREN} children and the aggregate in ${seconds.toFixed(1)} s`);

		const children = (
			await stack.db.query(
				`select id, status, result, finished_at, (payload ->> 'index')::int as index
				 from mcp_jobs.jobs where id = any($1::uuid[]) order by (payload ->> 'index')::int`,
				[childJobIds],
			)
		).rows;
		assert.deepEqual(
			children.map((c) => [c.status, c.result]),
			elements.map((e, index) => ['completed', { index, value: e * 2 }]),
		);
		const aggregate = (await stack.db.query('select * from mcp_jobs.jobs where id = $1', [aggregateJobId])).rows[0];
		const sum = elements.reduce((total, e) => total + e * 2, 0);
		assert.equal(aggregate.status, 'completed');
		assert.deepEqual(aggregate.result, { children: CHILDREN, completed: CHILDREN, sum });
		assert.equal(aggregate.attempts, 1, 'the aggregate ran once');
		const lastChild = Math.max(...children.map((c) => c.finished_at.getTime()));
		assert.ok(aggregate.started_at.getTime() >= lastChild, 'the aggregate started after the last child finished');
	}),
);

test(
	"results: GET /webhook/jobs?id= shows what the instant worker's handler produced",
	guard(async () => {
		const enqueued = await stack.api.callWebhook('jobs/enqueue', {
			body: { source: 'e2e', jobType: 'example', payload: { hello: 'world' } },
			headers: key(),
		});
		assert.equal(enqueued.status, 200, enqueued.text);
		await waitUntilFinished(stack.db, [enqueued.body.jobId], { timeoutMs: 60_000, label: 'example job' });
		const got = await stack.api.callWebhook(`jobs?id=${enqueued.body.jobId}`, { method: 'GET', headers: key() });
		assert.equal(got.status, 200, got.text);
		assert.equal(got.body.job.status, 'completed');
		assert.deepEqual(got.body.job.result, { handled: true, jobType: 'example', echo: { hello: 'world' } });
	}),
);

/** A local API that answers 429 (with `headers`) to the first `limited` requests, then 200; records request times. */
async function rateLimitedApi(limited, headers) {
	const requests = [];
	const server = createServer((_req, res) => {
		requests.push(Date.now());
		const ok = requests.length > limited;
		res.writeHead(ok ? 200 : 429, { 'content-type': 'application/json', ...(ok ? {} : headers) });
		res.end(JSON.stringify(ok ? { answer: 42 } : { error: 'slow down' }));
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { url: `http://127.0.0.1:${server.address().port}/api`, requests, close: () => new Promise((r) => server.close(r)) };
}

/** The credential reference the templates' nodes were bound to. */
async function jobsCredential() {
	const worker = await stack.api.getWorkflow(stack.wf('instant-worker.json'));
	return worker.nodes.find((n) => n.credentials?.supabaseJobsApi).credentials;
}

test(
	'snooze: a job whose HTTP Request node gets 429 is snoozed (no attempt counted) until the API answers, then completed',
	guard(async () => {
		const api = await rateLimitedApi(2, { 'retry-after': '1' });
		const credentials = await jobsCredential();
		const workflow = {
			name: 'e2e: Job Trigger -> HTTP Request (Honour Retry-After)',
			nodes: [
				{
					id: 'b0f6c3a2-1d2e-4f50-9a61-7b8c9d0e1f21',
					name: 'Job Trigger',
					type: 'n8n-nodes-supabase-jobs.jobTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: { queue: 'snooze-e2e', options: { retryAfterFallbackSeconds: 1 } },
					credentials,
				},
				{
					id: 'b0f6c3a2-1d2e-4f50-9a61-7b8c9d0e1f22',
					name: 'Call API',
					type: 'n8n-nodes-base.httpRequest',
					typeVersion: 4.2,
					position: [220, 0],
					parameters: { url: '={{ $json.payload.url }}', options: {} },
				},
			],
			connections: { 'Job Trigger': { main: [[{ node: 'Call API', type: 'main', index: 0 }]] } },
		};
		const id = await stack.api.importWorkflow(workflow);
		await stack.api.activateWorkflow(id);
		try {
			const { rows } = await stack.db.query(`select mcp_jobs.enqueue_job('e2e', 'call_api', $1, p_queue => 'snooze-e2e') as id`, [
				{ url: api.url },
			]);
			const jobId = rows[0].id;
			await waitUntil(
				async () => (await stack.db.query('select status from mcp_jobs.jobs where id = $1', [jobId])).rows[0].status === 'completed',
				{ timeoutMs: 60_000, what: 'the rate-limited job completed' },
			);
			const job = (await stack.db.query('select * from mcp_jobs.jobs where id = $1', [jobId])).rows[0];
			assert.equal(job.attempts, 1, 'the two 429s counted no attempt');
			assert.equal(job.snoozes, 2);
			assert.deepEqual(job.result, { answer: 42 });
			const runs = (await stack.db.query(`select mcp_jobs.get_job($1) -> 'runs' as runs`, [jobId])).rows[0].runs;
			assert.deepEqual(
				runs.map((r) => r.status),
				['snoozed', 'snoozed', 'completed'],
			);
			assert.match(runs[0].error, /^HTTP 429/);
			assert.equal(api.requests.length, 3);
			for (let i = 1; i < 3; i++) assert.ok(api.requests[i] - api.requests[i - 1] >= 900, 'each retry waited for the snooze');
		} finally {
			await stack.api.deactivateWorkflow(id);
			await api.close();
		}
	}),
);

test(
	"snooze: the instant worker's HTTP handler snoozes a 429 for the seconds its Retry-After header names",
	guard(async () => {
		const api = await rateLimitedApi(2, { 'retry-after': '2' });
		try {
			const enqueued = await stack.api.callWebhook('jobs/enqueue', {
				body: { source: 'e2e', jobType: 'http_request', payload: { url: api.url } },
				headers: key(),
			});
			assert.equal(enqueued.status, 200, enqueued.text);
			const jobId = enqueued.body.jobId;
			await waitUntil(
				async () => (await stack.db.query('select status from mcp_jobs.jobs where id = $1', [jobId])).rows[0].status === 'completed',
				{ timeoutMs: 60_000, what: 'the http_request job completed' },
			);
			const job = (await stack.db.query('select * from mcp_jobs.jobs where id = $1', [jobId])).rows[0];
			assert.equal(job.attempts, 1, 'the two 429s counted no attempt');
			assert.deepEqual(job.result, { status: 200, body: { answer: 42 } });
			const runs = (await stack.db.query(`select mcp_jobs.get_job($1) -> 'runs' as runs`, [jobId])).rows[0].runs;
			assert.deepEqual(
				runs.map((r) => r.status),
				['snoozed', 'snoozed', 'completed'],
			);
			assert.match(runs[0].error, /Retry-After: 2/);
			assert.equal(api.requests.length, 3);
			for (let i = 1; i < 3; i++) assert.ok(api.requests[i] - api.requests[i - 1] >= 1900, 'each retry waited for Retry-After (2 s)');
		} finally {
			await api.close();
		}
	}),
);

test(
	'recurring: two active copies of the template enqueue exactly one job per minute slot',
	guard(async () => {
		// both copies ran in at least two slots (the tests above take minutes; wait for the rest)
		const slotsOf = async () => {
			const runs = [];
			for (const id of recurringCopies) {
				runs.push(await stack.api.waitForExecutions({ workflowId: id, status: 'success', timeoutMs: 150_000 }));
			}
			return runs.map((list) => new Set(list.map((e) => new Date(e.startedAt).toISOString().slice(0, 16))));
		};
		const [a, b] = await waitUntil(
			async () => {
				const sets = await slotsOf();
				const both = [...sets[0]].filter((slot) => sets[1].has(slot));
				return both.length >= 2 && sets;
			},
			{ timeoutMs: 180_000, intervalMs: 5000, what: 'both recurring copies ran in two minute slots' },
		);
		const { rows } = await stack.db.query(
			`select idempotency_key, count(*)::int as jobs from mcp_jobs.jobs where job_type = 'scheduled_report' group by 1`,
		);
		const bySlot = new Map(rows.map((r) => [r.idempotency_key, r.jobs]));
		for (const slot of [...a].filter((s) => b.has(s))) {
			const jobs = [...bySlot].filter(([key]) => new Date(key.slice('scheduled-report:'.length)).toISOString().startsWith(slot));
			assert.deepEqual(
				jobs.map(([, n]) => n),
				[1],
				`slot ${slot}: one job for two executions`,
			);
		}
	}),
);
