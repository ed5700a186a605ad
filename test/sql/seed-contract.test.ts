// Seed 000's contract: its SQL (monitoring, verification, troubleshooting) runs unchanged against this schema
// and gives the expected numbers; its Python/Bash/n8n call shapes (named arguments) work.
import { TestDatabase } from '../support/database';
import { job, one, openTestDatabase, resetQueue, rows } from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });
beforeEach(async () => { await resetQueue(db.pool); });

// ---- verbatim from seed 000 ("Monitoring & Alerts" > "Key Metrics") ----
const QUEUE_DEPTH_BY_SOURCE = `
SELECT
    source,
    status,
    COUNT(*) as count,
    MIN(created_at) as oldest_job
FROM mcp_jobs.jobs
WHERE status IN ('queued', 'running')
GROUP BY source, status
ORDER BY count DESC;`;

const SUCCESS_RATE = `
SELECT
    source,
    job_type,
    COUNT(*) FILTER (WHERE status = 'completed') as completed,
    COUNT(*) FILTER (WHERE status = 'failed') as failed,
    ROUND(
        100.0 * COUNT(*) FILTER (WHERE status = 'completed') /
        NULLIF(COUNT(*) FILTER (WHERE status IN ('completed', 'failed')), 0),
        2
    ) as success_rate_pct
FROM mcp_jobs.jobs
WHERE created_at > NOW() - INTERVAL '7 days'
GROUP BY source, job_type
ORDER BY success_rate_pct ASC;`;

const DLQ_UNRESOLVED = `
SELECT
    source,
    job_type,
    COUNT(*) as count,
    MAX(created_at) as last_failure
FROM mcp_jobs.dead_letter_queue
WHERE NOT resolved
GROUP BY source, job_type
ORDER BY count DESC;`;

const AVERAGE_DURATION = `
SELECT
    j.source,
    j.job_type,
    COUNT(*) as total_jobs,
    AVG(EXTRACT(EPOCH FROM (j.finished_at - j.started_at)) * 1000) as avg_duration_ms,
    PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (j.finished_at - j.started_at)) * 1000) as p95_duration_ms
FROM mcp_jobs.jobs j
WHERE
    j.finished_at IS NOT NULL
    AND j.created_at > NOW() - INTERVAL '7 days'
GROUP BY j.source, j.job_type
ORDER BY p95_duration_ms DESC;`;

// ---- verbatim from seed 000 ("Deployment" > "Verification", "Troubleshooting") ----
const VERIFY_TABLES = `
SELECT schemaname, tablename
FROM pg_tables
WHERE schemaname = 'mcp_jobs'
ORDER BY tablename;`;

const MANUAL_CLAIM = `SELECT mcp_jobs.claim_next_job('manual-worker');`;

const RESET_STUCK = `
UPDATE mcp_jobs.jobs
SET
    status = 'queued',
    worker_id = NULL,
    started_at = NULL
WHERE
    status = 'running'
    AND started_at < NOW() - INTERVAL '1 hour';`;

const COMMON_FAILURES = `
SELECT
    final_error,
    COUNT(*) as count
FROM mcp_jobs.dead_letter_queue
WHERE NOT resolved
GROUP BY final_error
ORDER BY count DESC
LIMIT 10;`;

const MARK_RESOLVED = (id: string) => `
UPDATE mcp_jobs.dead_letter_queue
SET
    resolved = true,
    resolved_at = NOW(),
    resolved_by = 'admin',
    resolution_notes = 'Fixed upstream service issue'
WHERE id = '${id}';`;

/** A job row with times in hours/ms relative to now(). */
async function seedJob(source: string, jobType: string, status: string, o: { createdHoursAgo?: number; durationMs?: number; startedHoursAgo?: number } = {}) {
	const finished = ['completed', 'failed', 'cancelled'].includes(status);
	await db.pool.query(
		`insert into mcp_jobs.jobs (source, job_type, status, created_at, started_at, finished_at, attempts)
		 values ($1, $2, $3, now() - make_interval(hours => $4),
		         case when $3 = 'running' then now() - make_interval(secs => $6::float8 * 3600)
		              when $5 then now() - interval '10 minutes' - make_interval(secs => $7::float8 / 1000) end,
		         case when $5 then now() - interval '10 minutes' end,
		         case when $3 = 'queued' then 0 else 1 end)`,
		[source, jobType, status, o.createdHoursAgo ?? 1, finished, o.startedHoursAgo ?? 0, o.durationMs ?? 0],
	);
}

async function seedDeadLetter(source: string, jobType: string, error: string, createdHoursAgo: number, resolved = false): Promise<string> {
	return (await one(db.pool,
		`insert into mcp_jobs.dead_letter_queue (job_id, queue, source, job_type, payload, final_error, attempts, created_at, resolved)
		 values (gen_random_uuid(), 'default', $1, $2, '{}', $3, 4, now() - make_interval(hours => $4), $5) returning id`,
		[source, jobType, error, createdHoursAgo, resolved])).id;
}

async function seedAll() {
	await seedJob('vercel', 'discovery', 'queued', { createdHoursAgo: 3 });
	await seedJob('vercel', 'discovery', 'queued', { createdHoursAgo: 1 });
	await seedJob('vercel', 'discovery', 'running', { startedHoursAgo: 0.1 });
	for (const ms of [1000, 2000, 3000]) await seedJob('vercel', 'discovery', 'completed', { durationMs: ms });
	await seedJob('vercel', 'discovery', 'failed', { durationMs: 4000 });
	await seedJob('odoo', 'bir_1601c', 'queued', { createdHoursAgo: 2 });
	await seedJob('odoo', 'bir_1601c', 'completed', { durationMs: 500 });
	await seedJob('odoo', 'bir_1601c', 'completed', { durationMs: 100000, createdHoursAgo: 240 }); // older than 7 days
	await seedJob('n8n', 'sync', 'failed', { durationMs: 100 });
	await seedJob('n8n', 'sync', 'failed', { durationMs: 300 });
	await seedDeadLetter('vercel', 'discovery', 'Discovery timeout', 1);
	await seedDeadLetter('vercel', 'discovery', 'Discovery timeout', 2);
	await seedDeadLetter('vercel', 'discovery', 'old', 3, true);
	return seedDeadLetter('n8n', 'sync', '401 Unauthorized', 5);
}

test('queue depth by source', async () => {
	await seedAll();
	const r = await rows(db.pool, QUEUE_DEPTH_BY_SOURCE);
	const { now } = await one(db.pool, `select now() as now`);
	expect(r[0]).toMatchObject({ source: 'vercel', status: 'queued', count: '2' });
	const hoursAgo = (now.getTime() - r[0].oldest_job.getTime()) / 3600_000;
	expect(hoursAgo).toBeGreaterThanOrEqual(3);
	expect(hoursAgo).toBeLessThan(3.05);
	expect(r.slice(1).map((x) => `${x.source}/${x.status}=${x.count}`).sort()).toEqual(['odoo/queued=1', 'vercel/running=1']);
});

test('success rate by source and job type', async () => {
	await seedAll();
	expect(await rows(db.pool, SUCCESS_RATE)).toEqual([
		{ source: 'n8n', job_type: 'sync', completed: '0', failed: '2', success_rate_pct: '0.00' },
		{ source: 'vercel', job_type: 'discovery', completed: '3', failed: '1', success_rate_pct: '75.00' },
		{ source: 'odoo', job_type: 'bir_1601c', completed: '1', failed: '0', success_rate_pct: '100.00' },
	]);
});

test('dead letter queue (unresolved failures)', async () => {
	await seedAll();
	const r = await rows(db.pool, DLQ_UNRESOLVED);
	expect(r.map((x) => [x.source, x.job_type, x.count])).toEqual([['vercel', 'discovery', '2'], ['n8n', 'sync', '1']]);
	const { h } = await one(db.pool, `select extract(epoch from (now() - $1::timestamptz)) / 3600 as h`, [r[0].last_failure]);
	expect(Number(h)).toBeCloseTo(1, 2);
	expect(await rows(db.pool, COMMON_FAILURES)).toEqual([
		{ final_error: 'Discovery timeout', count: '2' },
		{ final_error: '401 Unauthorized', count: '1' },
	]);
});

test('average job duration by type, with PERCENTILE_CONT', async () => {
	await seedAll();
	const r = (await rows(db.pool, AVERAGE_DURATION)).map((x) => ({
		source: x.source, job_type: x.job_type, total_jobs: Number(x.total_jobs),
		avg: Math.round(Number(x.avg_duration_ms) * 1000) / 1000, p95: Math.round(Number(x.p95_duration_ms) * 1000) / 1000,
	}));
	expect(r).toEqual([
		{ source: 'vercel', job_type: 'discovery', total_jobs: 4, avg: 2500, p95: 3850 },
		{ source: 'odoo', job_type: 'bir_1601c', total_jobs: 1, avg: 500, p95: 500 },
		{ source: 'n8n', job_type: 'sync', total_jobs: 2, avg: 200, p95: 290 },
	]);
});

test('the monitoring queries agree with what the functions record', async () => {
	// the same numbers when the rows come from the API instead of inserts
	const a = (await one(db.pool, `select mcp_jobs.enqueue_job(p_source => 'vercel', p_job_type => 'discovery') as id`)).id;
	const b = (await one(db.pool, `select mcp_jobs.enqueue_job(p_source => 'vercel', p_job_type => 'discovery') as id`)).id;
	await db.pool.query(`select * from mcp_jobs.claim_next_job('w', p_limit => 2)`);
	await db.pool.query(`select mcp_jobs.complete_job($1)`, [a]);
	await db.pool.query(`select mcp_jobs.fail_job($1, 'Discovery timeout', p_retryable => false)`, [b]);
	expect(await rows(db.pool, SUCCESS_RATE)).toEqual([
		{ source: 'vercel', job_type: 'discovery', completed: '1', failed: '1', success_rate_pct: '50.00' },
	]);
	expect((await rows(db.pool, DLQ_UNRESOLVED)).map((x) => [x.source, x.job_type, x.count])).toEqual([['vercel', 'discovery', '1']]);
	expect(await rows(db.pool, QUEUE_DEPTH_BY_SOURCE)).toEqual([]);
	expect((await rows(db.pool, AVERAGE_DURATION))[0]).toMatchObject({ source: 'vercel', job_type: 'discovery', total_jobs: '2' });
});

test('verification: the five tables of the seed exist', async () => {
	const r = (await rows(db.pool, VERIFY_TABLES)).map((x) => x.tablename);
	expect(r).toEqual(expect.arrayContaining(['dead_letter_queue', 'job_events', 'job_runs', 'jobs', 'metrics']));
});

test("troubleshooting: SELECT mcp_jobs.claim_next_job('manual-worker') claims the next job", async () => {
	expect(await rows(db.pool, MANUAL_CLAIM)).toEqual([]);
	const low = (await one(db.pool, `select mcp_jobs.enqueue_job('s', 't', p_priority => 9) as id`)).id;
	const high = (await one(db.pool, `select mcp_jobs.enqueue_job('s', 't', p_priority => 1) as id`)).id;
	const r = await rows(db.pool, MANUAL_CLAIM);
	expect(r).toHaveLength(1);
	expect(String(r[0].claim_next_job)).toContain(high);
	expect(await job(db.pool, high)).toMatchObject({ status: 'running', worker_id: 'manual-worker', attempts: 1 });
	expect((await job(db.pool, low)).status).toBe('queued');
});

test('troubleshooting: reset stuck jobs and mark a dead letter resolved (seed SQL) work', async () => {
	await seedJob('vercel', 'discovery', 'running', { startedHoursAgo: 2 });
	await seedJob('vercel', 'discovery', 'running', { startedHoursAgo: 0.1 });
	const reset = await db.pool.query(RESET_STUCK);
	expect(reset.rowCount).toBe(1);
	expect(await rows(db.pool, `select status, count(*)::int as n from mcp_jobs.jobs group by status order by status`))
		.toEqual([{ status: 'queued', n: 1 }, { status: 'running', n: 1 }]);
	expect(await rows(db.pool, `select * from mcp_jobs.claim_next_job('w')`)).toHaveLength(1);

	const dl = await seedDeadLetter('n8n', 'sync', 'x', 1);
	expect((await db.pool.query(MARK_RESOLVED(dl))).rowCount).toBe(1);
	expect(await rows(db.pool, DLQ_UNRESOLVED)).toEqual([]);
	expect(await one(db.pool, `select resolved_by, resolution_notes from mcp_jobs.dead_letter_queue where id = $1`, [dl]))
		.toEqual({ resolved_by: 'admin', resolution_notes: 'Fixed upstream service issue' });
});

describe("the seed's call shapes (named arguments, as PostgREST passes them)", () => {
	test('Python: p_source, p_job_type, p_payload, p_priority', async () => {
		const { id } = await one(db.pool,
			`select mcp_jobs.enqueue_job(p_source => $1, p_job_type => 'discovery', p_payload => $2::jsonb, p_priority => 5) as id`,
			['vercel', JSON.stringify({ project_id: 'xyz123', fetch_integrations: true })]);
		expect(await job(db.pool, id)).toMatchObject({
			source: 'vercel', job_type: 'discovery', payload: { project_id: 'xyz123', fetch_integrations: true }, priority: 5, status: 'queued',
		});
	});

	test('Bash: p_source, p_job_type, p_payload', async () => {
		const { id } = await one(db.pool,
			`select mcp_jobs.enqueue_job(p_source => $1, p_job_type => $2, p_payload => $3::jsonb) as id`,
			['digitalocean', 'discovery', '{\n    "droplet_id": "12345",\n    "action": "discovery"\n}']);
		expect(await job(db.pool, id)).toMatchObject({ source: 'digitalocean', payload: { droplet_id: '12345', action: 'discovery' }, priority: 5 });
	});

	test('n8n: p_source, p_job_type, p_payload; scheduled job with priority and max retries', async () => {
		const { id } = await one(db.pool,
			`select mcp_jobs.enqueue_job(p_source => 'n8n', p_job_type => 'sync', p_payload => '{"a":1}') as id`);
		expect(await job(db.pool, id)).toMatchObject({ source: 'n8n', job_type: 'sync' });
		const { id: bir } = await one(db.pool,
			`select mcp_jobs.enqueue_job(p_source => 'odoo', p_job_type => 'bir_1601c', p_payload => '{"period":"2026-01","agency":"RIM"}',
			                             p_priority => 1, p_scheduled_at => '2026-02-01T00:00:00Z', p_max_retries => 5) as id`);
		const j = await job(db.pool, bir);
		expect(j).toMatchObject({ priority: 1, max_retries: 5 });
		expect(j.scheduled_at.toISOString()).toBe('2026-02-01T00:00:00.000Z');
	});

	test('the seed flow: complete_job(job_id, result) and fail_job(job_id, error)', async () => {
		const ok = (await one(db.pool, `select mcp_jobs.enqueue_job(p_source => 'vercel', p_job_type => 'discovery', p_payload => '{"full_scan":true}') as id`)).id;
		const bad = (await one(db.pool, `select mcp_jobs.enqueue_job(p_source => 'vercel', p_job_type => 'discovery', p_payload => '{}') as id`)).id;
		await db.pool.query(`select * from mcp_jobs.claim_next_job('w', p_limit => 2)`);
		await db.pool.query(`select mcp_jobs.complete_job(p_job_id => $1, p_result => '{"nodes_count":42,"edges_count":38}')`, [ok]);
		await db.pool.query(`select mcp_jobs.fail_job(p_job_id => $1, p_error => 'Discovery timeout')`, [bad]);
		expect(await job(db.pool, ok)).toMatchObject({ status: 'completed', result: { nodes_count: 42, edges_count: 38 } });
		expect(await job(db.pool, bad)).toMatchObject({ status: 'queued', error: 'Discovery timeout', attempts: 1 });
	});
});
