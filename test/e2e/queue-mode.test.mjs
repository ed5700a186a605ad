// n8n queue mode (Redis, a main instance and 2 workers): 5,000 jobs through the scheduled worker, each
// completed exactly once, while one worker is killed with SIGKILL holding claimed jobs: they run again once
// their lease expires, none lost. Then the Job Trigger in queue mode: the trigger claims in main, the
// executions run on the workers, and the end of each execution still reaches the trigger; and with a queue limited
// to one running job per group key, the keys' jobs run one at a time and in order across both workers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { copyWorkflow } from '../../scripts/n8n/provision.mjs';
import { waitUntil } from '../../scripts/lib/wait.mjs';
import { oneAtATimePerKey } from './flow-control-support.mjs';
import { assertCompletedOnce, enqueueMany, guarded, openStack, rerunsBeforeLease, waitUntilFinished } from './support.mjs';

const JOBS = 5000;
const LEASE_SECONDS = 20;

let stack;
/** The worker the first test kills (whichever ran the execution it caught); the second test starts it again. */
let killedWorker = 0;
before(async () => {
	stack = await openStack({ mode: 'queue', workers: 2, activate: [] });
});
after(async () => {
	await stack?.close();
});
const guard = guarded(() => stack);

/** How many executions each worker has started so far (from its log). */
const startedOnWorkers = () => {
	const lines = stack.n8n.logs().split('\n');
	return [0, 1].map((w) => lines.filter((l) => l.startsWith(`[worker-${w}]`) && l.includes('Worker started execution')).length);
};

const runningJobsOf = async (workerId) =>
	(await stack.db.query(`select id from mcp_jobs.jobs where status = 'running' and worker_id = $1`, [workerId])).rows.map((r) => r.id);

test(
	`${JOBS} jobs, each completed exactly once; a worker killed mid-run loses nothing`,
	guard(async () => {
		const workflow = await copyWorkflow(stack.api, stack.wf('scheduled-worker.json'), 'e2e: queue-mode worker', (node) => {
			if (node.type === 'n8n-nodes-base.scheduleTrigger') node.parameters.rule.interval = [{ field: 'seconds', secondsInterval: 5 }];
			if (node.type === 'n8n-nodes-supabase-jobs.claimJob') Object.assign(node.parameters, { batchSize: 250, leaseSeconds: LEASE_SECONDS });
		});
		const ids = await enqueueMany(stack.db, JOBS, (i) => ({ payload: { i }, retry_delay_seconds: 1 }));
		let since = stack.n8n.logMark();
		await stack.api.activateWorkflow(workflow);

		// kill a worker while one of its executions holds claimed jobs (Bull may hand every execution to one worker)
		let workerId;
		await waitUntil(
			async () => {
				const started = /Worker started execution (\d+)/;
				const lines = await Promise.all(
					stack.n8n.pids.workers.map((_, w) => stack.n8n.waitForLog(started, { source: w, since, timeoutMs: 1 }).catch(() => undefined)),
				);
				const w = lines.findIndex((line) => line !== undefined);
				if (w < 0) return false;
				since = stack.n8n.logMark(); // a later try looks at a later execution
				killedWorker = w;
				workerId = `scheduled-worker-exec-${lines[w].match(started)[1]}`;
				// its Claim Job runs a moment after the execution starts; a short execution may already be done
				const holding = async () => (await runningJobsOf(workerId)).length > 0;
				return await waitUntil(holding, { timeoutMs: 3000, intervalMs: 20, what: 'claimed jobs' }).catch(() => false);
			},
			{ timeoutMs: 120_000, intervalMs: 50, what: 'an execution on a worker holding claimed jobs' },
		);
		await stack.n8n.kill(killedWorker);
		const held = await runningJobsOf(workerId);
		console.log(`  killed worker ${killedWorker} (SIGKILL) while ${workerId} held ${held.length} claimed job(s)`);
		assert.ok(held.length > 0, 'the killed worker held claimed jobs');

		try {
			const { seconds } = await waitUntilFinished(stack.db, ids, { timeoutMs: 10 * 60_000, label: 'queue mode' });
			console.log(`  queue mode: ${JOBS} jobs in ${seconds.toFixed(1)} s (${(JOBS / seconds).toFixed(1)} jobs/s) with one worker killed`);
		} finally {
			await stack.api.deactivateWorkflow(workflow);
		}

		const byId = await assertCompletedOnce(stack.db, ids, 'queue mode');
		for (const id of held) {
			assert.deepEqual(byId.get(id).runs, ['lease_expired', 'completed'], `job ${id} of the killed worker ran again after its lease`);
		}
		assert.deepEqual(
			await rerunsBeforeLease(stack.db, held, LEASE_SECONDS),
			[],
			'no job of the killed worker was re-run before its lease expired',
		);
	}),
);

test(
	'the Job Trigger in queue mode: claims in main, runs on the workers, completes each job once',
	guard(async () => {
		await stack.n8n.restartWorker(killedWorker);
		const before = startedOnWorkers();
		// n8n 2.40 in queue mode can lose the end of a very short execution (its Bull job is removed on completion
		// before main starts waiting for it): Execution Timeout gives such a job up, and it runs again after its
		// lease. Short values here keep the test short; the template ships 60 s lease and 3600 s timeout.
		let jobsPerExecution = 1;
		const workflow = await copyWorkflow(stack.api, stack.wf('instant-worker.json'), 'e2e: queue-mode instant worker', (node) => {
			if (node.type === 'n8n-nodes-supabase-jobs.jobTrigger') {
				jobsPerExecution = node.parameters.options?.jobsPerExecution ?? 1; // as shipped: 100
				Object.assign(node.parameters, { leaseSeconds: 15, options: { ...node.parameters.options, executionTimeoutSeconds: 20 } });
			}
		});
		const ids = await enqueueMany(stack.db, 300, (i) => ({ payload: { i }, retry_delay_seconds: 1 }));
		await stack.api.activateWorkflow(workflow);
		try {
			const { seconds } = await waitUntilFinished(stack.db, ids, { timeoutMs: 5 * 60_000, label: 'queue mode, Job Trigger' });
			console.log(`  queue mode, Job Trigger: 300 jobs in ${seconds.toFixed(1)} s`);
		} finally {
			await stack.api.deactivateWorkflow(workflow);
		}

		// a re-run follows an expired lease only
		const byId = await assertCompletedOnce(stack.db, ids, 'queue mode, Job Trigger');
		const rerun = [...byId.values()].filter((o) => o.runs.length > 1);
		console.log(`  queue mode, Job Trigger: ${rerun.length} job(s) whose execution end n8n lost ran again after their lease`);
		assert.ok(
			[...byId.values()].every((o) => o.workers[0].startsWith('n8n-')),
			'claimed by the Job Trigger',
		);
		const onWorkers = startedOnWorkers().reduce((a, b) => a + b) - before.reduce((a, b) => a + b);
		const executions = Math.ceil(300 / jobsPerExecution);
		assert.ok(onWorkers >= executions, `the executions ran on the workers (${onWorkers} started there, at least ${executions} needed)`);
	}),
);

test(
	'flow control in queue mode: one job at a time per group key across both workers, keys in parallel',
	guard(async () => {
		const before = startedOnWorkers();
		// as above: a short Execution Timeout and lease for the executions whose end n8n 2.40 loses
		const { seconds, peak, reruns } = await oneAtATimePerKey(stack, {
			label: 'queue mode',
			trigger: { leaseSeconds: 15, options: { executionTimeoutSeconds: 20 } },
		});
		const started = startedOnWorkers().map((n, w) => n - before[w]);
		assert.ok(
			started.every((n) => n > 0),
			`the executions ran on both workers (${started.join(' + ')})`,
		);
		console.log(
			`  queue mode, one at a time per key: 300 jobs in 10 keys in ${seconds.toFixed(1)} s, up to ${peak} keys at once, ` +
				`${reruns} job(s) ran again after a lost execution end`,
		);
	}),
);
