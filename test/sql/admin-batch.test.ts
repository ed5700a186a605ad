// Batch admin functions: get_jobs, cancel_jobs, retry_jobs, requeue_dead_letters, resolve_dead_letters.
import { TestDatabase } from '../support/database';
import { claimOne, enqueue, expectPgError, job, one, openTestDatabase, resetQueue, rows, UNKNOWN } from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });
beforeEach(async () => { await resetQueue(db.pool); });

const batch = (fn: string, items: unknown) =>
	rows(db.pool, `select * from mcp_jobs.${fn}($1::jsonb) order by ordinal`, [JSON.stringify(items)]);

async function deadLetter(): Promise<{ jobId: string; dlqId: string }> {
	const jobId = await enqueue(db.pool, { maxRetries: 0 });
	await claimOne(db.pool, 'w');
	const f = await one(db.pool, `select * from mcp_jobs.fail_job($1, 'broken', 'w')`, [jobId]);
	return { jobId, dlqId: f.dead_letter_id };
}

test('cancel_jobs: one row per item in order; a failing item changes nothing, the others apply', async () => {
	const [a, b, c] = [await enqueue(db.pool), await enqueue(db.pool), await enqueue(db.pool)];
	await claimOne(db.pool, 'w'); // a is running
	await db.pool.query(`select mcp_jobs.cancel_job($1)`, [c]);
	const before = await job(db.pool, c);
	const out = await batch('cancel_jobs', [{ job_id: a, reason: 'stop a' }, { job_id: b }, { job_id: c }, { job_id: UNKNOWN }, { job_id: 'nope' }]);
	expect(out.map((r) => [r.ordinal, r.ok, r.error_code])).toEqual([
		[1, true, null], [2, true, null], [3, false, 'PT409'], [4, false, 'PT404'], [5, false, '22023'],
	]);
	expect(out[0].result).toMatchObject({ id: a, status: 'cancelled', error: 'stop a' });
	expect(out[4].error_message).toBe('p_jobs[4].job_id must be an id (UUID), got "nope"');
	expect(await job(db.pool, c)).toEqual(before);
	expect((await job(db.pool, b)).status).toBe('cancelled');
	expect(await rows(db.pool, `select status from mcp_jobs.job_runs`)).toEqual([{ status: 'cancelled' }]);
});

test('retry_jobs and get_jobs', async () => {
	const { jobId } = await deadLetter();
	const running = await enqueue(db.pool);
	await claimOne(db.pool, 'w');
	const retried = await batch('retry_jobs', [{ job_id: jobId, reset_attempts: false }, { job_id: running }]);
	expect(retried.map((r) => [r.ok, r.error_code])).toEqual([[true, null], [false, 'PT409']]);
	expect(retried[0].result).toMatchObject({ id: jobId, status: 'queued', attempts: 1 });

	const got = await batch('get_jobs', [{ job_id: jobId }, { job_id: UNKNOWN }]);
	expect(got[0]).toMatchObject({ ok: true, result: { job: { id: jobId, status: 'queued' } } });
	expect(got[1]).toMatchObject({ ok: false, error_code: 'PT404', result: null });
});

test('requeue_dead_letters and resolve_dead_letters', async () => {
	const x = await deadLetter();
	const y = await deadLetter();
	const requeued = await batch('requeue_dead_letters', [{ dead_letter_id: x.dlqId, requeued_by: 'ops' }, { dead_letter_id: x.dlqId }]);
	expect(requeued.map((r) => [r.ok, r.error_code])).toEqual([[true, null], [false, 'PT409']]);
	expect(requeued[0].result).toMatchObject({ id: x.jobId, status: 'queued', attempts: 0 });

	const resolved = await batch('resolve_dead_letters', [{ dead_letter_id: y.dlqId, resolved_by: 'ops', resolution_notes: 'known' }]);
	expect(resolved[0]).toMatchObject({ ok: true, result: { id: y.dlqId, resolved: true, resolved_by: 'ops', resolution_notes: 'known' } });
	expect(await rows(db.pool, `select count(*)::int as n from mcp_jobs.dead_letter_queue where not resolved`)).toEqual([{ n: 0 }]);
});

test('the batch itself must be a JSON array (22023), of at most 1000 items', async () => {
	await expectPgError(db.pool.query(`select * from mcp_jobs.cancel_jobs('{"job_id": 1}'::jsonb)`), '22023', /p_jobs must be a JSON array/);
	const tooMany = Array.from({ length: 1001 }, () => ({ job_id: UNKNOWN }));
	await expectPgError(db.pool.query(`select * from mcp_jobs.get_jobs($1::jsonb)`, [JSON.stringify(tooMany)]), '22023', /at most 1000/);
	await expectPgError(db.pool.query(`select * from mcp_jobs.resolve_dead_letters(null)`), '22023', /p_items must be a JSON array/);
});
