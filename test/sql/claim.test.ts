// claim_next_job: order (priority, schedule, FIFO), filters, what a claim writes, leases and their expiry.
import { TestDatabase } from '../support/database';
import {
	claim, claimOne, collectPlans, enqueue, enqueueBatch, eventTypes, expectPgError, expireLease, history, job, one, openTestDatabase, resetQueue,
	rows, runsOf, untilDue,
} from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });
beforeEach(async () => { await resetQueue(db.pool); });

describe('claim order', () => {
	test('lower priority number first, FIFO within a priority', async () => {
		const p5a = await enqueue(db.pool, { priority: 5 });
		const p9 = await enqueue(db.pool, { priority: 9 });
		const p5b = await enqueue(db.pool, { priority: 5 });
		const p0 = await enqueue(db.pool, { priority: 0 });
		const p5c = await enqueue(db.pool, { priority: 5 });
		const order: string[] = [];
		for (let i = 0; i < 5; i++) order.push((await claimOne(db.pool, 'w')).id);
		expect(order).toEqual([p0, p5a, p5b, p5c, p9]);
		expect(await claim(db.pool, 'w')).toEqual([]);
	});

	test('FIFO within one enqueue_jobs batch (same scheduled_at)', async () => {
		const out = await enqueueBatch(db.pool, Array.from({ length: 10 }, (_, i) => ({ source: 's', job_type: 't', payload: { i } })));
		const claimed = await claim(db.pool, 'w', { limit: 10 });
		expect(claimed.map((j) => j.id)).toEqual(out.map((r) => r.id));
	});

	test('an older scheduled_at runs first within a priority', async () => {
		const later = await enqueue(db.pool, { scheduledAt: new Date(Date.now() - 1000) });
		const earlier = await enqueue(db.pool, { scheduledAt: new Date(Date.now() - 60_000) });
		expect((await claimOne(db.pool, 'w')).id).toBe(earlier);
		expect((await claimOne(db.pool, 'w')).id).toBe(later);
	});

	test('a job scheduled in the future is not claimable until its time comes', async () => {
		const { id } = await one(db.pool,
			`select mcp_jobs.enqueue_job('s', 't', p_scheduled_at => now() + interval '700 milliseconds') as id`);
		const far = await enqueue(db.pool, { scheduledAt: '2099-01-01T00:00:00Z', priority: 0 });
		expect(await claim(db.pool, 'w', { limit: 10 })).toEqual([]);
		await untilDue(db.pool, id);
		const claimed = await claim(db.pool, 'w', { limit: 10 });
		expect(claimed.map((j) => j.id)).toEqual([id]);
		expect((await job(db.pool, far)).status).toBe('queued');
	});

	test('p_limit claims several at once, in claim order', async () => {
		for (const p of [3, 1, 2]) await enqueue(db.pool, { priority: p });
		const claimed = await claim(db.pool, 'w', { limit: 2 });
		expect(claimed.map((j) => j.priority)).toEqual([1, 2]);
		expect(await claim(db.pool, 'w', { limit: 50 })).toHaveLength(1);
	});
});

describe('claim filters', () => {
	test('p_queue claims only that queue; null claims any queue', async () => {
		const a = await enqueue(db.pool, { queue: 'a', priority: 1 });
		const b = await enqueue(db.pool, { queue: 'b', priority: 2 });
		expect(await claim(db.pool, 'w', { queue: 'nope' })).toEqual([]);
		expect((await claimOne(db.pool, 'w', { queue: 'b' })).id).toBe(b);
		expect((await claimOne(db.pool, 'w', { queue: null })).id).toBe(a);
	});

	test('null: one order across queues (priority, then schedule, then FIFO); paused queues are skipped', async () => {
		const specs = [
			{ queue: 'a', priority: 5 }, { queue: 'b', priority: 1 }, { queue: 'c', priority: 5 }, { queue: 'a', priority: 0 },
			{ queue: 'paused', priority: 0 }, { queue: 'b', priority: 5 }, { queue: 'c', priority: 1 },
		];
		const ids = (await enqueueBatch(db.pool, specs.map((q) => ({ source: 's', job_type: 't', ...q })))).map((r) => r.id);
		await db.pool.query(`select mcp_jobs.set_queue_paused('paused', true)`);
		const claimed = await claim(db.pool, 'w', { queue: null, limit: 4 });
		expect(claimed.map((j) => j.id)).toEqual([ids[3], ids[1], ids[6], ids[0]]);
		expect((await claim(db.pool, 'w', { queue: null, limit: 10 })).map((j) => j.id)).toEqual([ids[2], ids[5]]);
	});

	test('null: concurrent claimers get distinct jobs, none comes back empty while due jobs remain', async () => {
		const queues = ['q1', 'q2', 'q3'];
		await enqueueBatch(db.pool, Array.from({ length: 300 }, (_, i) => ({ source: 's', job_type: 't', queue: queues[i % 3] })));
		const clients = await Promise.all(Array.from({ length: 8 }, () => db.pool.connect()));
		try {
			const seen: string[] = [];
			let empty = 0;
			for (let round = 0; round < Math.floor(300 / 16); round++) {
				const got = await Promise.all(clients.map((c) => claim(c, `w${round}`, { queue: null, limit: 2 })));
				for (const jobs of got) {
					if (jobs.length < 2) empty++;
					seen.push(...jobs.map((j) => j.id));
				}
			}
			expect(empty).toBe(0);
			expect(new Set(seen).size).toBe(seen.length);
		} finally {
			for (const c of clients) c.release();
		}
	});

	test('null reads the queues\' first jobs from the index, not every queued job (no scan and sort of the table)', async () => {
		for (let start = 0; start < 30_000; start += 10_000) {
			await enqueueBatch(db.pool, Array.from({ length: 10_000 }, (_, i) => ({ source: 's', job_type: 't', queue: `q${i % 3}` })));
		}
		await db.pool.query('analyze mcp_jobs.jobs');
		const c = await db.pool.connect();
		try {
			const plans: string[] = [];
			await collectPlans(c, plans);
			await claim(c, 'w', { queue: null, limit: 10 });
			const pick = plans.find((p) => p.includes('with recursive queues'));
			expect(pick).toBeDefined();
			expect(pick).not.toMatch(/Seq Scan on jobs|Sort Method: external/);
		} finally {
			c.release();
		}
	});

	test('p_job_types restricts job types; an empty array means any', async () => {
		const x = await enqueue(db.pool, { jobType: 'x', priority: 0 });
		const y = await enqueue(db.pool, { jobType: 'y', priority: 1 });
		const z = await enqueue(db.pool, { jobType: 'z', priority: 2 });
		expect((await claimOne(db.pool, 'w', { jobTypes: ['z', 'y'] })).id).toBe(y);
		expect((await claimOne(db.pool, 'w', { jobTypes: [] })).id).toBe(x);
		expect((await claimOne(db.pool, 'w', { jobTypes: ['z'] })).id).toBe(z);
	});
});

describe('what a claim writes', () => {
	test('running, worker, attempt, lease, a new run id; only the job row is written (the run\'s row comes when it ends)', async () => {
		const id = await enqueue(db.pool);
		const { now } = await one(db.pool, `select now() as now`);
		const c = await claimOne(db.pool, 'worker-1', { leaseSeconds: 120 });
		expect(c).toMatchObject({ id, status: 'running', worker_id: 'worker-1', attempts: 1 });
		const lease = (c.lease_expires_at.getTime() - c.started_at.getTime()) / 1000;
		expect(lease).toBeCloseTo(120, 3);
		expect(c.started_at.getTime()).toBeGreaterThanOrEqual(now.getTime());
		expect(await rows(db.pool, `select * from mcp_jobs.job_runs where job_id = $1`, [id])).toEqual([]);
		expect(await rows(db.pool, `select * from mcp_jobs.job_events where job_id = $1`, [id])).toEqual([]);
		// get_job shows the running run and its started event, from the job row
		expect(await runsOf(db.pool, id)).toEqual([expect.objectContaining({
			id: c.run_id, attempt: 1, worker_id: 'worker-1', status: 'running', finished_at: null })]);
		expect(await eventTypes(db.pool, id)).toEqual(['enqueued', 'started']);
		expect((await history(db.pool, id))[1]).toMatchObject({ id: null, run_id: c.run_id, data: { attempt: 1, worker_id: 'worker-1' } });
	});

	test('a running job is not claimed again', async () => {
		await enqueue(db.pool);
		await claimOne(db.pool, 'w1');
		expect(await claim(db.pool, 'w2', { limit: 10 })).toEqual([]);
	});
});

describe('lease expiry', () => {
	test('an expired lease is re-run by another worker; the first run counts as an attempt; the first worker lost it', async () => {
		const id = await enqueue(db.pool, { maxRetries: 3 });
		const first = await claimOne(db.pool, 'w1', { leaseSeconds: 60 });
		expect(await claim(db.pool, 'w2')).toEqual([]); // lease still valid
		await expireLease(db.pool, id);
		const second = await claimOne(db.pool, 'w2');
		expect(second).toMatchObject({ id, worker_id: 'w2', attempts: 2, status: 'running' });
		expect(second.run_id).not.toBe(first.run_id);

		expect((await runsOf(db.pool, id)).map((r) => ({ ...r, closed: r.finished_at !== null }))).toEqual([
			expect.objectContaining({ id: first.run_id, attempt: 1, worker_id: 'w1', status: 'lease_expired', error: expect.stringMatching(/lease expired/), closed: true }),
			expect.objectContaining({ id: second.run_id, attempt: 2, worker_id: 'w2', status: 'running', error: null, closed: false }),
		]);
		expect(await eventTypes(db.pool, id)).toEqual(['enqueued', 'started', 'lease_expired', 'retry_scheduled', 'started']);

		await expectPgError(db.pool.query(`select mcp_jobs.complete_job($1, null, 'w1')`, [id]), 'PT409', /held by worker w2, not w1/);
		await expectPgError(db.pool.query(`select mcp_jobs.heartbeat_job($1, 'w1')`, [id]), 'PT409', /held by worker w2, not w1/);
		await expectPgError(db.pool.query(`select mcp_jobs.fail_job($1, 'x', 'w1')`, [id]), 'PT409', /not w1/);
		// the new holder can finish it
		await db.pool.query(`select mcp_jobs.complete_job($1, '{"ok":true}', 'w2')`, [id]);
		expect(await job(db.pool, id)).toMatchObject({ status: 'completed', result: { ok: true }, attempts: 2 });
	});

	test('past max retries a lease expiry dead-letters the job', async () => {
		const id = await enqueue(db.pool, { maxRetries: 1, payload: { p: 1 } });
		await claimOne(db.pool, 'w1', { leaseSeconds: 60 });
		await expireLease(db.pool, id);
		await claimOne(db.pool, 'w2', { leaseSeconds: 60 }); // attempt 2 = 1 + max_retries
		await expireLease(db.pool, id);
		expect(await claim(db.pool, 'w3')).toEqual([]);
		expect(await job(db.pool, id)).toMatchObject({ status: 'failed', attempts: 2, worker_id: null, lease_expires_at: null });
		const dl = await rows(db.pool, `select job_id, payload, attempts, final_error from mcp_jobs.dead_letter_queue`);
		expect(dl).toEqual([{ job_id: id, payload: { p: 1 }, attempts: 2, final_error: expect.stringMatching(/lease expired: worker w2/) }]);
		const statuses = await rows(db.pool, `select status from mcp_jobs.job_runs where job_id = $1 order by attempt`, [id]);
		expect(statuses.map((r) => r.status)).toEqual(['lease_expired', 'lease_expired']);
		expect((await eventTypes(db.pool, id)).slice(-2)).toEqual(['lease_expired', 'dead_lettered']);
	});

	test('reap_expired_jobs reports what it did; a heartbeat keeps a lease alive (until the reaper came)', async () => {
		const kept = await enqueue(db.pool, { priority: 0 });
		const lost = await enqueue(db.pool, { priority: 1, maxRetries: 0 });
		await claim(db.pool, 'w1', { limit: 2, leaseSeconds: 60 });
		await expireLease(db.pool, kept);
		await expireLease(db.pool, lost);
		await db.pool.query(`select * from mcp_jobs.heartbeat_job($1, 'w1', 60)`, [kept]);
		const reaped = await rows(db.pool, `select * from mcp_jobs.reap_expired_jobs()`);
		expect(reaped).toEqual([{ job_id: lost, queue: 'default', action: 'dead_lettered', dead_letter_id: expect.any(String) }]);
		expect((await job(db.pool, kept)).status).toBe('running');
		expect(await rows(db.pool, `select * from mcp_jobs.reap_expired_jobs()`)).toEqual([]);
	});
});
