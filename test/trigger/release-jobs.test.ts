// release_jobs (migrations/20260120000400): claimed-but-never-started jobs go back to queued as if unclaimed.
import { createTestDatabase, TestDatabase } from '../support/database';
import { NotifyListener } from '../sql/helpers';
import { enqueueN, historyOf, runsOf } from './helpers';

let db: TestDatabase;
beforeAll(async () => {
	db = await createTestDatabase();
});
afterAll(async () => {
	await db.drop();
});

const claim = async (worker: string, queue: string, limit = 10) =>
	(
		await db.pool.query(`select * from mcp_jobs.claim_next_job(p_worker_id => $1, p_queue => $2, p_limit => $3)`, [
			worker,
			queue,
			limit,
		])
	).rows;

const release = async (ids: Array<string | null>, worker: string | null) =>
	(await db.pool.query(`select * from mcp_jobs.release_jobs($1::uuid[], $2)`, [ids, worker])).rows;

test('puts claimed jobs back to queued without counting the attempt, removes the run, wakes listeners', async () => {
	const [a, b] = await enqueueN(db.pool, 'rel-1', 2);
	// a first run that failed and was retried: release must restore it as the current run
	await claim('w', 'rel-1', 1);
	await db.pool.query(`select mcp_jobs.fail_job($1, 'first try', p_retryable => true, p_retry_delay_seconds => 0)`, [a]);
	const before = (await db.pool.query(`select id, attempts, run_id, started_at from mcp_jobs.jobs where id = $1`, [a])).rows[0];

	const claimed = await claim('w', 'rel-1');
	expect(claimed.map((j) => j.id).sort()).toEqual([a, b].sort());

	const listener = new NotifyListener(db.url);
	await listener.start();
	try {
		const out = await release([a, b], 'w');
		expect(out).toEqual([
			{ ordinal: 1, job_id: a, ok: true, status: 'queued', error_code: null, error_message: null },
			{ ordinal: 2, job_id: b, ok: true, status: 'queued', error_code: null, error_message: null },
		]);
		expect(await listener.take(db.pool)).toEqual([expect.objectContaining({ queue: 'rel-1', count: 2 })]);
	} finally {
		await listener.stop();
	}

	const jobs = (await db.pool.query(`select * from mcp_jobs.jobs where queue = 'rel-1' order by seq`)).rows;
	expect(jobs.map((j) => [j.status, j.attempts, j.worker_id, j.lease_expires_at])).toEqual([
		['queued', before.attempts, null, null],
		['queued', 0, null, null],
	]);
	expect(jobs[0].run_id).toBe(before.run_id);
	expect(jobs[0].started_at).toEqual(before.started_at);
	expect(jobs[1].run_id).toBeNull();
	expect((await runsOf(db.pool, a)).map((r) => r.status)).toEqual(['failed']);
	expect(await runsOf(db.pool, b)).toEqual([]);
	const events = await historyOf(db.pool, b);
	// as if never claimed: no run, so no 'started' in its history; the release itself is recorded
	expect(events.map((e) => e.event_type)).toEqual(['enqueued', 'requeued']);
	expect(events[1].message).toMatch(/released by worker w before it started/);

	// claimable again, as attempt 1
	const again = await claim('other', 'rel-1');
	expect(again.find((j) => j.id === b)?.attempts).toBe(1);
});

test('reports per item: unknown job, not running, another worker, duplicates, null ids', async () => {
	const [held, other, queued] = await enqueueN(db.pool, 'rel-2', 3);
	await db.pool.query(`select mcp_jobs.claim_next_job('w', 'rel-2', null, 1)`);
	await db.pool.query(`select mcp_jobs.claim_next_job('x', 'rel-2', null, 1)`);
	const unknown = '00000000-0000-4000-8000-000000000000';
	const out = await release([held, unknown, queued, other, held, null], 'w');
	expect(out.map((r) => [r.ok, r.error_code])).toEqual([
		[true, null],
		[false, 'PT404'],
		[false, 'PT409'],
		[false, 'PT409'],
		[false, 'PT409'],
		[false, '22023'],
	]);
	expect(out[2].error_message).toMatch(/is queued, not running/);
	expect(out[3].error_message).toMatch(/held by worker x, not w/);
	expect(out[4].error_message).toMatch(/more than once/);
	const statuses = (await db.pool.query(`select id, status from mcp_jobs.jobs where queue = 'rel-2'`)).rows;
	expect(Object.fromEntries(statuses.map((r) => [r.id, r.status]))).toEqual({ [held]: 'queued', [other]: 'running', [queued]: 'queued' });
});

test('rejects a missing worker id or id list with 22023', async () => {
	await expect(release([], '  ')).rejects.toMatchObject({ code: '22023', message: expect.stringMatching(/p_worker_id is blank/) });
	await expect(
		db.pool.query(`select * from mcp_jobs.release_jobs(null, 'w')`),
	).rejects.toMatchObject({ code: '22023' });
	expect(await release([], 'w')).toEqual([]);
});

test('only service_role (not PUBLIC) may execute it', async () => {
	const { rows } = await db.pool.query(
		`select has_function_privilege('service_role', 'mcp_jobs.release_jobs(uuid[], text, uuid[])', 'execute') as service,
		        has_function_privilege('anon', 'mcp_jobs.release_jobs(uuid[], text, uuid[])', 'execute') as anon`,
	);
	expect(rows[0]).toEqual({ service: true, anon: false });
});
