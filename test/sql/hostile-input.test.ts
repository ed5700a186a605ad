// Hostile input that 0.1.0 mishandled: a huge number in one batch item failed the whole batch (22003), JSON fields of
// the admin batches leaked cast errors, queue names were not normalised everywhere, error messages echoed whole
// values, and a requeue after cleanup lost the job's settings. Each item-level error names its field and changes
// nothing; the other items still apply.
import { TestDatabase } from '../support/database';
import { claim, claimOne, enqueue, job, one, openTestDatabase, resetQueue, rows } from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });
beforeEach(async () => { await resetQueue(db.pool); });

/** Calls a batch function with a JSON text (so that numbers like 1e400, which JSON.stringify cannot write, go through). */
const batch = (fn: string, json: string) => rows(db.pool, `select * from mcp_jobs.${fn}($1::jsonb)`, [json]);

test('heartbeat_jobs: 3e9 and 1e400 in one item are that item\'s 22023; the other items are extended', async () => {
	const [a, b, c, d] = [await enqueue(db.pool), await enqueue(db.pool), await enqueue(db.pool), await enqueue(db.pool)];
	await claim(db.pool, 'w', { limit: 4, leaseSeconds: 30 });
	const before = await rows(db.pool, `select id, lease_expires_at, progress from mcp_jobs.jobs where id = any($1::uuid[]) order by id`, [[b, c, d]]);
	const out = await batch('heartbeat_jobs', `[
		{"job_id": "${a}", "lease_seconds": 600, "progress": 10},
		{"job_id": "${b}", "progress": 3e9},
		{"job_id": "${c}", "lease_seconds": 1e400},
		{"job_id": "${d}", "lease_seconds": "1${'0'.repeat(200000)}"}]`);
	expect(out.map((r) => [r.ok, r.error_code])).toEqual([[true, null], [false, '22023'], [false, '22023'], [false, '22023']]);
	expect(out[1].error_message).toBe('p_jobs[1].progress must be a whole number from 0 to 100, got 3000000000');
	expect(out[2].error_message).toMatch(/^p_jobs\[2\]\.lease_seconds must be a whole number from 1 to 86400, got 1\d*/);
	expect(out[3].error_message.length).toBeLessThan(200);
	expect(await job(db.pool, a)).toMatchObject({ progress: 10 });
	expect(await rows(db.pool, `select id, lease_expires_at, progress from mcp_jobs.jobs where id = any($1::uuid[]) order by id`, [[b, c, d]]))
		.toEqual(before);
});

test('get_jobs: event_limit "abc", 1.5 and 1e10 are per-item 22023 naming the field', async () => {
	const id = await enqueue(db.pool);
	const out = await batch('get_jobs', JSON.stringify([
		{ job_id: id, event_limit: 'abc' }, { job_id: id, event_limit: 1.5 }, { job_id: id, event_limit: 1e10 }, { job_id: id, event_limit: '5' },
	]));
	expect(out.map((r) => [r.ok, r.error_code])).toEqual([[false, '22023'], [false, '22023'], [false, '22023'], [true, null]]);
	expect(out.slice(0, 3).map((r) => r.error_message)).toEqual([
		'p_jobs[0].event_limit must be a whole number from 0 to 10000, got "abc"',
		'p_jobs[1].event_limit must be a whole number from 0 to 10000, got 1.5',
		'p_jobs[2].event_limit must be a whole number from 0 to 10000, got 10000000000',
	]);
});

test('retry_jobs: reset_attempts "maybe", 123 and "yes" are per-item 22023 naming the field; "false" is false', async () => {
	const ids = [];
	for (let i = 0; i < 4; i++) ids.push(await enqueue(db.pool, { maxRetries: 0 }));
	for (const c of await claim(db.pool, 'w', { limit: 4 })) await db.pool.query(`select mcp_jobs.fail_job($1, 'x')`, [c.id]);
	const out = await batch('retry_jobs', JSON.stringify([
		{ job_id: ids[0], reset_attempts: 'maybe' }, { job_id: ids[1], reset_attempts: 123 }, { job_id: ids[2], reset_attempts: 'yes' },
		{ job_id: ids[3], reset_attempts: 'false' },
	]));
	expect(out.map((r) => [r.ok, r.error_code, r.error_message])).toEqual([
		[false, '22023', 'p_jobs[0].reset_attempts must be true or false, got "maybe"'],
		[false, '22023', 'p_jobs[1].reset_attempts must be true or false, got 123'],
		[false, '22023', 'p_jobs[2].reset_attempts must be true or false, got "yes"'],
		[true, null, null],
	]);
	expect((await job(db.pool, ids[0])).status).toBe('failed');
	expect(await job(db.pool, ids[3])).toMatchObject({ status: 'queued', attempts: 1 });
});

test('a 1 MB value in a batch item gives a short message', async () => {
	const [row] = await batch('complete_jobs', JSON.stringify([{ job_id: 'x'.repeat(1_000_000) }]));
	expect(row).toMatchObject({ ok: false, error_code: '22023' });
	expect(row.error_message).toMatch(/^p_jobs\[0\]\.job_id must be an id \(UUID\), got "x{99}… \(1000002 characters\)$/);
});

test('the earliest and latest accepted times work everywhere (stats, due time, claims)', async () => {
	await enqueue(db.pool, { scheduledAt: '1970-01-01T00:00:00Z', queue: 'edge' });
	await enqueue(db.pool, { scheduledAt: '9999-12-31T23:59:59Z', queue: 'edge' });
	const stats = await one(db.pool, `select * from mcp_jobs.get_queue_stats('edge')`);
	expect(stats).toMatchObject({ queued: '2', due: '1', scheduled: '1' });
	expect((await one(db.pool, `select mcp_jobs.next_job_due_at('edge') as at`)).at.toISOString()).toBe('1970-01-01T00:00:00.000Z');
	expect(await claim(db.pool, 'w', { queue: 'edge', limit: 5 })).toHaveLength(1);
});

test('queue names are trimmed everywhere: pausing " emails " pauses the queue "emails" for every claim', async () => {
	await enqueue(db.pool, { queue: ' emails ' });
	expect((await one(db.pool, `select queue from mcp_jobs.jobs`)).queue).toBe('emails');
	const paused = await one(db.pool, `select * from mcp_jobs.set_queue_paused(' emails ', true, 'maintenance')`);
	expect(paused).toMatchObject({ queue: 'emails', processing_enabled: false });
	expect(await claim(db.pool, 'w', { queue: 'emails' })).toEqual([]);
	expect(await claim(db.pool, 'w', { queue: '  emails' })).toEqual([]);
	expect(await claim(db.pool, 'w')).toEqual([]);
	expect((await rows(db.pool, `select queue, processing_enabled from mcp_jobs.get_queue_stats(' emails ')`)))
		.toEqual([{ queue: 'emails', processing_enabled: false }]);
	await db.pool.query(`select mcp_jobs.set_queue_paused('emails ', false)`);
	expect(await claim(db.pool, 'w', { queue: ' emails' })).toHaveLength(1);
});

test('requeueing a dead letter whose job cleanup removed restores its priority, retries, delay and group key', async () => {
	const id = (await one(db.pool, `select mcp_jobs.enqueue_job('s', 't', '{"a":1}', 2, null, 0, 'q', null, 7, 'customer-9') as id`)).id;
	await claimOne(db.pool, 'w', { queue: 'q' });
	const dl = (await one(db.pool, `select dead_letter_id from mcp_jobs.fail_job($1, 'boom')`, [id])).dead_letter_id;
	await db.pool.query(`select * from mcp_jobs.cleanup_jobs(0)`);
	expect(await rows(db.pool, `select id from mcp_jobs.jobs`)).toEqual([]);
	const requeued = await one(db.pool, `select * from mcp_jobs.requeue_dead_letter($1)`, [dl]);
	expect(requeued).toMatchObject({
		id, queue: 'q', source: 's', job_type: 't', payload: { a: 1 }, priority: 2, max_retries: 0, retry_delay_seconds: 7,
		group_key: 'customer-9', status: 'queued', attempts: 0,
	});
});

test('log_job_events takes 10,000 events for one job in one call, in order, each with its own event id', async () => {
	const id = await enqueue(db.pool);
	const events = Array.from({ length: 10_000 }, (_, i) => ({ job_id: id, message: `m${i}`, data: { i } }));
	const out = await batch('log_job_events', JSON.stringify(events));
	expect(out).toHaveLength(10_000);
	expect(out.every((r, i) => r.ok && r.ordinal === i + 1)).toBe(true);
	const stored = await rows(db.pool, `select id, message from mcp_jobs.job_events where job_id = $1 and event_type = 'log' order by id`, [id]);
	expect(stored.map((e) => e.message)).toEqual(events.map((e) => e.message));
	expect(out.map((r) => String(r.event_id))).toEqual(stored.map((e) => String(e.id)));
});
