// Run fencing in the Job Trigger: an execution that outlived its job's lease ends after the job was claimed again
// (same worker id) as a new run. The trigger finishes and renews with the run id of its own claim, so the database
// refuses both, and the new run is untouched.
import { JobTrigger } from '../../nodes/JobTrigger/JobTrigger.node';
import type { TestDatabase } from '../support/database';
import { fakeRun, startTrigger, type StartedTrigger } from '../support/n8n/run-workflow';
import { enqueue, jobsOf, postgresCredentials, useTriggerDatabase, waitFor, watchBatchCalls } from './helpers';

const env = useTriggerDatabase();
let db: TestDatabase;
beforeAll(() => (db = env.db));

/**
 * Lets the job's lease run out and claims it again with the trigger's worker id, in one transaction: a heartbeat of the
 * trigger in between (which would renew the lease) waits for it, and then finds the new run.
 */
async function reclaim(id: string, queue: string, workerId: string) {
	const c = await db.pool.connect();
	try {
		await c.query('begin');
		await c.query(`update mcp_jobs.jobs set lease_expires_at = now() - interval '1 second' where id = $1`, [id]);
		const { rows: [second] } = await c.query(`select * from mcp_jobs.claim_next_job($1, $2, p_lease_seconds => 600)`, [workerId, queue]);
		await c.query('commit');
		expect(second).toMatchObject({ id, attempts: 2 });
		return second;
	} finally {
		c.release();
	}
}

test('an execution that outlived its run cannot finish or renew the job\'s newer run', async () => {
	const [id] = await enqueue(db.pool, 'fence', [{}]);
	const calls = watchBatchCalls();
	let trigger: StartedTrigger | undefined;
	try {
		trigger = await startTrigger(new JobTrigger(), {
			parameters: { queue: 'fence', leaseSeconds: 3, options: { pollIntervalSeconds: 60 } },
			credentials: postgresCredentials(db.url),
		});
		env.started.push(trigger);
		await trigger.waitForEmits(1);
		const first = trigger.emitted[0].data[0][0].json;

		// the lease runs out while the execution runs, and a claim with the same worker id starts the next run
		const second = await reclaim(id, 'fence', String(first.worker_id));

		// the trigger's next renewal (every lease/3 = 1 s) is refused: it stops renewing
		const renewal = await waitFor(
			() => calls.answered.find((c) => c.fn === 'heartbeat_jobs' && c.rows.some((r) => r.job_id === id && r.ok === false)),
			'a refused heartbeat of the old run',
		);
		expect(renewal.items).toEqual([expect.objectContaining({ job_id: id, run_id: first.run_id })]);
		expect(renewal.rows[0]).toMatchObject({ error_code: 'PT409', error_message: expect.stringMatching(/no longer current \(job re-claimed\)/) });

		// the execution ends: the trigger does not finish the job (it lost its run)
		trigger.emitted[0].donePromise!.resolve(fakeRun('success'));
		await trigger.close();
		expect(calls.answered.filter((c) => c.fn === 'complete_jobs' || c.fn === 'fail_jobs')).toEqual([]);
		expect((await jobsOf(db.pool, 'fence'))[0]).toMatchObject({ status: 'running', attempts: 2, run_id: second.run_id, result: null });
	} finally {
		calls.restore();
	}
});

test('a finish racing a re-claim carries its run id: refused, the new run untouched', async () => {
	const [id] = await enqueue(db.pool, 'fence-finish', [{}]);
	const calls = watchBatchCalls();
	try {
		const trigger = await startTrigger(new JobTrigger(), {
			parameters: { queue: 'fence-finish', leaseSeconds: 600, options: { pollIntervalSeconds: 60 } },
			credentials: postgresCredentials(db.url),
		});
		env.started.push(trigger);
		await trigger.waitForEmits(1);
		const first = trigger.emitted[0].data[0][0].json;
		const second = await reclaim(id, 'fence-finish', String(first.worker_id));

		// no heartbeat came in between (lease 600 s): the trigger still thinks it holds the job and completes it
		trigger.emitted[0].donePromise!.resolve(fakeRun('success'));
		const finish = await waitFor(() => calls.answered.find((c) => c.fn === 'complete_jobs'), 'the trigger\'s complete');
		expect(finish.items).toEqual([expect.objectContaining({ job_id: id, run_id: first.run_id, worker_id: first.worker_id })]);
		expect(finish.rows[0]).toMatchObject({ ok: false, error_code: 'PT409' });
		expect((await jobsOf(db.pool, 'fence-finish'))[0]).toMatchObject({ status: 'running', run_id: second.run_id, result: null });
	} finally {
		calls.restore();
	}
});
