// In a real n8n (regular mode): the package loads, every template imports and activates, the Enqueue API
// accepts and rejects, and the instant and the scheduled worker templates each process 1,000 jobs, failing
// ones retried and then dead-lettered; the instant worker keeps one job at a time per group key (flow control);
// and both workers drain 2,000 jobs while the queue's PostgreSQL is restarted twice. The queue lives on a
// PostgreSQL server of its own, so restarting it leaves n8n's own database alone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { copyWorkflow } from '../../scripts/n8n/provision.mjs';
import { jobsCredentialData, TEMPLATES } from '../../scripts/n8n/local-stack.mjs';
import { waitUntil } from '../../scripts/lib/wait.mjs';
import { oneAtATimePerKey } from './flow-control-support.mjs';
import {
	assertCompletedOnce,
	enqueueMany,
	guarded,
	holdJobsLock,
	openStack,
	outcomes,
	overlappingRuns,
	rerunsBeforeLease,
	waitForNoRunningExecutions,
	waitUntilFinished,
} from './support.mjs';

const JOBS = 1000;
const FAILING = 40; // every 25th job throws in the example handler
const failing = (i) => i % (JOBS / FAILING) === 0;
const jobSpec = (i) => ({ payload: failing(i) ? { fail: true, i } : { i }, max_retries: 1, retry_delay_seconds: 1 });

let stack;
before(async () => {
	stack = await openStack({ activate: TEMPLATES, ownQueueServer: true });
});
after(async () => {
	await stack?.close();
});
const guard = guarded(() => stack);

test(
	"n8n lists the package's five node types and its credential type",
	guard(async () => {
		const nodes = (await stack.api.listNodeTypes()).map((n) => n.name);
		for (const name of ['enqueueJob', 'claimJob', 'completeFailJob', 'jobQueue', 'jobTrigger']) {
			assert.ok(nodes.includes(`n8n-nodes-supabase-jobs.${name}`), `node type ${name} listed`);
		}
		const credentials = (await stack.api.listCredentialTypes()).map((c) => c.name);
		assert.ok(credentials.includes('supabaseJobsApi'), 'credential type supabaseJobsApi listed');
	}),
);

test(
	'every template imported and activated without error',
	guard(async () => {
		for (const file of TEMPLATES) {
			assert.equal(stack.workflows[file]?.active, true, `${file} active`);
			assert.equal((await stack.api.getWorkflow(stack.wf(file))).active, true, `${file} active in n8n`);
		}
	}),
);

test(
	'the Enqueue API accepts a job, and rejects bad input and a missing or wrong key',
	guard(async () => {
		const key = { 'X-API-Key': stack.apiKey };
		const ok = await stack.api.callWebhook('jobs/enqueue', {
			body: { source: 'e2e', jobType: 'api_only', payload: { a: 1 } },
			headers: key,
		});
		assert.equal(ok.status, 200);
		assert.equal(ok.body.ok, true);
		const { rows } = await stack.db.query('select source, job_type, payload from mcp_jobs.jobs where id = $1', [ok.body.jobId]);
		assert.deepEqual(rows, [{ source: 'e2e', job_type: 'api_only', payload: { a: 1 } }]);

		const bad = await stack.api.callWebhook('jobs/enqueue', { body: { source: 'e2e', payload: 'text' }, headers: key });
		assert.equal(bad.status, 400);
		assert.match(JSON.stringify(bad.body), /jobType/);
		assert.match(JSON.stringify(bad.body), /payload/);
		const noKey = await stack.api.callWebhook('jobs/enqueue', { body: { source: 'e2e', jobType: 'x' } });
		assert.equal(noKey.status, 403);
		const wrongKey = await stack.api.callWebhook('jobs/enqueue', {
			body: { source: 'e2e', jobType: 'x' },
			headers: { 'X-API-Key': 'wrong' },
		});
		assert.equal(wrongKey.status, 403);
	}),
);

/**
 * Asserts what a worker left: passing jobs completed by one run; failing ones ran 1 + max_retries times, then
 * dead-lettered; every run by a worker whose id starts with `workerPrefix`; no job ran twice at once.
 */
async function assertProcessed(ids, label, workerPrefix) {
	const byId = await outcomes(stack.db, ids);
	const problems = [];
	ids.forEach((id, i) => {
		const o = byId.get(id);
		const expected = failing(i)
			? { status: 'failed', runs: ['failed', 'failed'], dead_letters: 1 }
			: { status: 'completed', runs: ['completed'], dead_letters: 0 };
		const actual = { status: o.status, runs: o.runs, dead_letters: o.dead_letters };
		if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push({ i, id, actual, expected });
	});
	assert.deepEqual(problems.slice(0, 5), [], `${label}: ${problems.length} job(s) not as expected`);
	const others = [...byId.values()].flatMap((o) => o.workers).filter((w) => !w.startsWith(workerPrefix));
	assert.deepEqual(others.slice(0, 5), [], `${label}: ${others.length} run(s) by another worker`);
	assert.deepEqual(await overlappingRuns(stack.db, ids), [], `${label}: no job ran twice at once`);
}

test(
	`the instant worker (Job Trigger) processes ${JOBS} jobs; ${FAILING} failing ones are retried once, then dead-lettered`,
	guard(async () => {
		await stack.api.deactivateWorkflow(stack.wf('scheduled-worker.json'));
		const ids = await enqueueMany(stack.db, JOBS, jobSpec);
		try {
			const { seconds } = await waitUntilFinished(stack.db, ids, { timeoutMs: 8 * 60_000, label: 'instant worker' });
			console.log(
				`  instant worker: ${JOBS} jobs (+${FAILING} retries) in ${seconds.toFixed(1)} s (${(JOBS / seconds).toFixed(1)} jobs/s)`,
			);
		} finally {
			await stack.api.deactivateWorkflow(stack.wf('instant-worker.json'));
		}
		await assertProcessed(ids, 'instant worker', 'n8n-'); // the Job Trigger's default worker id
	}),
);

test(
	`the scheduled worker processes ${JOBS} jobs the same way (batch 250 every 10 s, as its sticky note allows)`,
	guard(async () => {
		// As imported it claims 10 jobs every 30 s (50 minutes for 1,000): the test raises the batch and the rate.
		const copy = await scheduledWorkerCopy('e2e: scheduled worker, batch 250 / 10 s', { seconds: 10, batchSize: 250 });
		await stack.api.activateWorkflow(copy);
		const ids = await enqueueMany(stack.db, JOBS, jobSpec);
		try {
			const { seconds } = await waitUntilFinished(stack.db, ids, { timeoutMs: 8 * 60_000, label: 'scheduled worker' });
			console.log(`  scheduled worker: ${JOBS} jobs (+${FAILING} retries) in ${seconds.toFixed(1)} s`);
		} finally {
			await stack.api.deactivateWorkflow(copy);
		}
		await assertProcessed(ids, 'scheduled worker', 'scheduled-worker-exec-');
	}),
);

test(
	'flow control: the instant worker runs one job at a time per group key (group_max_running 1), keys in parallel',
	guard(async () => {
		const { seconds, peak } = await oneAtATimePerKey(stack, { label: 'regular mode' });
		console.log(`  one at a time per key: 300 jobs in 10 keys in ${seconds.toFixed(1)} s, up to ${peak} keys at once`);
	}),
);

const RESTART_JOBS = 2000;
const RESTART_LEASE_SECONDS = 20;
const SCHEDULED_APP = 'e2e-scheduled-worker';

test(
	`the instant and the scheduled worker drain ${RESTART_JOBS} jobs while the queue's PostgreSQL restarts twice (fast shutdown, start)`,
	guard(async () => {
		// a queue of their own; leases shorter than the templates' (60 s, 300 s) keep the jobs a restart strands short
		const queue = 'e2e-restarts';
		const instant = await copyWorkflow(stack.api, stack.wf('instant-worker.json'), 'e2e: instant worker, restarts', (node) => {
			// one job per execution: at the template's 100 the trigger drains the queue before the scheduled worker's
			// next tick, and the restarts are to hit both workers holding jobs
			if (node.type === 'n8n-nodes-supabase-jobs.jobTrigger')
				Object.assign(node.parameters, { queue, leaseSeconds: RESTART_LEASE_SECONDS, options: { jobsPerExecution: 1 } });
		});
		// the scheduled worker connects with a credential of its own, named in pg_stat_activity, so that each restart can
		// wait until one of its statements is in flight (the trigger's and its own otherwise look alike)
		const scheduledUrl = new URL(stack.queueUrl);
		scheduledUrl.searchParams.set('application_name', SCHEDULED_APP);
		const credential = await stack.api.createCredential({
			name: 'e2e scheduled worker (restarts)',
			type: 'supabaseJobsApi',
			data: jobsCredentialData(scheduledUrl.href),
		});
		const scheduled = await scheduledWorkerCopy(
			'e2e: scheduled worker, restarts',
			{ seconds: 5, batchSize: 100, leaseSeconds: RESTART_LEASE_SECONDS, queue },
			{ supabaseJobsApi: { id: credential.id, name: credential.name } },
		);
		const workflows = [instant, scheduled];
		const ids = await enqueueMany(stack.db, RESTART_JOBS, (i) => ({ queue, payload: { i }, retry_delay_seconds: 1 }));
		const counts = async () =>
			(
				await stack.db.query(
					`select count(*) filter (where status = 'completed')::int as completed,
					        count(*) filter (where status = 'running' and worker_id like 'n8n-%')::int as trigger_running,
					        count(*) filter (where status = 'running' and worker_id like 'scheduled-worker-exec-%')::int as scheduled_running
					 from mcp_jobs.jobs where queue = $1`,
					[queue],
				)
			).rows[0];
		const restarts = [];
		const t0 = Date.now();
		for (const workflow of workflows) await stack.api.activateWorkflow(workflow);
		try {
			for (const share of [1 / 3, 2 / 3]) {
				// mid-drain, while both workers hold claimed jobs (and then, statements in flight)
				await waitUntil(
					async () => {
						const now = await counts();
						return now.completed >= RESTART_JOBS * share && now.trigger_running > 0 && now.scheduled_running > 0;
					},
					{ timeoutMs: 5 * 60_000, intervalMs: 100, what: `${Math.round(share * 100)} % of the jobs completed, both workers holding jobs` },
				);
				restarts.push(await restartQueueServer());
			}
			await waitUntilFinished(stack.db, ids, { timeoutMs: 8 * 60_000, label: 'restarts' });
		} finally {
			for (const workflow of workflows) await stack.api.deactivateWorkflow(workflow);
		}
		const byId = await assertCompletedOnce(stack.db, ids, 'restarts');
		const stranded = [...byId.values()].filter((o) => o.runs.length > 1).length;
		const failedExecutions = (await stack.api.getExecutions({ workflowId: scheduled, status: 'error', limit: 1000 })).length;
		console.log(
			`  restarts: ${RESTART_JOBS} jobs in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
				restarts.map((r, n) => `restart ${n + 1}: ${r.restartMs} ms, LISTEN back after ${r.listenMs} ms`).join('; ') +
				`; ${stranded} job(s) ran again after their lease expired; ${failedExecutions} scheduled-worker execution(s) failed`,
		);
		assert.ok(failedExecutions >= restarts.length, 'each restart broke a scheduled-worker execution mid-statement');
		for (const { listenMs } of restarts) assert.ok(listenMs < 10_000, `the trigger was back on LISTEN within seconds (${listenMs} ms)`);
		assert.deepEqual(await rerunsBeforeLease(stack.db, ids, RESTART_LEASE_SECONDS), [], 'no job ran again before its lease expired');
		await waitForNoRunningExecutions(stack.api, workflows);
	}),
);

/**
 * Restarts the queue's PostgreSQL while the workers' statements are in flight (a lock held for the moment makes
 * them wait), and waits until the Job Trigger is back on LISTEN: its log says so, and its new LISTEN session is in
 * pg_stat_activity. Returns how long the restart took and when LISTEN was back after it (ms).
 */
async function restartQueueServer() {
	// the Job Trigger's claim-or-finish lane or heartbeat, and the scheduled worker's claim or finish
	const lock = await holdJobsLock(stack.queueUrl, { waiting: { 'n8n-nodes-supabase-jobs': 1, [SCHEDULED_APP]: 1 } });
	const mark = stack.n8n.logMark();
	const t0 = Date.now();
	await stack.queueServer.restart();
	const up = Date.now();
	await lock.release(); // its session ended with the restart
	await stack.n8n.waitForLog(/Job Trigger: LISTEN connection restored/, { since: mark, source: 'main', timeoutMs: 60_000 });
	await waitUntil(
		async () =>
			(
				await stack.db.query(
					// every session before the restart ended with it: this one is new
					`select 1 from pg_stat_activity where application_name = 'n8n-nodes-supabase-jobs-trigger' and query ilike 'listen%'`,
				)
			).rowCount,
		{ timeoutMs: 10_000, intervalMs: 100, what: "the trigger's new LISTEN session" },
	);
	return { restartMs: up - t0, listenMs: Date.now() - up };
}

/**
 * A copy of the scheduled worker that runs every `seconds`, its Claim Job with `claim` (batchSize, leaseSeconds,
 * queue), and its nodes of this package with `credentials` when given.
 */
function scheduledWorkerCopy(name, { seconds, ...claim }, credentials) {
	return copyWorkflow(stack.api, stack.wf('scheduled-worker.json'), name, (node) => {
		if (node.type === 'n8n-nodes-base.scheduleTrigger') node.parameters.rule.interval = [{ field: 'seconds', secondsInterval: seconds }];
		if (node.type === 'n8n-nodes-supabase-jobs.claimJob') Object.assign(node.parameters, claim);
		if (credentials && node.type.startsWith('n8n-nodes-supabase-jobs.')) node.credentials = credentials;
	});
}
