// Admin functions: cancel_job, retry_job, set_queue_paused, get_job, list_jobs, next_job_due_at, cleanup_jobs.
import { TestDatabase } from '../support/database';
import {
	claim, claimOne, enqueue, eventTypes, expectPgError, job, one, openTestDatabase, resetQueue, rows, UNKNOWN,
} from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });
beforeEach(async () => { await resetQueue(db.pool); });


describe('cancel_job', () => {
	test('a queued job is cancelled and never claimed', async () => {
		const id = await enqueue(db.pool);
		const c = await one(db.pool, `select * from mcp_jobs.cancel_job($1, 'not needed')`, [id]);
		expect(c).toMatchObject({ id, status: 'cancelled', error: 'not needed' });
		expect(c.finished_at).toBeInstanceOf(Date);
		expect(await claim(db.pool, 'w')).toEqual([]);
		expect(await eventTypes(db.pool, id)).toEqual(['enqueued', 'cancelled']);
	});

	test('a running job is cancelled: its run closes and the worker then fails with PT409', async () => {
		const id = await enqueue(db.pool);
		const c = await claimOne(db.pool, 'w1');
		await db.pool.query(`select mcp_jobs.cancel_job($1)`, [id]);
		expect(await one(db.pool, `select status, error, finished_at is not null as closed from mcp_jobs.job_runs where id = $1`, [c.run_id]))
			.toEqual({ status: 'cancelled', error: 'cancelled', closed: true });
		await expectPgError(db.pool.query(`select mcp_jobs.heartbeat_job($1, 'w1')`, [id]), 'PT409', /is cancelled, not running/);
		await expectPgError(db.pool.query(`select mcp_jobs.complete_job($1, '{}', 'w1')`, [id]), 'PT409', /is cancelled, not running/);
		await expectPgError(db.pool.query(`select mcp_jobs.fail_job($1, 'x', 'w1')`, [id]), 'PT409', /is cancelled/);
		expect(await job(db.pool, id)).toMatchObject({ status: 'cancelled', lease_expires_at: null });
		expect(await rows(db.pool, `select * from mcp_jobs.dead_letter_queue`)).toEqual([]);
	});

	test('finished jobs cannot be cancelled (PT409); unknown is PT404', async () => {
		const id = await enqueue(db.pool);
		await claimOne(db.pool, 'w');
		await db.pool.query(`select mcp_jobs.complete_job($1)`, [id]);
		await expectPgError(db.pool.query(`select mcp_jobs.cancel_job($1)`, [id]), 'PT409', /is already completed/);
		await db.pool.query(`select mcp_jobs.cancel_job($1)`, [await enqueue(db.pool)]);
		await expectPgError(db.pool.query(`select mcp_jobs.cancel_job($1)`, [UNKNOWN]), 'PT404', /not found/);
		expect((await job(db.pool, id)).status).toBe('completed');
	});
});

describe('retry_job', () => {
	test('a dead-lettered job runs again with fresh attempts; its dead letter is resolved', async () => {
		const id = await enqueue(db.pool, { maxRetries: 0 });
		await claimOne(db.pool, 'w');
		const f = await one(db.pool, `select * from mcp_jobs.fail_job($1, 'down')`, [id]);
		const r = await one(db.pool, `select * from mcp_jobs.retry_job($1)`, [id]);
		expect(r).toMatchObject({ id, status: 'queued', attempts: 0, finished_at: null, worker_id: null });
		expect(await one(db.pool, `select resolved, resolved_by, requeued_job_id from mcp_jobs.dead_letter_queue where id = $1`, [f.dead_letter_id]))
			.toEqual({ resolved: true, resolved_by: 'retry_job', requeued_job_id: id });
		expect((await eventTypes(db.pool, id)).slice(-1)).toEqual(['requeued']);
		expect(await claimOne(db.pool, 'w')).toMatchObject({ id, attempts: 1 });
	});

	test('p_reset_attempts false keeps the count; a cancelled job can be retried', async () => {
		const id = await enqueue(db.pool);
		await claimOne(db.pool, 'w');
		await db.pool.query(`select mcp_jobs.cancel_job($1)`, [id]);
		const r = await one(db.pool, `select * from mcp_jobs.retry_job($1, false)`, [id]);
		expect(r).toMatchObject({ status: 'queued', attempts: 1 });
		expect((await claimOne(db.pool, 'w')).attempts).toBe(2);
	});

	test('a waiting (queued, backed-off) job becomes due now', async () => {
		const id = await enqueue(db.pool, { scheduledAt: '2099-01-01T00:00:00Z' });
		expect(await claim(db.pool, 'w')).toEqual([]);
		await db.pool.query(`select mcp_jobs.retry_job($1)`, [id]);
		expect((await claimOne(db.pool, 'w')).id).toBe(id);
	});

	test('running and completed jobs cannot be retried (PT409); unknown is PT404', async () => {
		const id = await enqueue(db.pool);
		await claimOne(db.pool, 'w');
		await expectPgError(db.pool.query(`select mcp_jobs.retry_job($1)`, [id]), 'PT409', /is running/);
		await db.pool.query(`select mcp_jobs.complete_job($1)`, [id]);
		await expectPgError(db.pool.query(`select mcp_jobs.retry_job($1)`, [id]), 'PT409', /is completed/);
		await expectPgError(db.pool.query(`select mcp_jobs.retry_job($1)`, [UNKNOWN]), 'PT404', /not found/);
	});
});

describe('set_queue_paused', () => {
	test('a paused queue gives nothing to claims for it or for any queue; resume makes it claimable', async () => {
		const a = await enqueue(db.pool, { queue: 'a', priority: 0 });
		const b = await enqueue(db.pool, { queue: 'b', priority: 9 });
		const p = await one(db.pool, `select * from mcp_jobs.set_queue_paused('a', true, 'maintenance')`);
		expect(p).toMatchObject({ queue: 'a', processing_enabled: false, paused_reason: 'maintenance' });
		expect(await claim(db.pool, 'w', { queue: 'a' })).toEqual([]);
		const any = await claim(db.pool, 'w', { queue: null, limit: 10 });
		expect(any.map((j) => j.id)).toEqual([b]);

		const stats = await rows(db.pool, `select queue, processing_enabled, paused_reason, queued from mcp_jobs.get_queue_stats()`);
		expect(stats).toEqual([
			{ queue: 'a', processing_enabled: false, paused_reason: 'maintenance', queued: '1' },
			{ queue: 'b', processing_enabled: true, paused_reason: null, queued: '0' },
		]);

		const r = await one(db.pool, `select * from mcp_jobs.set_queue_paused('a', false)`);
		expect(r).toMatchObject({ processing_enabled: true, paused_reason: null });
		expect((await claimOne(db.pool, 'w', { queue: null })).id).toBe(a);
		expect(await one(db.pool, `select processing_enabled, paused_reason from mcp_jobs.get_queue_stats('a')`))
			.toEqual({ processing_enabled: true, paused_reason: null });
	});

	test('pausing a queue that has no jobs yet is remembered', async () => {
		await db.pool.query(`select mcp_jobs.set_queue_paused('later', true)`);
		await enqueue(db.pool, { queue: 'later' });
		expect(await claim(db.pool, 'w')).toEqual([]);
	});
});

describe('get_job', () => {
	test('returns the job, its runs and its events', async () => {
		const id = await enqueue(db.pool, { payload: { q: 1 } });
		const r1 = await claimOne(db.pool, 'w1');
		await db.pool.query(`select mcp_jobs.fail_job($1, 'first', p_retry_delay_seconds => 0)`, [id]);
		const r2 = await claimOne(db.pool, 'w2');
		await db.pool.query(`select mcp_jobs.log_job_event($1, 'note')`, [id]);
		await db.pool.query(`select mcp_jobs.complete_job($1, '{"done":1}')`, [id]);
		const { doc } = await one(db.pool, `select mcp_jobs.get_job($1) as doc`, [id]);
		expect(doc.job).toMatchObject({ id, status: 'completed', payload: { q: 1 }, result: { done: 1 }, attempts: 2 });
		expect(doc.runs.map((r: any) => [r.id, r.attempt, r.worker_id, r.status])).toEqual([
			[r1.run_id, 1, 'w1', 'failed'],
			[r2.run_id, 2, 'w2', 'completed'],
		]);
		expect(doc.events.map((e: any) => e.event_type)).toEqual(
			['enqueued', 'started', 'failed', 'retry_scheduled', 'started', 'log', 'completed']);
		const { limited } = await one(db.pool, `select mcp_jobs.get_job($1, 2) as limited`, [id]);
		expect(limited.events.map((e: any) => e.event_type)).toEqual(['enqueued', 'started']);
	});

	test('a job without runs has empty arrays; unknown is PT404', async () => {
		const id = await enqueue(db.pool);
		const { doc } = await one(db.pool, `select mcp_jobs.get_job($1, 0) as doc`, [id]);
		expect(doc).toMatchObject({ runs: [], events: [] });
		await expectPgError(db.pool.query(`select mcp_jobs.get_job($1)`, [UNKNOWN]), 'PT404', /not found/);
	});
});

describe('list_jobs', () => {
	test('filters by queue, status, source and job type', async () => {
		const ids = [
			await enqueue(db.pool, { queue: 'q1', source: 'n8n', jobType: 'a' }),
			await enqueue(db.pool, { queue: 'q1', source: 'odoo', jobType: 'b' }),
			await enqueue(db.pool, { queue: 'q2', source: 'n8n', jobType: 'b' }),
		];
		await claimOne(db.pool, 'w', { queue: 'q2' });
		const list = async (args: string) => (await rows(db.pool, `select id from mcp_jobs.list_jobs(${args})`)).map((r) => r.id);
		expect(await list('')).toEqual([ids[2], ids[1], ids[0]]);
		expect(await list(`p_queue => 'q1'`)).toEqual([ids[1], ids[0]]);
		expect(await list(`p_status => 'running'`)).toEqual([ids[2]]);
		expect(await list(`p_status => 'queued', p_source => 'n8n'`)).toEqual([ids[0]]);
		expect(await list(`p_job_type => 'b'`)).toEqual([ids[2], ids[1]]);
		expect(await list(`p_queue => 'q1', p_job_type => 'b', p_source => 'odoo', p_status => 'queued'`)).toEqual([ids[1]]);
		expect(await list(`p_status => 'failed'`)).toEqual([]);
	});

	test('keyset paging: p_before_seq pages newest first, p_after_seq feeds oldest first', async () => {
		await rows(db.pool, `select * from mcp_jobs.enqueue_jobs($1::jsonb)`,
			[JSON.stringify(Array.from({ length: 7 }, (_, i) => ({ source: 's', job_type: 't', payload: { i } })))]);
		const all = await rows(db.pool, `select id, seq from mcp_jobs.jobs order by seq`);
		const seen: string[] = [];
		let before: string | null = null;
		for (;;) {
			const page: any[] = await rows(db.pool, `select id, seq from mcp_jobs.list_jobs(p_limit => 3, p_before_seq => $1)`, [before]);
			if (page.length === 0) break;
			expect(page.length).toBeLessThanOrEqual(3);
			seen.push(...page.map((r) => r.id));
			before = page[page.length - 1].seq;
		}
		expect(seen).toEqual(all.map((r) => r.id).reverse());

		const feed = await rows(db.pool, `select id from mcp_jobs.list_jobs(p_after_seq => $1, p_limit => 3)`, [all[2].seq]);
		expect(feed.map((r) => r.id)).toEqual([all[3].id, all[4].id, all[5].id]);
		expect(await rows(db.pool, `select id from mcp_jobs.list_jobs(p_after_seq => $1)`, [all[6].seq])).toEqual([]);
	});
});

describe('next_job_due_at', () => {
	test('earliest scheduled_at of queued jobs, by queue and job types; null when none', async () => {
		expect((await one(db.pool, `select mcp_jobs.next_job_due_at() as t`)).t).toBeNull();
		await enqueue(db.pool, { queue: 'a', jobType: 'x', scheduledAt: '2040-01-03T00:00:00Z' });
		await enqueue(db.pool, { queue: 'a', jobType: 'y', scheduledAt: '2040-01-02T00:00:00Z' });
		await enqueue(db.pool, { queue: 'b', jobType: 'x', scheduledAt: '2040-01-01T00:00:00Z' });
		const due = async (args: string) => (await one(db.pool, `select mcp_jobs.next_job_due_at(${args}) as t`)).t?.toISOString() ?? null;
		expect(await due('')).toBe('2040-01-01T00:00:00.000Z');
		expect(await due(`'a'`)).toBe('2040-01-02T00:00:00.000Z');
		expect(await due(`'a', array['x']`)).toBe('2040-01-03T00:00:00.000Z');
		expect(await due(`null, array['x']`)).toBe('2040-01-01T00:00:00.000Z');
		expect(await due(`null, array[]::text[]`)).toBe('2040-01-01T00:00:00.000Z');
		expect(await due(`'c'`)).toBeNull();
		// running and finished jobs do not count
		const now = await enqueue(db.pool, { queue: 'c' });
		await claimOne(db.pool, 'w', { queue: 'c' });
		expect(await due(`'c'`)).toBeNull();
		expect((await job(db.pool, now)).status).toBe('running');
	});
});

describe('cleanup_jobs', () => {
	test('deletes old finished jobs with their runs and events, old resolved dead letters and old metrics', async () => {
		const oldDone = await enqueue(db.pool, { priority: 0 });
		const oldFailed = await enqueue(db.pool, { priority: 1, maxRetries: 0 });
		const recentDone = await enqueue(db.pool, { priority: 2 });
		const oldQueued = await enqueue(db.pool, { priority: 3, scheduledAt: '2099-01-01T00:00:00Z' });
		await claim(db.pool, 'w', { limit: 3 });
		await db.pool.query(`select mcp_jobs.complete_job($1)`, [oldDone]);
		await db.pool.query(`select mcp_jobs.complete_job($1)`, [recentDone]);
		const f = await one(db.pool, `select * from mcp_jobs.fail_job($1, 'x')`, [oldFailed]);
		const unresolvedDl = f.dead_letter_id;
		await db.pool.query(`insert into mcp_jobs.dead_letter_queue (job_id, queue, source, job_type, payload, attempts, resolved, resolved_at)
			values (gen_random_uuid(), 'default', 's', 't', '{}', 1, true, now() - interval '31 days')`);
		const resolvedNew = await one(db.pool, `insert into mcp_jobs.dead_letter_queue (job_id, queue, source, job_type, payload, attempts, resolved, resolved_at)
			values (gen_random_uuid(), 'default', 's', 't', '{}', 1, true, now() - interval '1 day') returning id`);
		await db.pool.query(`update mcp_jobs.jobs set finished_at = now() - interval '31 days', created_at = now() - interval '32 days'
		                     where id in ($1, $2)`, [oldDone, oldFailed]);
		await db.pool.query(`update mcp_jobs.jobs set created_at = now() - interval '60 days' where id = $1`, [oldQueued]);
		await db.pool.query(`insert into mcp_jobs.metrics (bucket, queue, source, job_type) values
			(date_trunc('hour', now()) - interval '91 days', 'default', 's', 't'),
			(date_trunc('hour', now()) - interval '89 days', 'default', 's', 't')`);

		const r = await one(db.pool, `select * from mcp_jobs.cleanup_jobs(30)`);
		expect(r).toEqual({ jobs_deleted: '2', dead_letters_deleted: '1', metrics_deleted: '1' });
		expect((await rows(db.pool, `select id from mcp_jobs.jobs order by seq`)).map((x) => x.id)).toEqual([recentDone, oldQueued]);
		expect(await rows(db.pool, `select job_id from mcp_jobs.job_runs where job_id in ($1, $2)`, [oldDone, oldFailed])).toEqual([]);
		expect(await rows(db.pool, `select job_id from mcp_jobs.job_events where job_id in ($1, $2)`, [oldDone, oldFailed])).toEqual([]);
		expect((await rows(db.pool, `select id from mcp_jobs.dead_letter_queue order by seq`)).map((x) => x.id).sort())
			.toEqual([unresolvedDl, resolvedNew.id].sort());
		const { n } = await one(db.pool, `select count(*)::int as n from mcp_jobs.metrics`);
		expect(n).toBe(1);
		// nothing left to do
		expect(await one(db.pool, `select * from mcp_jobs.cleanup_jobs(30)`)).toEqual({ jobs_deleted: '0', dead_letters_deleted: '0', metrics_deleted: '0' });
	});

	test('p_limit bounds the jobs per call; 0 days removes everything finished', async () => {
		const ids = [];
		for (let i = 0; i < 5; i++) ids.push(await enqueue(db.pool));
		await claim(db.pool, 'w', { limit: 5 });
		for (const id of ids) await db.pool.query(`select mcp_jobs.complete_job($1)`, [id]);
		await db.pool.query(`update mcp_jobs.jobs set finished_at = finished_at - interval '1 second'`);
		expect((await one(db.pool, `select jobs_deleted from mcp_jobs.cleanup_jobs(0, 2)`)).jobs_deleted).toBe('2');
		expect((await one(db.pool, `select jobs_deleted from mcp_jobs.cleanup_jobs(0, 2)`)).jobs_deleted).toBe('2');
		expect((await one(db.pool, `select jobs_deleted from mcp_jobs.cleanup_jobs(0, 2)`)).jobs_deleted).toBe('1');
		expect((await one(db.pool, `select count(*)::int as n from mcp_jobs.jobs`)).n).toBe(0);
	});
});
