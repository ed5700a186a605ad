// Flow control in a real n8n: the instant worker with a queue limited to one running job per group key, its HTTP
// handler calling a server of the test's that records when each call starts and ends. Shared by the regular-mode
// and the queue-mode tests.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { copyWorkflow } from '../../scripts/n8n/provision.mjs';
import { assertCompletedOnce, enqueueMany, waitUntilFinished } from './support.mjs';

const JOBS = 300;
const KEYS = 10;
const HOLD_MS = 50;

/**
 * An HTTP server on 127.0.0.1 for the handlers to call: per call (`?key=&i=`) it records the start, holds the
 * answer `holdMs`, records the end, then answers.
 */
export async function startCallRecorder({ holdMs = HOLD_MS } = {}) {
	const calls = [];
	const server = createServer((req, res) => {
		const query = new URL(req.url ?? '/', 'http://recorder').searchParams;
		const call = { key: query.get('key'), i: Number(query.get('i')), start: performance.now() };
		setTimeout(() => {
			call.end = performance.now();
			calls.push(call);
			res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
		}, holdMs);
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address();
	return {
		calls,
		url: (key, i) => `http://127.0.0.1:${port}/call?key=${encodeURIComponent(key)}&i=${i}`,
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

/** The most calls that were in progress at the same instant (over all keys). */
function peakParallelCalls(calls) {
	const edges = calls.flatMap((c) => [
		[c.start, 1],
		[c.end, -1],
	]);
	edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
	let now = 0;
	let peak = 0;
	for (const [, step] of edges) peak = Math.max(peak, (now += step));
	return peak;
}

/**
 * The instant worker (a copy with Max Concurrent Executions 20, so the trigger never holds a key back) drains
 * 300 `http_request` jobs in 10 group keys of a queue with group_max_running 1. Asserts from the recorded calls:
 * no two calls of a key overlapped, each key's jobs started in enqueue order, keys ran in parallel; and from the
 * queue: every job completed once, no two runs of a key overlapped. `trigger` adds Job Trigger parameters.
 * @returns {Promise<{ seconds: number, peak: number, reruns: number }>}
 */
export async function oneAtATimePerKey(stack, { label, trigger = {} }) {
	const queue = 'e2e-one-per-key';
	await stack.db.query('select mcp_jobs.set_queue_limits($1, p_group_max_running => 1)', [queue]);
	const recorder = await startCallRecorder();
	try {
		const workflow = await copyWorkflow(stack.api, stack.wf('instant-worker.json'), `e2e: one at a time per key (${label})`, (node) => {
			if (node.type === 'n8n-nodes-supabase-jobs.jobTrigger') Object.assign(node.parameters, { queue, maxConcurrent: 20, ...trigger });
		});
		const keyOf = (i) => `customer-${i % KEYS}`;
		const ids = await enqueueMany(stack.db, JOBS, (i) => ({
			queue,
			job_type: 'http_request',
			group_key: keyOf(i),
			payload: { url: recorder.url(keyOf(i), i) },
		}));
		await stack.api.activateWorkflow(workflow);
		let seconds;
		try {
			({ seconds } = await waitUntilFinished(stack.db, ids, { timeoutMs: 5 * 60_000, label }));
		} finally {
			await stack.api.deactivateWorkflow(workflow);
		}

		const byId = await assertCompletedOnce(stack.db, ids, label);
		const { rows: overlaps } = await stack.db.query(
			`select a.job_id as first, b.job_id as second, a_job.group_key
			 from mcp_jobs.job_runs a join mcp_jobs.jobs a_job on a_job.id = a.job_id
			 join mcp_jobs.jobs b_job on b_job.group_key = a_job.group_key and b_job.queue = a_job.queue and b_job.id <> a_job.id
			 join mcp_jobs.job_runs b on b.job_id = b_job.id
			 where a_job.queue = $1 and b.started_at >= a.started_at and b.started_at < a.finished_at`,
			[queue],
		);
		assert.deepEqual(overlaps.slice(0, 5), [], `${label}: ${overlaps.length} pair(s) of runs of one key overlapped (job_runs)`);

		const called = new Set(recorder.calls.map((c) => c.i));
		assert.equal(called.size, JOBS, `${label}: every job's handler called the recorder`);
		for (let k = 0; k < KEYS; k++) {
			const key = keyOf(k);
			const calls = recorder.calls.filter((c) => c.key === key).sort((a, b) => a.start - b.start);
			const overlapping = calls.filter((c, n) => n > 0 && c.start < calls[n - 1].end);
			assert.deepEqual(overlapping.slice(0, 3), [], `${label}: calls of ${key} overlapped`);
			// a job that ran again (its first run's end was lost) repeats right after itself
			const firstStarts = calls.map((c) => c.i).filter((i, n, all) => all.indexOf(i) === n);
			const enqueued = Array.from({ length: JOBS / KEYS }, (_, n) => k + n * KEYS);
			assert.deepEqual(firstStarts, enqueued, `${label}: the jobs of ${key} started in enqueue order`);
		}
		const peak = peakParallelCalls(recorder.calls);
		assert.ok(peak > 1, `${label}: keys ran in parallel (at most ${peak} call(s) at once)`);
		const reruns = [...byId.values()].filter((o) => o.runs.length > 1).length;
		return { seconds, peak, reruns };
	} finally {
		await recorder.close();
	}
}
