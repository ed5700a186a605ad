// Wake-up notifications on channel mcp_jobs_new_job, as a separate LISTEN connection receives them.
import { TestDatabase } from '../support/database';
import { claimOne, enqueue, enqueueBatch, NotifyListener, one, openTestDatabase, resetQueue } from './helpers';

let db: TestDatabase;
let listener: NotifyListener;
beforeAll(async () => {
	db = await openTestDatabase();
	listener = new NotifyListener(db.url);
	await listener.start();
});
afterAll(async () => {
	await listener.stop();
	await db.drop();
});
beforeEach(async () => {
	await resetQueue(db.pool);
	await listener.take(db.pool);
});

test('enqueue_job of a due job: one notification with {id, queue, job_type, priority, count}', async () => {
	const id = await enqueue(db.pool, { queue: 'mail', jobType: 'send_email', priority: 2 });
	expect(await listener.take(db.pool)).toEqual([{ id, queue: 'mail', job_type: 'send_email', priority: 2, count: 1 }]);
	const id2 = await enqueue(db.pool);
	expect(await listener.take(db.pool)).toEqual([{ id: id2, queue: 'default', job_type: 'work', priority: 5, count: 1 }]);
});

test('a future-scheduled job sends none; a repeated idempotency key sends none', async () => {
	await enqueue(db.pool, { scheduledAt: '2099-01-01T00:00:00Z' });
	expect(await listener.take(db.pool)).toEqual([]);
	await enqueue(db.pool, { idempotencyKey: 'k' });
	expect(await listener.take(db.pool)).toHaveLength(1);
	await enqueue(db.pool, { idempotencyKey: 'k' });
	expect(await listener.take(db.pool)).toEqual([]);
});

test('an enqueue_jobs batch of 100 over 2 queues: exactly 2 notifications, one per queue, with its count', async () => {
	const specs = Array.from({ length: 100 }, (_, i) => ({
		source: 's', job_type: i < 30 ? 'a' : 'b', queue: i < 30 ? 'small' : 'large', priority: i === 50 ? 1 : 5,
	}));
	specs.push({ source: 's', job_type: 'later', queue: 'small', priority: 0, scheduled_at: '2099-01-01T00:00:00Z' } as any);
	const out = await enqueueBatch(db.pool, specs);
	const got = (await listener.take(db.pool)).sort((x, y) => x.queue.localeCompare(y.queue));
	expect(got).toEqual([
		// the first job to run in the queue is named: lowest priority number, then oldest
		{ id: out[50].id, queue: 'large', job_type: 'b', priority: 1, count: 70 },
		{ id: out[0].id, queue: 'small', job_type: 'a', priority: 5, count: 30 },
	]);
});

test('retry_job and requeue_dead_letter each send one', async () => {
	const id = await enqueue(db.pool, { maxRetries: 0, queue: 'r', jobType: 'x', priority: 3 });
	await claimOne(db.pool, 'w');
	const f = await one(db.pool, `select * from mcp_jobs.fail_job($1, 'e')`, [id]);
	await listener.take(db.pool);
	await db.pool.query(`select mcp_jobs.retry_job($1)`, [id]);
	expect(await listener.take(db.pool)).toEqual([{ id, queue: 'r', job_type: 'x', priority: 3, count: 1 }]);

	await claimOne(db.pool, 'w');
	const f2 = await one(db.pool, `select * from mcp_jobs.fail_job($1, 'e')`, [id]);
	expect(f2.dead_letter_id).not.toBe(f.dead_letter_id);
	await listener.take(db.pool);
	await db.pool.query(`select mcp_jobs.requeue_dead_letter($1)`, [f2.dead_letter_id]);
	expect(await listener.take(db.pool)).toEqual([{ id, queue: 'r', job_type: 'x', priority: 3, count: 1 }]);

	// requeue of a job that cleanup removed (re-created by insert): still one
	await claimOne(db.pool, 'w');
	await db.pool.query(`update mcp_jobs.jobs set max_retries = 0 where id = $1`, [id]);
	const f3 = await one(db.pool, `select * from mcp_jobs.fail_job($1, 'e')`, [id]);
	await db.pool.query(`delete from mcp_jobs.jobs where id = $1`, [id]);
	await listener.take(db.pool);
	await db.pool.query(`select mcp_jobs.requeue_dead_letter($1)`, [f3.dead_letter_id]);
	expect(await listener.take(db.pool)).toHaveLength(1);
});

test('claims and completions send none; resuming a queue sends one naming the queue', async () => {
	const id = await enqueue(db.pool, { queue: 'p' });
	await listener.take(db.pool);
	await claimOne(db.pool, 'w');
	await db.pool.query(`select mcp_jobs.complete_job($1)`, [id]);
	await db.pool.query(`select mcp_jobs.set_queue_paused('p', true)`);
	expect(await listener.take(db.pool)).toEqual([]);
	await db.pool.query(`select mcp_jobs.set_queue_paused('p', false)`);
	expect(await listener.take(db.pool)).toEqual([{ id: null, queue: 'p', job_type: null, priority: null, count: null }]);
});

test('a rolled-back enqueue sends nothing', async () => {
	const c = await db.pool.connect();
	try {
		await c.query('begin');
		await enqueue(c);
		await c.query('rollback');
	} finally {
		c.release();
	}
	expect(await listener.take(db.pool)).toEqual([]);
});
