// get_queue_stats and aggregate_metrics, checked against known rows (times set directly for exact numbers).
import { TestDatabase } from '../support/database';
import { claimOne, enqueue, expectPgError, one, openTestDatabase, resetQueue, rows } from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });
beforeEach(async () => { await resetQueue(db.pool); });

const HOUR = 3600_000;
const MIN = 60_000;

/** Inserts a job row directly, with times given in ms relative to now() (null = not set). */
async function row(queue: string, status: string, t: { scheduledIn?: number; startedAgo?: number; finishedAgo?: number } = {}) {
	await db.pool.query(
		`insert into mcp_jobs.jobs (queue, source, job_type, status, scheduled_at, started_at, finished_at)
		 values ($1, 'src', 'jt', $2, now() + make_interval(secs => $3::float8 / 1000),
		         now() - make_interval(secs => $4::float8 / 1000), now() - make_interval(secs => $5::float8 / 1000))`,
		[queue, status, t.scheduledIn ?? 0, t.startedAgo ?? null, t.finishedAgo ?? null],
	);
}

/** A finished job row that ran durationMs and finished finishedAgo ms ago. */
const finished = (queue: string, status: string, durationMs: number, finishedAgo: number) =>
	row(queue, status, { startedAgo: finishedAgo + durationMs, finishedAgo });

describe('get_queue_stats', () => {
	test('counts, windowed success rate and durations match the rows', async () => {
		await row('q', 'queued', { scheduledIn: -10 * MIN });
		await row('q', 'queued', { scheduledIn: -5 * MIN });
		await row('q', 'queued', { scheduledIn: HOUR });
		await row('q', 'running', { startedAgo: 2 * HOUR }); // stuck (> 60 min)
		await row('q', 'running', { startedAgo: MIN });
		for (const ms of [1000, 2000, 3000, 4000]) await finished('q', 'completed', ms, HOUR);
		await finished('q', 'completed', 100_000, 48 * HOUR); // outside the 24 h window
		await finished('q', 'failed', 500, 2 * HOUR);
		await finished('q', 'cancelled', 0, MIN);
		await finished('other', 'completed', 10, MIN);
		await db.pool.query(`insert into mcp_jobs.dead_letter_queue (job_id, queue, source, job_type, payload, attempts, resolved)
			values (gen_random_uuid(), 'q', 'src', 'jt', '{}', 4, false), (gen_random_uuid(), 'q', 'src', 'jt', '{}', 4, false),
			       (gen_random_uuid(), 'q', 'src', 'jt', '{}', 4, true), (gen_random_uuid(), 'dlq-only', 'src', 'jt', '{}', 1, false)`);

		const stats = await rows(db.pool, `select * from mcp_jobs.get_queue_stats()`);
		expect(stats.map((s) => s.queue)).toEqual(['dlq-only', 'other', 'q']);
		const q = stats[2];
		expect(q).toMatchObject({
			queued: '3', due: '2', scheduled: '1', running: '2', stuck_running: '1', completed: '5', failed: '1',
			cancelled: '1', dead_letters_unresolved: '2', completed_in_window: '4', failed_in_window: '1',
			success_rate_pct: '80.00', avg_duration_ms: '2500.0', p95_duration_ms: '3850.0',
			processing_enabled: true, paused_reason: null,
		});
		expect(q.oldest_due_age_seconds).toBeGreaterThanOrEqual(600);
		expect(q.oldest_due_age_seconds).toBeLessThan(660);
		expect(stats[0]).toMatchObject({ queued: '0', dead_letters_unresolved: '1', success_rate_pct: null, avg_duration_ms: null, oldest_due_age_seconds: null });
		expect(stats[1]).toMatchObject({ completed: '1', completed_in_window: '1', success_rate_pct: '100.00', avg_duration_ms: '10.0' });

		// a wider window takes in the older completed job; stuck threshold is configurable
		const wide = await one(db.pool, `select * from mcp_jobs.get_queue_stats('q', 72, 1)`);
		expect(wide).toMatchObject({ completed_in_window: '5', failed_in_window: '1', stuck_running: '2', success_rate_pct: '83.33',
			avg_duration_ms: '22000.0' });
		// one queue only; an unknown queue gives a zero row
		expect(await rows(db.pool, `select queue, queued from mcp_jobs.get_queue_stats('nothing-here')`)).toEqual([{ queue: 'nothing-here', queued: '0' }]);
		await expectPgError(db.pool.query(`select * from mcp_jobs.get_queue_stats(null, 0)`), '22023', /p_window_hours/);
		await expectPgError(db.pool.query(`select * from mcp_jobs.get_queue_stats(null, 24, 0)`), '22023', /p_stuck_after_minutes/);
	});

	test('follows real claims and completions', async () => {
		const a = await enqueue(db.pool, { queue: 'live' });
		await enqueue(db.pool, { queue: 'live' });
		await claimOne(db.pool, 'w', { queue: 'live' });
		await db.pool.query(`select mcp_jobs.complete_job($1)`, [a]);
		const s = await one(db.pool, `select * from mcp_jobs.get_queue_stats('live')`);
		expect(s).toMatchObject({ queued: '1', due: '1', running: '0', completed: '1', completed_in_window: '1', success_rate_pct: '100.00' });
	});
});

describe('aggregate_metrics', () => {
	test('hourly rollups from jobs, runs and dead letters; idempotent; p_since bounds the hours', async () => {
		const { h } = await one(db.pool, `select date_trunc('hour', now()) as h`);
		const H0 = new Date(h.getTime() - 3 * HOUR);
		const H1 = new Date(h.getTime() - 2 * HOUR);
		const H2 = new Date(h.getTime() - 1 * HOUR);
		const at = (base: Date, minutes: number) => new Date(base.getTime() + minutes * MIN).toISOString();

		const a = await enqueue(db.pool, { queue: 'm', source: 'src', jobType: 'jt', priority: 0 });
		const b = await enqueue(db.pool, { queue: 'm', source: 'src', jobType: 'jt', priority: 1 });
		const c = await enqueue(db.pool, { queue: 'm', source: 'src', jobType: 'jt', priority: 2, maxRetries: 0 });
		const d = await enqueue(db.pool, { queue: 'm2', source: 'src', jobType: 'other' });
		const e = await enqueue(db.pool, { queue: 'm', source: 'src', jobType: 'jt', scheduledAt: '2099-01-01T00:00:00Z' });
		for (let i = 0; i < 3; i++) await claimOne(db.pool, 'w', { queue: 'm' });
		await db.pool.query(`select mcp_jobs.complete_job($1)`, [a]);
		await db.pool.query(`select mcp_jobs.complete_job($1)`, [b]);
		await db.pool.query(`select mcp_jobs.fail_job($1, 'x')`, [c]);

		// the hours things happened in: enqueued (jobs.created_at), run ends (job_runs.finished_at), dead letters
		const enqueuedAt = (when: string, ids: string[]) =>
			db.pool.query(`update mcp_jobs.jobs set created_at = $1 where id = any ($2)`, [when, ids]);
		await enqueuedAt(at(H1, 10), [a, b, c]);
		await enqueuedAt(at(H2, 30), [d]);
		await enqueuedAt(at(H0, 30), [e]);
		await db.pool.query(`update mcp_jobs.job_runs set finished_at = $2, duration_ms = $3 where job_id = $1`, [a, at(H2, 5), 1000]);
		await db.pool.query(`update mcp_jobs.job_runs set finished_at = $2, duration_ms = $3 where job_id = $1`, [b, at(H2, 5), 3000]);
		await db.pool.query(`update mcp_jobs.job_runs set finished_at = $2 where job_id = $1`, [c, at(H1, 20)]);
		await db.pool.query(`update mcp_jobs.dead_letter_queue set created_at = $2 where job_id = $1`, [c, at(H1, 20)]);

		const n = (await one(db.pool, `select mcp_jobs.aggregate_metrics($1) as n`, [at(H1, 59)])).n;
		expect(n).toBe(3);
		const metrics = async () => (await rows(db.pool,
			`select bucket, queue, source, job_type, enqueued, completed, failed, dead_lettered,
			        avg_duration_ms::text as avg, p95_duration_ms::text as p95
			 from mcp_jobs.metrics order by bucket, queue`)).map((r) => ({ ...r, bucket: r.bucket.toISOString() }));
		const expected = [
			{ bucket: H1.toISOString(), queue: 'm', source: 'src', job_type: 'jt', enqueued: 3, completed: 0, failed: 1, dead_lettered: 1, avg: null, p95: null },
			{ bucket: H2.toISOString(), queue: 'm', source: 'src', job_type: 'jt', enqueued: 0, completed: 2, failed: 0, dead_lettered: 0, avg: '2000.0', p95: '2900.0' },
			{ bucket: H2.toISOString(), queue: 'm2', source: 'src', job_type: 'other', enqueued: 1, completed: 0, failed: 0, dead_lettered: 0, avg: null, p95: null },
		];
		expect(await metrics()).toEqual(expected);

		// again: same rows, same numbers
		expect((await one(db.pool, `select mcp_jobs.aggregate_metrics($1) as n`, [at(H1, 0)])).n).toBe(3);
		expect(await metrics()).toEqual(expected);

		// an earlier p_since takes in the earlier hour
		expect((await one(db.pool, `select mcp_jobs.aggregate_metrics($1) as n`, [at(H0, 0)])).n).toBe(4);
		expect((await metrics())[0]).toEqual({ bucket: H0.toISOString(), queue: 'm', source: 'src', job_type: 'jt', enqueued: 1, completed: 0, failed: 0, dead_lettered: 0, avg: null, p95: null });

		// default p_since: the previous hour on (counted in the same statement, so an hour boundary cannot race it)
		const def = await one(db.pool, `select mcp_jobs.aggregate_metrics() as n, date_trunc('hour', now() - interval '1 hour') as since`);
		const expectedDefault = [H2].filter((b) => b >= def.since).length * 2;
		expect(def.n).toBe(expectedDefault);
	});

	test('nothing to aggregate writes nothing', async () => {
		expect((await one(db.pool, `select mcp_jobs.aggregate_metrics() as n`)).n).toBe(0);
		expect(await rows(db.pool, `select * from mcp_jobs.metrics`)).toEqual([]);
	});
});
