// Job Trigger, "Claim and Run" mode, against the real database with n8n-core's real TriggerContext:
// wake-up latency (LISTEN and poll), the concurrency cap, finishing jobs, heartbeats, scheduled jobs, deactivation.
import { NodeOperationError, createRunExecutionData, type IDataObject, type INodeParameters, type IRun } from 'n8n-workflow';
import { ClaimRunner } from '../../nodes/JobTrigger/claimRunner';
import { JobTrigger } from '../../nodes/JobTrigger/JobTrigger.node';
import type { TestDatabase } from '../support/database';
import { fakeRun, startTrigger, type StartedTrigger } from '../support/n8n/run-workflow';
import {
	enqueue, enqueueN, finishCalls, historyOf, jobsOf, listenBackends, postgresCredentials, refusedHeartbeat, runsOf, since, sleep,
	useTriggerDatabase, waitFor, watchBatchCalls, watchCycles, watchLog,
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

/** The database clock has passed `at` (a timestamp the database gave). */
const passed = async (at: string | Date) =>
	(await db.pool.query(`select clock_timestamp() > $1::timestamptz as past`, [at])).rows[0].past as boolean;

/** Waits until `more` cycles of the trigger have finished after this call (poll ticks, wake-ups). */
async function moreCycles(cycles: ReturnType<typeof watchCycles>, more: number, what: string) {
	const target = cycles.count() + more;
	await waitFor(() => cycles.count() >= target, what);
}

describe('wake-up latency', () => {
	test('LISTEN: a new job starts its execution within milliseconds (poll interval 60 s)', async () => {
		const trigger = await start({ queue: 'lat-listen', options: { pollIntervalSeconds: 60 } });
		// LISTEN is in place once its backend shows up
		await waitFor(() => listenBackends(db.pool), 'the LISTEN connection');
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
	const cycles = watchCycles();
	const trigger = await start({ queue: 'cap', maxConcurrent: 3, options: { pollIntervalSeconds: 1 } });
	await trigger.waitForEmits(3);
	await moreCycles(cycles, 2, 'two more cycles (poll ticks) while 3 executions run');
	expect(trigger.emitted).toHaveLength(3);
	expect(await statusCounts('cap')).toEqual({ running: 3, queued: 17 });

	trigger.emitted[0].donePromise!.resolve(fakeRun('success'));
	await trigger.waitForEmits(4);
	await moreCycles(cycles, 2, 'the cycle that claimed the 4th job and one more');
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
		// the node's view first: the database commits a finish before its answer reaches the node
		const finishes = await waitFor(() => {
			const answered = calls.answered.filter((c) => c.fn === 'complete_jobs' || c.fn === 'fail_jobs');
			return answered.length >= 2 ? answered : null;
		}, 'both finish calls answered');
		calls.restore();
		expect((await jobsOf(db.pool, 'finish-batch')).every((r) => r.status !== 'running')).toBe(true);
		expect(finishes.map((c) => [c.fn, c.items.length, c.rows.every((r) => r.ok)])).toEqual([
			['complete_jobs', 3, true],
			['fail_jobs', 2, true],
		]);
	});

	test('Complete or Fail Job leaves a job the workflow already finished as it is: no finish call', async () => {
		const [id] = await enqueue(db.pool, 'finish-wf', [{}]);
		const calls = watchBatchCalls();
		const trigger = await start({ queue: 'finish-wf', leaseSeconds: 3, options: { pollIntervalSeconds: 60 } });
		await trigger.waitForEmits(1);
		const { run_id } = trigger.emitted[0].data[0][0].json;
		await db.pool.query(`select mcp_jobs.complete_job($1, '{"by":"workflow"}', p_run_id => $2)`, [id, run_id]);
		// the next heartbeat (every lease/3 = 1 s) finds the job completed: the trigger gives up the run
		const refused = await waitFor(() => refusedHeartbeat(calls.answered, id), 'a heartbeat that finds the job completed');
		expect(refused.rows).toEqual([expect.objectContaining({ job_id: id, error_code: 'PT409', error_message: expect.stringMatching(/is completed, not running/) })]);

		trigger.emitted[0].donePromise!.resolve(fakeRun('error', new NodeOperationError(trigger.context.getNode(), 'late')));
		await trigger.close(); // returns once the execution's end was handled
		expect(finishCalls(calls.answered)).toEqual([]);
		const [row] = await jobsOf(db.pool, 'finish-wf');
		expect(row).toMatchObject({ status: 'completed', result: { by: 'workflow' }, error: null });
	});

	test('a job the workflow finished before any heartbeat: the one finish call is refused and changes nothing', async () => {
		// the trigger cannot know without asking; asking before every finish would cost every job a round trip
		const [id] = await enqueue(db.pool, 'finish-wf-early', [{}]);
		const calls = watchBatchCalls();
		const trigger = await start({ queue: 'finish-wf-early', options: { pollIntervalSeconds: 60 } }); // lease 60 s: no heartbeat
		await trigger.waitForEmits(1);
		const { run_id } = trigger.emitted[0].data[0][0].json;
		await db.pool.query(`select mcp_jobs.complete_job($1, '{"by":"workflow"}', p_run_id => $2)`, [id, run_id]);
		trigger.emitted[0].donePromise!.resolve(fakeRun('error', new NodeOperationError(trigger.context.getNode(), 'late')));
		await trigger.close();
		const finishes = finishCalls(calls.answered);
		expect(finishes.map((c) => [c.fn, c.items.map((item) => item.run_id)])).toEqual([['fail_jobs', [run_id]]]);
		expect(finishes[0].rows).toEqual([expect.objectContaining({ ok: false, error_code: 'PT409' })]);
		const [row] = await jobsOf(db.pool, 'finish-wf-early');
		expect(row).toMatchObject({ status: 'completed', result: { by: 'workflow' }, error: null });
	});

	test('Leave to Workflow: the trigger does not finish the job', async () => {
		const [id] = await enqueue(db.pool, 'leave', [{}]);
		const calls = watchBatchCalls();
		const trigger = await start({ queue: 'leave', onExecutionEnd: 'leaveToWorkflow', options: { pollIntervalSeconds: 60 } });
		await trigger.waitForEmits(1);
		trigger.emitted[0].donePromise!.resolve(fakeRun('success'));
		await trigger.close(); // returns once the execution's end was handled
		expect(finishCalls(calls.answered)).toEqual([]);
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
		await trigger.waitForEmits(2, 5000);
		console.log(`Job Trigger: retry (backoff 1-1.1 s) emitted again after ${since(failedAt)} ms`);
		expect(jobIdOf(trigger, 1)).toBe(id);
		expect(trigger.emitted[1].data[0][0].json.attempts).toBe(2);
	});
});

test('heartbeats keep a long execution\'s job reserved past its first lease (3 s); it completes once', async () => {
	const [id] = await enqueue(db.pool, 'hb', [{}]);
	const calls = watchBatchCalls();
	const trigger = await start({ queue: 'hb', leaseSeconds: 3, options: { pollIntervalSeconds: 60 } });
	await trigger.waitForEmits(1);
	const firstLease = String(trigger.emitted[0].data[0][0].json.lease_expires_at);
	// the execution runs on until the database clock is past the lease of the claim
	await waitFor(() => passed(firstLease), 'the first lease to pass', 10_000);
	// another worker tries to take it (its claim reaps expired leases first): the renewed lease holds
	const other = await db.pool.query(`select * from mcp_jobs.claim_next_job('other-worker', 'hb', null, 10, 30)`);
	expect(other.rows).toEqual([]);
	const [row] = await jobsOf(db.pool, 'hb');
	expect(row).toMatchObject({ status: 'running', attempts: 1 });
	expect(row.lease_expires_at.getTime()).toBeGreaterThan(new Date(firstLease).getTime());
	const renewals = calls.answered.filter((c) => c.fn === 'heartbeat_jobs' && c.rows.some((r) => r.job_id === id && r.ok));
	expect(renewals.length).toBeGreaterThanOrEqual(2); // every lease/3 = 1 s
	trigger.emitted[0].donePromise!.resolve(fakeRun('success'));
	await waitFor(async () => (await jobsOf(db.pool, 'hb'))[0].status === 'completed', 'the job completed');
	expect(await runsOf(db.pool, id)).toEqual([expect.objectContaining({ status: 'completed', attempt: 1 })]);
	expect((await historyOf(db.pool, id)).map((e) => e.event_type)).toEqual(['enqueued', 'started', 'completed']);
	expect(trigger.emitted).toHaveLength(1);
});

test('Execution Timeout: an execution whose end never arrives stops being renewed; the job runs again after its lease', async () => {
	const [id] = await enqueue(db.pool, 'lost-end', [{}]);
	const calls = watchBatchCalls();
	const trigger = await start({
		queue: 'lost-end',
		leaseSeconds: 2,
		options: { pollIntervalSeconds: 1, executionTimeoutSeconds: 1 },
	});
	await trigger.waitForEmits(1); // its donePromise is never settled: n8n lost the end of the execution
	await trigger.waitForEmits(2, 10_000);
	expect(trigger.emitted[1].data[0][0].json.id).toBe(id);
	const runs = await runsOf(db.pool, id);
	expect(runs.map((r) => r.status)).toEqual(['lease_expired', 'running']);
	// the second run started only after the last lease the trigger held (the claim's, or the last renewal) expired
	const leases = [
		trigger.emitted[0].data[0][0].json.lease_expires_at,
		...calls.answered.filter((c) => c.fn === 'heartbeat_jobs').flatMap((c) => c.rows.filter((r) => r.job_id === id && r.ok).map((r) => r.lease_expires_at)),
	].map((at) => new Date(String(at)).getTime());
	expect(new Date(runs[1].started_at).getTime()).toBeGreaterThanOrEqual(Math.max(...leases));
	trigger.emitted[1].donePromise!.resolve(fakeRun('success'));
	await waitFor(async () => (await jobsOf(db.pool, 'lost-end'))[0].status === 'completed', 'the job completed by its second run');
});

test('a job cancelled while it runs is no longer renewed and not finished by the trigger', async () => {
	const [id, other] = await enqueue(db.pool, 'cancel', [{}, {}]);
	const calls = watchBatchCalls();
	const trigger = await start({ queue: 'cancel', leaseSeconds: 3, options: { pollIntervalSeconds: 60 } });
	await trigger.waitForEmits(2);
	await db.pool.query(`select mcp_jobs.cancel_job($1, 'operator')`, [id]);
	const [cancelled] = await jobsOf(db.pool, 'cancel');
	// a heartbeat (every lease/3 = 1 s) learns it
	const refused = await waitFor(() => refusedHeartbeat(calls.answered, id), 'the refused heartbeat');
	expect(refused.rows.find((r) => r.job_id === id)).toMatchObject({ error_code: 'PT409', error_message: expect.stringMatching(/is cancelled, not running/) });
	// the next two heartbeats renew the other job only
	const after = () => calls.answered.slice(calls.answered.indexOf(refused) + 1).filter((c) => c.fn === 'heartbeat_jobs');
	await waitFor(() => after().length >= 2, 'two more heartbeats');
	expect(after().map((c) => c.items.map((item) => item.job_id))).toEqual([[other], [other]]);

	for (const e of trigger.emitted) e.donePromise!.resolve(fakeRun('success'));
	await trigger.close(); // returns once the executions' ends were handled
	expect(finishCalls(calls.answered).flatMap((c) => c.items.map((item) => item.job_id))).toEqual([other]);
	const [row] = await jobsOf(db.pool, 'cancel');
	expect(row).toMatchObject({ id, status: 'cancelled', result: null, lease_expires_at: cancelled.lease_expires_at });
});

describe('scheduled jobs (poll interval 60 s)', () => {
	/** How long after its scheduled_at the job's run started, by the database clock (ms). */
	const lateBy = (job: IDataObject) => new Date(String(job.started_at)).getTime() - new Date(String(job.scheduled_at)).getTime();

	test('a job scheduled 1.5 s ahead fires when due', async () => {
		await enqueue(db.pool, 'sched', [{ scheduled_at: new Date(Date.now() + 1500).toISOString() }]);
		const trigger = await start({ queue: 'sched', options: { pollIntervalSeconds: 60 } });
		await trigger.waitForEmits(1, 5000);
		const late = lateBy(trigger.emitted[0].data[0][0].json);
		console.log(`Job Trigger: job scheduled 1500 ms ahead started ${late} ms after it was due`);
		// not before it is due, and when it is due rather than at the next poll (60 s)
		expect(late).toBeGreaterThanOrEqual(0);
		expect(late).toBeLessThan(2000);
	});

	test('a scheduled job enqueued with a due one (one wake-up) fires when due', async () => {
		const trigger = await start({ queue: 'sched2', options: { pollIntervalSeconds: 60 } });
		await waitFor(() => listenBackends(db.pool), 'the LISTEN connection');
		const [, later] = await enqueue(db.pool, 'sched2', [{}, { scheduled_at: new Date(Date.now() + 1200).toISOString() }]);
		await trigger.waitForEmits(1, 2000);
		trigger.emitted[0].donePromise!.resolve(fakeRun('success'));
		await trigger.waitForEmits(2, 5000);
		const late = lateBy(trigger.emitted[1].data[0][0].json);
		console.log(`Job Trigger: job scheduled 1200 ms ahead (enqueued while running) started ${late} ms after it was due`);
		expect(jobIdOf(trigger, 1)).toBe(later);
		expect(late).toBeGreaterThanOrEqual(0);
		expect(late).toBeLessThan(2000);
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
			const runnerClose = jest.spyOn(ClaimRunner.prototype, 'close');
			const closing = trigger.close();
			await waitFor(() => runnerClose.mock.calls.length, 'the trigger to stop claiming');
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
		const log = watchLog(trigger);
		const t0 = performance.now();
		let closed = false;
		const closing = trigger.close().then(() => (closed = true));
		await waitFor(() => log.lines.some((l) => /waiting up to 5 s for 2 running execution/.test(l)), 'the trigger to wait');
		expect(closed).toBe(false);
		trigger.emitted[0].donePromise!.resolve(fakeRun('success'));
		trigger.emitted[1].donePromise!.resolve(fakeRun('success'));
		await closing;
		expect(since(t0)).toBeLessThan(5000); // when the executions ended, not after Wait on Deactivation
		expect(await statusCounts('drain')).toEqual({ completed: 2 });
	});

	test('deactivation gives up after Wait on Deactivation; the job is left to its lease', async () => {
		await enqueueN(db.pool, 'drain-timeout', 1);
		const trigger = await start({ queue: 'drain-timeout', options: { pollIntervalSeconds: 60, shutdownWaitSeconds: 1 } });
		await trigger.waitForEmits(1);
		const log = watchLog(trigger);
		const calls = watchBatchCalls();
		const t0 = performance.now();
		await trigger.close();
		expect(since(t0)).toBeGreaterThanOrEqual(900);
		expect(since(t0)).toBeLessThan(5000);
		trigger.emitted[0].donePromise!.resolve(fakeRun('success')); // too late: not completed by the stopped trigger
		await waitFor(() => log.lines.some((l) => /ended after the trigger stopped; the job is left to its lease/.test(l)), 'the late end');
		expect(finishCalls(calls.answered)).toEqual([]);
		expect(await statusCounts('drain-timeout')).toEqual({ running: 1 });
	});
});
