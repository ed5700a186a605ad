// Job Trigger, "Claim and Run" mode, against the real database with n8n-core's real TriggerContext:
// wake-up latency (LISTEN and poll), the concurrency cap, finishing jobs, heartbeats, scheduled jobs, deactivation.
import { NodeOperationError, createRunExecutionData, type INodeParameters, type IRun } from 'n8n-workflow';
import { JobTrigger } from '../../nodes/JobTrigger/JobTrigger.node';
import type { TestDatabase } from '../support/database';
import { fakeRun, startTrigger, type StartedTrigger } from '../support/n8n/run-workflow';
import {
	enqueue, enqueueN, historyOf, jobsOf, postgresCredentials, runsOf, since, sleep, useTriggerDatabase, waitFor, watchBatchCalls,
} from './helpers';

const env = useTriggerDatabase();
const started = env.started;
let db: TestDatabase;
beforeAll(() => (db = env.db));

async function start(parameters: INodeParameters): Promise<StartedTrigger> {
	const trigger = await startTrigger(new JobTrigger(), { parameters, credentials: postgresCredentials(db.url) });
	started.push(trigger);
	return trigger;
}

const jobIdOf = (t: StartedTrigger, i: number) => t.emitted[i].data[0][0].json.id as string;
const statusCounts = async (queue: string) =>
	Object.fromEntries(
		(
			await db.pool.query(`select status, count(*)::int as n from mcp_jobs.jobs where queue = $1 group by status`, [queue])
		).rows.map((r) => [r.status, r.n]),
	);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('wake-up latency', () => {
	test('LISTEN: a new job starts its execution within milliseconds (poll interval 60 s)', async () => {
		const trigger = await start({ queue: 'lat-listen', options: { pollIntervalSeconds: 60 } });
		// LISTEN is in place once its backend shows up
		await waitFor(
			async () => (await db.pool.query(`select 1 from pg_stat_activity where datname = current_database() and query ilike 'listen%'`)).rowCount,
			'the LISTEN connection',
		);
		const latencies: number[] = [];
		for (let i = 0; i < 5; i++) {
			const t0 = performance.now();
			await enqueue(db.pool, 'lat-listen', [{ payload: { i } }]);
			await trigger.waitForEmits(i + 1, 2000);
			latencies.push(since(t0));
			trigger.emitted[i].donePromise?.resolve(fakeRun('success'));
		}
		console.log(`Job Trigger latency, LISTEN, enqueue -> emit (ms): ${latencies.join(', ')} (median ${median(latencies)})`);
		expect(Math.max(...latencies)).toBeLessThan(2000);
		expect(trigger.emitted).toHaveLength(5);
	});

	test('poll only (no LISTEN): a new job is seen at the next poll (interval 1 s)', async () => {
		const trigger = await start({ queue: 'lat-poll', options: { listen: false, pollIntervalSeconds: 1 } });
		const latencies: number[] = [];
		for (let i = 0; i < 3; i++) {
			const t0 = performance.now();
			await enqueue(db.pool, 'lat-poll', [{ payload: { i } }]);
			await trigger.waitForEmits(i + 1, 2500);
			latencies.push(since(t0));
			trigger.emitted[i].donePromise?.resolve(fakeRun('success'));
			await sleep(150 * i); // land at different points of the poll cycle
		}
		console.log(`Job Trigger latency, poll only (1 s), enqueue -> emit (ms): ${latencies.join(', ')} (median ${median(latencies)})`);
		expect(Math.max(...latencies)).toBeLessThan(2500);
		const listeners = await db.pool.query(
			`select 1 from pg_stat_activity where datname = current_database() and application_name = 'n8n-nodes-supabase-jobs-trigger'`,
		);
		expect(listeners.rowCount).toBe(0);
	});
});

test('runs at most Max Concurrent Executions at once; an ended execution lets the next job in', async () => {
	const ids = await enqueueN(db.pool, 'cap', 20);
	const trigger = await start({ queue: 'cap', maxConcurrent: 3, options: { pollIntervalSeconds: 1 } });
	await trigger.waitForEmits(3);
	await sleep(1300); // a poll tick and wake-ups happen meanwhile: still 3
	expect(trigger.emitted).toHaveLength(3);
	expect(await statusCounts('cap')).toEqual({ running: 3, queued: 17 });

	trigger.emitted[0].donePromise!.resolve(fakeRun('success'));
	await trigger.waitForEmits(4);
	await sleep(100);
	expect(trigger.emitted).toHaveLength(4);
	expect(await statusCounts('cap')).toEqual({ completed: 1, running: 3, queued: 16 });

	let resolved = 1;
	while (resolved < 20) {
		await trigger.waitForEmits(Math.min(20, resolved + 3));
		expect(trigger.emitted.length - resolved).toBeLessThanOrEqual(3);
		trigger.emitted[resolved].donePromise!.resolve(fakeRun('success'));
		resolved++;
	}
	await waitFor(async () => (await statusCounts('cap')).completed === 20, '20 completed jobs');
	// every job exactly once, in claim order
	expect(trigger.emitted.map((_, i) => jobIdOf(trigger, i))).toEqual(ids);
});

describe('On Execution End', () => {
	test('Complete or Fail Job: completes on success, fails with the execution error otherwise', async () => {
		const [ok, bad, queueModeBad] = await enqueue(db.pool, 'finish', [
			{ job_type: 'ok' },
			{ job_type: 'bad', max_retries: 0 },
			{ job_type: 'bad2', max_retries: 1, payload: { retry: true } },
		]);
		const trigger = await start({ queue: 'finish', options: { pollIntervalSeconds: 60 } });
		await trigger.waitForEmits(3);
		const byId = (id: string) => trigger.emitted.find((e) => e.data[0][0].json.id === id)!;

		byId(ok).donePromise!.resolve(fakeRun('success'));
		byId(bad).donePromise!.resolve(fakeRun('error', new NodeOperationError(trigger.context.getNode(), 'boom: the API said no')));
		// in queue mode the main instance gets the worker's IRun: empty runData, a serialised (plain) error
		const queueModeRun: IRun = {
			data: createRunExecutionData({
				resultData: { runData: {}, error: { name: 'NodeApiError', message: 'worker failed' } as any, lastNodeExecuted: 'HTTP' },
			}),
			mode: 'trigger',
			status: 'error',
			startedAt: new Date(),
			stoppedAt: new Date(),
			storedAt: 'db',
		};
		byId(queueModeBad).donePromise!.resolve(queueModeRun);

		await waitFor(async () => {
			const rows = await jobsOf(db.pool, 'finish');
			return rows.every((r) => r.status !== 'running') && rows;
		}, 'all three jobs finished');
		const rows = Object.fromEntries((await jobsOf(db.pool, 'finish')).map((r) => [r.id, r]));

		expect(rows[ok]).toMatchObject({ status: 'completed', result: { executionStatus: 'success' } });
		expect(new Date(rows[ok].result.finishedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
		expect(await runsOf(db.pool, ok)).toEqual([expect.objectContaining({ status: 'completed' })]);

		expect(rows[bad]).toMatchObject({ status: 'failed', error: 'boom: the API said no' });
		const dead = await db.pool.query(`select final_error from mcp_jobs.dead_letter_queue where job_id = $1`, [bad]);
		expect(dead.rows).toEqual([{ final_error: 'boom: the API said no' }]);

		expect(rows[queueModeBad]).toMatchObject({ status: 'queued', error: 'worker failed', attempts: 1 });
		expect(await runsOf(db.pool, queueModeBad)).toEqual([expect.objectContaining({ status: 'failed', error: 'worker failed' })]);
	});

	test('executions that end together are finished together: one complete_jobs call and one fail_jobs call', async () => {
		await enqueue(db.pool, 'finish-batch', [
			{ job_type: 'ok' }, { job_type: 'ok' }, { job_type: 'ok' },
			{ job_type: 'bad', max_retries: 0 }, { job_type: 'bad', max_retries: 0 },
		]);
		const trigger = await start({ queue: 'finish-batch', maxConcurrent: 5, options: { pollIntervalSeconds: 60 } });
		await trigger.waitForEmits(5);
		const calls = watchBatchCalls();
		for (const emitted of trigger.emitted) {
			const bad = emitted.data[0][0].json.job_type === 'bad';
			emitted.donePromise!.resolve(
				bad ? fakeRun('error', new NodeOperationError(trigger.context.getNode(), 'bad job')) : fakeRun('success'),
			);
		}
		await waitFor(async () => (await jobsOf(db.pool, 'finish-batch')).every((r) => r.status !== 'running'), 'all five finished');

		calls.restore();
		const finishes = calls.answered.filter((c) => c.fn === 'complete_jobs' || c.fn === 'fail_jobs');
		expect(finishes.map((c) => [c.fn, c.items.length, c.rows.every((r) => r.ok)])).toEqual([
			['complete_jobs', 3, true],
			['fail_jobs', 2, true],
		]);
	});

	test('Complete or Fail Job leaves a job the workflow already finished as it is', async () => {
		const [id] = await enqueue(db.pool, 'finish-wf', [{}]);
		const trigger = await start({ queue: 'finish-wf', options: { pollIntervalSeconds: 60 } });
		await trigger.waitForEmits(1);
		await db.pool.query(`select mcp_jobs.complete_job($1, '{"by":"workflow"}')`, [id]);
		trigger.emitted[0].donePromise!.resolve(fakeRun('error', new NodeOperationError(trigger.context.getNode(), 'late')));
		await sleep(300);
		const [row] = await jobsOf(db.pool, 'finish-wf');
		expect(row).toMatchObject({ status: 'completed', result: { by: 'workflow' }, error: null });
	});

	test('Leave to Workflow: the trigger does not finish the job', async () => {
		const [id] = await enqueue(db.pool, 'leave', [{}]);
		const trigger = await start({ queue: 'leave', onExecutionEnd: 'leaveToWorkflow', options: { pollIntervalSeconds: 60 } });
		await trigger.waitForEmits(1);
		trigger.emitted[0].donePromise!.resolve(fakeRun('success'));
		await sleep(300);
		const [row] = await jobsOf(db.pool, 'leave');
		expect(row).toMatchObject({ id, status: 'running', attempts: 1 });
	});

	test('a failed job is run again by the trigger when its retry is due, without a poll', async () => {
		const [id] = await enqueue(db.pool, 'retry', [{ max_retries: 1 }]);
		await db.pool.query(`update mcp_jobs.jobs set retry_delay_seconds = 1 where id = $1`, [id]);
		const trigger = await start({ queue: 'retry', options: { pollIntervalSeconds: 60 } });
		await trigger.waitForEmits(1);
		const failedAt = performance.now();
		trigger.emitted[0].donePromise!.resolve(fakeRun('error', new NodeOperationError(trigger.context.getNode(), 'first')));
		await trigger.waitForEmits(2, 3000);
		console.log(`Job Trigger: retry (backoff 1-1.1 s) emitted again after ${since(failedAt)} ms`);
		expect(jobIdOf(trigger, 1)).toBe(id);
		expect(trigger.emitted[1].data[0][0].json.attempts).toBe(2);
	});
});

test('heartbeats keep a long execution\'s job reserved (lease 2 s, execution 5 s); it completes once', async () => {
	const [id] = await enqueue(db.pool, 'hb', [{}]);
	const trigger = await start({ queue: 'hb', leaseSeconds: 2, options: { pollIntervalSeconds: 60 } });
	await trigger.waitForEmits(1);
	const leases: string[] = [];
	for (const wait of [1500, 1500, 1500]) {
		await sleep(wait);
		// another worker tries to take it (this also reaps expired leases first)
		const other = await db.pool.query(`select * from mcp_jobs.claim_next_job('other-worker', 'hb', null, 10, 30)`);
		expect(other.rows).toEqual([]);
		leases.push((await jobsOf(db.pool, 'hb'))[0].lease_expires_at.toISOString());
	}
	expect(new Set(leases).size).toBe(3); // renewed
	trigger.emitted[0].donePromise!.resolve(fakeRun('success'));
	await waitFor(async () => (await jobsOf(db.pool, 'hb'))[0].status === 'completed', 'the job completed');
	expect(await runsOf(db.pool, id)).toEqual([expect.objectContaining({ status: 'completed', attempt: 1 })]);
	expect((await historyOf(db.pool, id)).map((e) => e.event_type)).toEqual(['enqueued', 'started', 'completed']);
	expect(trigger.emitted).toHaveLength(1);
});

test('Execution Timeout: an execution whose end never arrives stops being renewed; the job runs again after its lease', async () => {
	const [id] = await enqueue(db.pool, 'lost-end', [{}]);
	const trigger = await start({
		queue: 'lost-end',
		leaseSeconds: 2,
		options: { pollIntervalSeconds: 1, executionTimeoutSeconds: 1 },
	});
	await trigger.waitForEmits(1); // its donePromise is never settled: n8n lost the end of the execution
	const t0 = performance.now();
	await trigger.waitForEmits(2, 6000);
	const waited = since(t0);
	expect(trigger.emitted[1].data[0][0].json.id).toBe(id);
	// not before the lease that was last renewed (at most 1 s in) expired
	expect(waited).toBeGreaterThan(1500);
	expect((await runsOf(db.pool, id)).map((r) => r.status)).toEqual(['lease_expired', 'running']);
	trigger.emitted[1].donePromise!.resolve(fakeRun('success'));
	await waitFor(async () => (await jobsOf(db.pool, 'lost-end'))[0].status === 'completed', 'the job completed by its second run');
});

test('a job cancelled while it runs is no longer renewed and not finished by the trigger', async () => {
	const [id] = await enqueue(db.pool, 'cancel', [{}]);
	const trigger = await start({ queue: 'cancel', leaseSeconds: 1, options: { pollIntervalSeconds: 60 } });
	await trigger.waitForEmits(1);
	await db.pool.query(`select mcp_jobs.cancel_job($1, 'operator')`, [id]);
	await sleep(500); // a heartbeat (every ~333 ms) learns it
	trigger.emitted[0].donePromise!.resolve(fakeRun('success'));
	await sleep(300);
	expect((await jobsOf(db.pool, 'cancel'))[0]).toMatchObject({ status: 'cancelled', result: null });
});

describe('scheduled jobs (poll interval 60 s)', () => {
	test('a job scheduled 1.5 s ahead fires when due', async () => {
		const t0 = performance.now();
		await enqueue(db.pool, 'sched', [{ scheduled_at: new Date(Date.now() + 1500).toISOString() }]);
		const trigger = await start({ queue: 'sched', options: { pollIntervalSeconds: 60 } });
		await trigger.waitForEmits(1, 4000);
		const elapsed = since(t0);
		console.log(`Job Trigger: job scheduled 1500 ms ahead emitted after ${elapsed} ms`);
		expect(elapsed).toBeGreaterThanOrEqual(1400);
		expect(elapsed).toBeLessThan(2500);
	});

	test('a scheduled job enqueued with a due one (one wake-up) fires when due', async () => {
		const trigger = await start({ queue: 'sched2', options: { pollIntervalSeconds: 60 } });
		await sleep(200);
		const t0 = performance.now();
		const [, later] = await enqueue(db.pool, 'sched2', [{}, { scheduled_at: new Date(Date.now() + 1200).toISOString() }]);
		await trigger.waitForEmits(1, 1000);
		trigger.emitted[0].donePromise!.resolve(fakeRun('success'));
		await trigger.waitForEmits(2, 3000);
		const elapsed = since(t0);
		console.log(`Job Trigger: job scheduled 1200 ms ahead (enqueued while running) emitted after ${elapsed} ms`);
		expect(jobIdOf(trigger, 1)).toBe(later);
		expect(elapsed).toBeGreaterThanOrEqual(1100);
		expect(elapsed).toBeLessThan(2200);
	});
});

describe('deactivation', () => {
	test('jobs claimed while deactivating are released: queued again, attempt not counted', async () => {
		const ids = await enqueueN(db.pool, 'release', 3);
		// hold the claim: claim_next_job's FOR UPDATE waits for this EXCLUSIVE lock
		const locker = await db.pool.connect();
		try {
			await locker.query('begin');
			await locker.query('lock table mcp_jobs.jobs in exclusive mode');
			const trigger = await start({ queue: 'release', options: { pollIntervalSeconds: 60 } });
			await waitFor(
				async () =>
					(
						await db.pool.query(
							`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'
							   and query like '%claim_next_job%'`,
						)
					).rowCount,
				'the blocked claim',
			);
			const closing = trigger.close();
			await sleep(200);
			await locker.query('commit');
			await closing;
			expect(trigger.emitted).toHaveLength(0);
		} finally {
			await locker.query('rollback').catch(() => undefined);
			locker.release();
		}
		const rows = await jobsOf(db.pool, 'release');
		expect(rows.map((r) => [r.id, r.status, r.attempts, r.worker_id])).toEqual(ids.map((id) => [id, 'queued', 0, null]));
		for (const id of ids) expect(await runsOf(db.pool, id)).toEqual([]);
	});

	test('deactivation waits for running executions and finishes their jobs', async () => {
		await enqueueN(db.pool, 'drain', 2);
		const trigger = await start({ queue: 'drain', options: { pollIntervalSeconds: 60, shutdownWaitSeconds: 5 } });
		await trigger.waitForEmits(2);
		const t0 = performance.now();
		const closing = trigger.close();
		await sleep(300);
		trigger.emitted[0].donePromise!.resolve(fakeRun('success'));
		trigger.emitted[1].donePromise!.resolve(fakeRun('success'));
		await closing;
		expect(since(t0)).toBeLessThan(2000);
		expect(await statusCounts('drain')).toEqual({ completed: 2 });
	});

	test('deactivation gives up after Wait on Deactivation; the job is left to its lease', async () => {
		await enqueueN(db.pool, 'drain-timeout', 1);
		const trigger = await start({ queue: 'drain-timeout', options: { pollIntervalSeconds: 60, shutdownWaitSeconds: 1 } });
		await trigger.waitForEmits(1);
		const t0 = performance.now();
		await trigger.close();
		expect(since(t0)).toBeGreaterThanOrEqual(900);
		expect(since(t0)).toBeLessThan(2000);
		trigger.emitted[0].donePromise!.resolve(fakeRun('success')); // too late: not completed by the stopped trigger
		await sleep(200);
		expect(await statusCounts('drain-timeout')).toEqual({ running: 1 });
	});
});
