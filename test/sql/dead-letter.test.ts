// The dead letter queue: requeue_dead_letter, resolve_dead_letter, list_dead_letters.
import { TestDatabase } from '../support/database';
import {
	claimOne, enqueue, eventTypes, expectPgError, job, one, openTestDatabase, resetQueue, rows, UNKNOWN,
} from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });
beforeEach(async () => { await resetQueue(db.pool); });


/** Enqueues a job with max_retries 0, claims and fails it: returns the job and dead letter ids. */
async function deadJob(o: { queue?: string; source?: string; jobType?: string; payload?: unknown; error?: string } = {}) {
	const id = await enqueue(db.pool, { maxRetries: 0, queue: o.queue, source: o.source, jobType: o.jobType, payload: o.payload ?? { n: 1 } });
	await claimOne(db.pool, 'w', { queue: o.queue ?? 'default' });
	const f = await one(db.pool, `select * from mcp_jobs.fail_job($1, $2)`, [id, o.error ?? 'broken']);
	expect(f.dead_letter_id).toEqual(expect.any(String));
	return { id, dl: f.dead_letter_id as string };
}

test('requeue_dead_letter runs the same job again with its attempts reset, once', async () => {
	const { id, dl } = await deadJob({ payload: { x: 42 } });
	const requeued = await one(db.pool, `select * from mcp_jobs.requeue_dead_letter($1, 'ops')`, [dl]);
	expect(requeued).toMatchObject({ id, status: 'queued', attempts: 0, finished_at: null, payload: { x: 42 } });
	expect(await one(db.pool, `select resolved, resolved_by, resolution_notes, requeued_job_id from mcp_jobs.dead_letter_queue where id = $1`, [dl]))
		.toEqual({ resolved: true, resolved_by: 'ops', resolution_notes: 'requeued', requeued_job_id: id });
	expect((await eventTypes(db.pool, id)).slice(-1)).toEqual(['requeued']);
	// runnable again, with a full set of retries
	const c = await claimOne(db.pool, 'w');
	expect(c).toMatchObject({ id, attempts: 1 });
	await expectPgError(db.pool.query(`select mcp_jobs.requeue_dead_letter($1)`, [dl]), 'PT409', /already resolved/);
	await expectPgError(db.pool.query(`select mcp_jobs.resolve_dead_letter($1)`, [dl]), 'PT409', /already resolved/);
});

test('resolve_dead_letter marks it resolved; a second resolve is PT409', async () => {
	const { id, dl } = await deadJob();
	const r = await one(db.pool, `select * from mcp_jobs.resolve_dead_letter($1, 'admin-1', 'fixed upstream')`, [dl]);
	expect(r).toMatchObject({ id: dl, job_id: id, resolved: true, resolved_by: 'admin-1', resolution_notes: 'fixed upstream' });
	expect(r.resolved_at).toBeInstanceOf(Date);
	expect((await job(db.pool, id)).status).toBe('failed'); // not run again
	await expectPgError(db.pool.query(`select mcp_jobs.resolve_dead_letter($1)`, [dl]), 'PT409', new RegExp(`dead letter ${dl} was already resolved .* by admin-1`));
	await expectPgError(db.pool.query(`select mcp_jobs.resolve_dead_letter($1)`, [UNKNOWN]), 'PT404', /dead letter .* not found/);
	await expectPgError(db.pool.query(`select mcp_jobs.requeue_dead_letter($1)`, [UNKNOWN]), 'PT404', /dead letter .* not found/);
});

test('requeue_dead_letter re-creates the job when cleanup_jobs removed it', async () => {
	const { id, dl } = await deadJob({ queue: 'imports', source: 'odoo', jobType: 'sync', payload: { file: 'a.csv' } });
	await db.pool.query(`update mcp_jobs.jobs set finished_at = now() - interval '40 days' where id = $1`, [id]);
	const cleaned = await one(db.pool, `select * from mcp_jobs.cleanup_jobs(30)`);
	expect(Number(cleaned.jobs_deleted)).toBe(1);
	expect(await rows(db.pool, `select id from mcp_jobs.jobs`)).toEqual([]);
	expect(await rows(db.pool, `select id from mcp_jobs.dead_letter_queue where not resolved`)).toEqual([{ id: dl }]);

	const requeued = await one(db.pool, `select * from mcp_jobs.requeue_dead_letter($1)`, [dl]);
	expect(requeued).toMatchObject({ id, queue: 'imports', source: 'odoo', job_type: 'sync', payload: { file: 'a.csv' }, status: 'queued', attempts: 0 });
	expect(await one(db.pool, `select resolved, resolved_by, requeued_job_id from mcp_jobs.dead_letter_queue where id = $1`, [dl]))
		.toEqual({ resolved: true, resolved_by: 'requeue_dead_letter', requeued_job_id: id });
	// the re-created job's history starts with its re-creation (the dead letter belongs to the job that cleanup removed)
	expect(await eventTypes(db.pool, id)).toEqual(['enqueued', 'requeued']);
	expect((await claimOne(db.pool, 'w', { queue: 'imports' })).id).toBe(id);
});

test('a job that fails again after a requeue gets a new dead letter', async () => {
	const { id, dl } = await deadJob();
	await db.pool.query(`select mcp_jobs.requeue_dead_letter($1)`, [dl]);
	await db.pool.query(`update mcp_jobs.jobs set max_retries = 0 where id = $1`, [id]);
	await claimOne(db.pool, 'w');
	const f = await one(db.pool, `select * from mcp_jobs.fail_job($1, 'again')`, [id]);
	expect(f.dead_letter_id).not.toBe(dl);
	const all = await rows(db.pool, `select id, resolved, final_error from mcp_jobs.dead_letter_queue order by seq`);
	expect(all).toEqual([
		{ id: dl, resolved: true, final_error: 'broken' },
		{ id: f.dead_letter_id, resolved: false, final_error: 'again' },
	]);
});

test('list_dead_letters: unresolved by default, filters, newest first, keyset paging both ways', async () => {
	const made = [];
	for (let i = 0; i < 5; i++) {
		made.push(await deadJob({ queue: i % 2 ? 'odd' : 'even', source: i < 3 ? 'n8n' : 'odoo', jobType: `t${i}`, error: `e${i}` }));
	}
	await db.pool.query(`select mcp_jobs.resolve_dead_letter($1)`, [made[0].dl]);
	const ids = async (sql: string, params: unknown[] = []) => (await rows(db.pool, sql, params)).map((r) => r.id);
	const dl = made.map((m) => m.dl);

	expect(await ids(`select * from mcp_jobs.list_dead_letters()`)).toEqual([dl[4], dl[3], dl[2], dl[1]]);
	expect(await ids(`select * from mcp_jobs.list_dead_letters(p_resolved => true)`)).toEqual([dl[0]]);
	expect(await ids(`select * from mcp_jobs.list_dead_letters(p_resolved => null)`)).toEqual([dl[4], dl[3], dl[2], dl[1], dl[0]]);
	expect(await ids(`select * from mcp_jobs.list_dead_letters(p_queue => 'odd')`)).toEqual([dl[3], dl[1]]);
	expect(await ids(`select * from mcp_jobs.list_dead_letters(p_source => 'odoo')`)).toEqual([dl[4], dl[3]]);
	expect(await ids(`select * from mcp_jobs.list_dead_letters(p_job_type => 't2')`)).toEqual([dl[2]]);

	const page1 = await rows(db.pool, `select * from mcp_jobs.list_dead_letters(p_resolved => null, p_limit => 2)`);
	expect(page1.map((r) => r.id)).toEqual([dl[4], dl[3]]);
	const page2 = await rows(db.pool, `select * from mcp_jobs.list_dead_letters(p_resolved => null, p_limit => 2, p_before_seq => $1)`, [page1[1].seq]);
	expect(page2.map((r) => r.id)).toEqual([dl[2], dl[1]]);
	const page3 = await rows(db.pool, `select * from mcp_jobs.list_dead_letters(p_resolved => null, p_limit => 2, p_before_seq => $1)`, [page2[1].seq]);
	expect(page3.map((r) => r.id)).toEqual([dl[0]]);
	// a feed: oldest first after a seq
	const seqOf1 = page2[1].seq;
	expect(await ids(`select * from mcp_jobs.list_dead_letters(p_after_seq => $1)`, [seqOf1])).toEqual([dl[2], dl[3], dl[4]]);
	expect(await ids(`select * from mcp_jobs.list_dead_letters(p_after_seq => $1, p_limit => 1)`, [seqOf1])).toEqual([dl[2]]);
	// rows carry what the DLQ promises
	const row = (await rows(db.pool, `select * from mcp_jobs.list_dead_letters(p_job_type => 't4')`))[0];
	expect(row).toMatchObject({ job_id: made[4].id, queue: 'even', source: 'odoo', job_type: 't4', payload: { n: 1 }, final_error: 'e4', attempts: 1 });
});
