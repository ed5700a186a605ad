// Run fencing: a worker whose lease expired must not touch the job's next run, even with the same worker id (the
// nodes' default worker id is stable per n8n instance and workflow). Scenario for every function: worker W claims
// job J (run 1), the lease expires, W claims J again (run 2), then the stale run 1 calls in: PT409 "no longer
// current", and nothing changes. Run 2 itself still works.
import { TestDatabase } from '../support/database';
import { claimOne, enqueue, expectPgError, job, one, openTestDatabase, resetQueue, rows, snapshotTables } from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });
beforeEach(async () => { await resetQueue(db.pool); });

const W = 'n8n-1a2b3c4d-wf-42';
const STALE = /^run [0-9a-f-]{36} of job [0-9a-f-]{36} is no longer current \(job re-claimed\)/;

/** J claimed by W twice: run 1's lease expired and the next claim (same worker id) started run 2. */
async function reclaimed(): Promise<{ id: string; run1: string; run2: string }> {
	const id = await enqueue(db.pool, { maxRetries: 3 });
	const run1 = (await claimOne(db.pool, W, { leaseSeconds: 60 })).run_id;
	await db.pool.query(`update mcp_jobs.jobs set lease_expires_at = now() - interval '1 second' where id = $1`, [id]);
	const second = await claimOne(db.pool, W, { leaseSeconds: 60 });
	expect(second).toMatchObject({ id, attempts: 2 });
	expect(second.run_id).not.toBe(run1);
	return { id, run1, run2: second.run_id };
}

/** Asserts the call fails as stale and leaves every table as it was. */
async function refusedAsStale(sql: string, params: unknown[]): Promise<void> {
	const before = await snapshotTables(db.pool);
	await expectPgError(db.pool.query(sql, params), 'PT409', STALE);
	expect(await snapshotTables(db.pool)).toEqual(before);
}

describe('a stale run (same worker id) is fenced off', () => {
	test('complete_job', async () => {
		const { id, run1, run2 } = await reclaimed();
		await refusedAsStale(`select mcp_jobs.complete_job($1, '{"stale":true}', $2, $3)`, [id, W, run1]);
		await db.pool.query(`select mcp_jobs.complete_job($1, '{"ok":true}', $2, $3)`, [id, W, run2]);
		expect(await job(db.pool, id)).toMatchObject({ status: 'completed', result: { ok: true } });
	});

	test('fail_job', async () => {
		const { id, run1, run2 } = await reclaimed();
		await refusedAsStale(`select * from mcp_jobs.fail_job($1, 'stale', $2, false, null, $3)`, [id, W, run1]);
		const r = await one(db.pool, `select * from mcp_jobs.fail_job($1, 'real', $2, p_run_id => $3)`, [id, W, run2]);
		expect(r).toMatchObject({ status: 'queued', will_retry: true, attempts: 2 });
	});

	test('heartbeat_job (a stale worker cannot extend the new run\'s lease to a day)', async () => {
		const { id, run1, run2 } = await reclaimed();
		await refusedAsStale(`select * from mcp_jobs.heartbeat_job($1, $2, 86400, 50, 'stale', $3)`, [id, W, run1]);
		const r = await one(db.pool, `select * from mcp_jobs.heartbeat_job($1, $2, 120, p_run_id => $3)`, [id, W, run2]);
		expect(r.job_id).toBe(id);
	});

	test('log_job_event', async () => {
		const { id, run1, run2 } = await reclaimed();
		await refusedAsStale(`select mcp_jobs.log_job_event($1, 'stale', p_run_id => $2)`, [id, run1]);
		const r = await one(db.pool, `select mcp_jobs.log_job_event($1, 'current', p_run_id => $2) as id`, [id, run2]);
		expect((await one(db.pool, `select run_id from mcp_jobs.job_events where id = $1`, [r.id])).run_id).toBe(run2);
	});

	test('release_jobs', async () => {
		const { id, run1, run2 } = await reclaimed();
		const before = await snapshotTables(db.pool);
		const [row] = await rows(db.pool, `select * from mcp_jobs.release_jobs($1::uuid[], $2, $3::uuid[])`, [[id], W, [run1]]);
		expect(row).toMatchObject({ ok: false, error_code: 'PT409', error_message: expect.stringMatching(STALE) });
		expect(await snapshotTables(db.pool)).toEqual(before);
		const [ok] = await rows(db.pool, `select * from mcp_jobs.release_jobs($1::uuid[], $2, $3::uuid[])`, [[id], W, [run2]]);
		expect(ok).toMatchObject({ ok: true, status: 'queued' });
	});

	test.each([
		['complete_jobs', (id: string, run: string) => ({ job_id: id, worker_id: W, run_id: run, result: {} })],
		['fail_jobs', (id: string, run: string) => ({ job_id: id, worker_id: W, run_id: run, error: 'x' })],
		['heartbeat_jobs', (id: string, run: string) => ({ job_id: id, worker_id: W, run_id: run, lease_seconds: 86400 })],
	])('%s: the stale item fails alone', async (fn, item) => {
		const { id, run1, run2 } = await reclaimed();
		const other = await enqueue(db.pool);
		const otherRun = (await claimOne(db.pool, W)).run_id;
		const before = await job(db.pool, id);
		const out = await rows(db.pool, `select * from mcp_jobs.${fn}($1::jsonb)`, [JSON.stringify([item(id, run1), item(other, otherRun)])]);
		expect(out.map((r) => [r.ok, r.error_code])).toEqual([[false, 'PT409'], [true, null]]);
		expect(out[0].error_message).toMatch(STALE);
		expect(await job(db.pool, id)).toEqual(before);
		expect((await job(db.pool, id)).run_id).toBe(run2);
	});

	test('log_job_events: the stale item fails alone', async () => {
		const { id, run1, run2 } = await reclaimed();
		const out = await rows(db.pool, `select * from mcp_jobs.log_job_events($1::jsonb)`, [JSON.stringify([
			{ job_id: id, run_id: run1, message: 'stale' },
			{ job_id: id, run_id: run2, message: 'current' },
			{ job_id: id, message: 'no run id: any state' },
		])]);
		expect(out.map((r) => [r.ok, r.error_code])).toEqual([[false, 'PT409'], [true, null], [true, null]]);
		expect((await rows(db.pool, `select message from mcp_jobs.job_events where job_id = $1 and event_type = 'log' order by id`, [id]))
			.map((e) => e.message)).toEqual(['current', 'no run id: any state']);
	});

	test('a run id of a finished job is no longer current either', async () => {
		const id = await enqueue(db.pool);
		const run = (await claimOne(db.pool, W)).run_id;
		await db.pool.query(`select mcp_jobs.complete_job($1, p_run_id => $2)`, [id, run]);
		await expectPgError(db.pool.query(`select mcp_jobs.log_job_event($1, 'late', p_run_id => $2)`, [id, run]), 'PT409',
			/no longer current \(job re-claimed\): the job is completed/);
		await expectPgError(db.pool.query(`select mcp_jobs.complete_job($1, p_run_id => $2)`, [id, run]), 'PT409', /is completed, not running/);
	});
});

describe('a blank worker id does not switch the holder check off', () => {
	test.each([
		['complete_job', `select mcp_jobs.complete_job($1, null, $2)`],
		['fail_job', `select * from mcp_jobs.fail_job($1, 'x', $2)`],
		['heartbeat_job', `select * from mcp_jobs.heartbeat_job($1, $2)`],
	])('%s', async (_fn, sql) => {
		const id = await enqueue(db.pool);
		await claimOne(db.pool, 'someone-else');
		for (const blank of ['', '   ']) {
			const before = await snapshotTables(db.pool);
			await expectPgError(db.pool.query(sql, [id, blank]), '22023', /^p_worker_id is blank: pass the worker id that claimed the job, or leave it out/);
			expect(await snapshotTables(db.pool)).toEqual(before);
		}
	});

	test('batch items', async () => {
		const id = await enqueue(db.pool);
		await claimOne(db.pool, 'someone-else');
		const [row] = await rows(db.pool, `select * from mcp_jobs.complete_jobs($1::jsonb)`, [JSON.stringify([{ job_id: id, worker_id: '' }])]);
		expect(row).toMatchObject({ ok: false, error_code: '22023', error_message: expect.stringMatching(/^p_jobs\[0\]\.worker_id is blank/) });
		expect((await job(db.pool, id)).status).toBe('running');
	});
});
