// enqueue_job / enqueue_jobs: defaults, stored fields, events, idempotency keys (also across connections).
import { Client } from 'pg';
import { TestDatabase } from '../support/database';
import { enqueue, enqueueBatch, eventTypes, job, one, openTestDatabase, resetQueue, rows } from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });
beforeEach(async () => { await resetQueue(db.pool); });

describe('enqueue_job', () => {
	test('stores the job with its defaults and logs enqueued', async () => {
		const { id } = await one(db.pool, `select mcp_jobs.enqueue_job('n8n', 'sync', '{"a":1}') as id`);
		expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
		const j = await job(db.pool, id);
		expect(j).toMatchObject({
			queue: 'default', source: 'n8n', job_type: 'sync', payload: { a: 1 }, status: 'queued', priority: 5,
			attempts: 0, max_retries: 3, retry_delay_seconds: 60, idempotency_key: null, worker_id: null,
			started_at: null, finished_at: null,
		});
		const { due } = await one(db.pool, `select scheduled_at <= now() and scheduled_at > now() - interval '1 minute' as due
		                                   from mcp_jobs.jobs where id = $1`, [id]);
		expect(due).toBe(true);
		expect(await eventTypes(db.pool, id)).toEqual(['enqueued']);
	});

	test('stores every option it is given', async () => {
		const id = await enqueue(db.pool, {
			source: 'odoo', jobType: 'bir_1601c', payload: { period: '2026-01' }, priority: 1,
			scheduledAt: '2030-02-01T00:00:00Z', maxRetries: 5, queue: 'finance', idempotencyKey: 'bir-2026-01',
			retryDelaySeconds: 30,
		});
		const j = await job(db.pool, id);
		expect(j).toMatchObject({
			source: 'odoo', job_type: 'bir_1601c', payload: { period: '2026-01' }, priority: 1, max_retries: 5,
			queue: 'finance', idempotency_key: 'bir-2026-01', retry_delay_seconds: 30, status: 'queued',
		});
		expect(j.scheduled_at.toISOString()).toBe('2030-02-01T00:00:00.000Z');
	});

	test('null payload and null priority fall back to {} and 5; source and job_type are trimmed', async () => {
		const { id } = await one(db.pool,
			`select mcp_jobs.enqueue_job(p_source => '  n8n ', p_job_type => ' sync', p_payload => null, p_priority => null) as id`);
		expect(await job(db.pool, id)).toMatchObject({ source: 'n8n', job_type: 'sync', payload: {}, priority: 5 });
	});

	test('same idempotency key in the same queue returns the same job, one row', async () => {
		const a = await enqueue(db.pool, { idempotencyKey: 'k1', payload: { n: 1 } });
		const b = await enqueue(db.pool, { idempotencyKey: 'k1', payload: { n: 2 } });
		expect(b).toBe(a);
		const r = await rows(db.pool, `select payload from mcp_jobs.jobs where idempotency_key = 'k1'`);
		expect(r).toEqual([{ payload: { n: 1 } }]);
		expect(await eventTypes(db.pool, a)).toEqual(['enqueued']);
	});

	test('same idempotency key in another queue makes a new job', async () => {
		const a = await enqueue(db.pool, { idempotencyKey: 'k2', queue: 'q1' });
		const b = await enqueue(db.pool, { idempotencyKey: 'k2', queue: 'q2' });
		expect(b).not.toBe(a);
		const { n } = await one(db.pool, `select count(*)::int as n from mcp_jobs.jobs where idempotency_key = 'k2'`);
		expect(n).toBe(2);
	});

	test('the key still dedupes after the job has finished', async () => {
		const a = await enqueue(db.pool, { idempotencyKey: 'k3' });
		await db.pool.query(`select * from mcp_jobs.claim_next_job('w')`);
		await db.pool.query(`select mcp_jobs.complete_job($1)`, [a]);
		expect(await enqueue(db.pool, { idempotencyKey: 'k3' })).toBe(a);
	});

	test('concurrent enqueues with the same key from two connections make one job', async () => {
		const c1 = new Client({ connectionString: db.url });
		const c2 = new Client({ connectionString: db.url });
		await c1.connect();
		await c2.connect();
		try {
			// c1 inserts the key and keeps its transaction open; c2's insert must wait for it, then find it
			await c1.query('begin');
			const a = await enqueue(c1, { idempotencyKey: 'race', payload: { from: 1 } });
			const pending = enqueue(c2, { idempotencyKey: 'race', payload: { from: 2 } });
			// make sure c2 really is blocked on c1's row before committing
			let waiting = 0;
			for (let i = 0; i < 100 && waiting === 0; i++) {
				await new Promise((r) => setTimeout(r, 20));
				({ waiting } = await one(db.pool,
					`select count(*)::int as waiting from pg_stat_activity
					 where datname = current_database() and wait_event_type = 'Lock' and query like '%enqueue_job%'`));
			}
			expect(waiting).toBe(1);
			await c1.query('commit');
			const b = await pending;
			expect(b).toBe(a);
			const r = await rows(db.pool, `select id, payload from mcp_jobs.jobs where idempotency_key = 'race'`);
			expect(r).toEqual([{ id: a, payload: { from: 1 } }]);

			// and both racing with no explicit transaction at once: still one job
			const [x, y] = await Promise.all([
				enqueue(c1, { idempotencyKey: 'race2' }),
				enqueue(c2, { idempotencyKey: 'race2' }),
			]);
			expect(x).toBe(y);
			const { n } = await one(db.pool, `select count(*)::int as n from mcp_jobs.jobs where idempotency_key = 'race2'`);
			expect(n).toBe(1);
		} finally {
			await c1.end();
			await c2.end();
		}
	});
});

describe('enqueue_jobs', () => {
	test('one row per element, in input order, with defaults filled in', async () => {
		const out = await enqueueBatch(db.pool, [
			{ source: 's', job_type: 'a', payload: { i: 0 } },
			{ source: 's', job_type: 'b', queue: 'other', priority: 2, max_retries: 0, retry_delay_seconds: 5 },
			{ source: 's', job_type: 'c', scheduled_at: '2031-01-01T00:00:00Z' },
		]);
		expect(out.map((r) => [r.ordinal, r.queue, r.status, r.duplicate])).toEqual([
			[1, 'default', 'queued', false],
			[2, 'other', 'queued', false],
			[3, 'default', 'queued', false],
		]);
		expect(out[2].scheduled_at.toISOString()).toBe('2031-01-01T00:00:00.000Z');
		const stored = await rows(db.pool,
			`select id, job_type, queue, priority, max_retries, retry_delay_seconds, payload from mcp_jobs.jobs order by seq`);
		expect(stored).toEqual([
			{ id: out[0].id, job_type: 'a', queue: 'default', priority: 5, max_retries: 3, retry_delay_seconds: 60, payload: { i: 0 } },
			{ id: out[1].id, job_type: 'b', queue: 'other', priority: 2, max_retries: 0, retry_delay_seconds: 5, payload: {} },
			{ id: out[2].id, job_type: 'c', queue: 'default', priority: 5, max_retries: 3, retry_delay_seconds: 60, payload: {} },
		]);
		for (const r of out) expect(await eventTypes(db.pool, r.id)).toEqual(['enqueued']);
	});

	test('integers given as numeric strings are accepted', async () => {
		const [r] = await enqueueBatch(db.pool, [{ source: 's', job_type: 'a', priority: '7', max_retries: '1' }]);
		expect(await job(db.pool, r.id)).toMatchObject({ priority: 7, max_retries: 1 });
	});

	test('idempotency keys within one batch: same key and queue share a job, another queue gets its own', async () => {
		const out = await enqueueBatch(db.pool, [
			{ source: 's', job_type: 'a', idempotency_key: 'k' },
			{ source: 's', job_type: 'a', idempotency_key: 'k' },
			{ source: 's', job_type: 'a', idempotency_key: 'k', queue: 'q2' },
			{ source: 's', job_type: 'a' },
			{ source: 's', job_type: 'a' },
		]);
		expect(out[1].id).toBe(out[0].id);
		expect(out.map((r) => r.duplicate)).toEqual([false, true, false, false, false]);
		expect(new Set(out.map((r) => r.id)).size).toBe(4);
		const { n } = await one(db.pool, `select count(*)::int as n from mcp_jobs.jobs`);
		expect(n).toBe(4);
	});

	test('a key that already exists returns the existing job with duplicate = true', async () => {
		const existing = await enqueue(db.pool, { idempotencyKey: 'old' });
		const out = await enqueueBatch(db.pool, [
			{ source: 's', job_type: 'a', idempotency_key: 'old' },
			{ source: 's', job_type: 'a', idempotency_key: 'new' },
		]);
		expect(out[0]).toMatchObject({ id: existing, duplicate: true, status: 'queued' });
		expect(out[1]).toMatchObject({ duplicate: false });
		const { n } = await one(db.pool, `select count(*)::int as n from mcp_jobs.jobs`);
		expect(n).toBe(2);
	});

	test('concurrent batches sharing keys in opposite orders both succeed (no deadlock), one job per key', async () => {
		const keys = Array.from({ length: 2000 }, (_, i) => `key-${i}`);
		const spec = (ks: string[]) => ks.map((k) => ({ source: 's', job_type: 't', idempotency_key: k, payload: { k } }));
		const c1 = new Client({ connectionString: db.url });
		const c2 = new Client({ connectionString: db.url });
		await c1.connect();
		await c2.connect();
		try {
			const [a, b] = await Promise.all([enqueueBatch(c1, spec(keys)), enqueueBatch(c2, spec([...keys].reverse()))]);
			const byKeyA = new Map(a.map((r, i) => [keys[i], r.id]));
			const byKeyB = new Map(b.map((r, i) => [keys[keys.length - 1 - i], r.id]));
			expect(keys.filter((k) => byKeyA.get(k) !== byKeyB.get(k))).toEqual([]);
			// every key inserted by exactly one of the two calls
			expect(a.filter((r) => !r.duplicate).length + b.filter((r) => !r.duplicate).length).toBe(keys.length);
		} finally {
			await c1.end();
			await c2.end();
		}
		const r = await one(db.pool, `select count(*)::int as n, count(distinct idempotency_key)::int as keys,
		                                    count(*) filter (where payload ->> 'k' = idempotency_key)::int as matching
		                             from mcp_jobs.jobs`);
		expect(r).toEqual({ n: 2000, keys: 2000, matching: 2000 });
	});

	test('an empty array enqueues nothing', async () => {
		expect(await enqueueBatch(db.pool, [])).toEqual([]);
	});
});
