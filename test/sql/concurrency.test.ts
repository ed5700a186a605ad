// Exactly-once claiming: 8 connections race claim_next_job + complete_jobs over 5,000 jobs.
import { Client } from 'pg';
import { TestDatabase } from '../support/database';
import { enqueueBatch, one, openTestDatabase, rows } from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });

const JOBS = 5000;
const WORKERS = 8;

test(`${WORKERS} concurrent workers claim each of ${JOBS} jobs exactly once`, async () => {
	const specs = Array.from({ length: JOBS }, (_, i) => ({
		source: 'bench', job_type: i % 3 === 0 ? 'a' : 'b', payload: { i },
		priority: i % 4, queue: i % 2 === 0 ? 'even' : 'odd',
	}));
	const enqueued = await enqueueBatch(db.pool, specs);
	const allIds = enqueued.map((r) => r.id as string);
	expect(new Set(allIds).size).toBe(JOBS);

	const clients = Array.from({ length: WORKERS }, () => new Client({ connectionString: db.url }));
	await Promise.all(clients.map((c) => c.connect()));
	try {
		const claimedBy: string[][] = await Promise.all(clients.map(async (client, w) => {
			const mine: string[] = [];
			const worker = `worker-${w}`;
			let seed = w + 1;
			for (;;) {
				seed = (seed * 1103515245 + 12345) % 2147483648;
				const limit = 1 + (seed % 50);
				const { rows: claimed } = await client.query(
					`select id from mcp_jobs.claim_next_job($1, null, null, $2)`, [worker, limit]);
				if (claimed.length === 0) break;
				const ids = claimed.map((r) => r.id as string);
				mine.push(...ids);
				const { rows: done } = await client.query(
					`select ok, error_code from mcp_jobs.complete_jobs($1::jsonb)`,
					[JSON.stringify(ids.map((id) => ({ job_id: id, worker_id: worker, result: { by: worker } })))]);
				expect(done.filter((r) => !r.ok)).toEqual([]);
			}
			return mine;
		}));

		const union = claimedBy.flat();
		expect(union).toHaveLength(JOBS); // no job claimed twice
		expect(new Set(union).size).toBe(JOBS);
		expect([...union].sort()).toEqual([...allIds].sort());
		// several workers really took part
		expect(claimedBy.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
	} finally {
		await Promise.all(clients.map((c) => c.end()));
	}

	const perJob = await rows(db.pool,
		`select count(r.id)::int as runs, count(*)::int as jobs
		 from mcp_jobs.jobs j left join mcp_jobs.job_runs r on r.job_id = j.id
		 group by j.id having count(r.id) <> 1`);
	expect(perJob).toEqual([]);
	const summary = await one(db.pool,
		`select count(*)::int as jobs,
		        count(*) filter (where status = 'completed' and attempts = 1)::int as completed_once,
		        (select count(*)::int from mcp_jobs.job_runs where status = 'completed') as completed_runs,
		        (select count(*)::int from mcp_jobs.job_runs where started_at <= finished_at) as runs_in_order
		 from mcp_jobs.jobs`);
	expect(summary).toEqual({ jobs: JOBS, completed_once: JOBS, completed_runs: JOBS, runs_in_order: JOBS });
	// each job's result names the worker that its run row names
	const { mismatched } = await one(db.pool,
		`select count(*)::int as mismatched from mcp_jobs.jobs j join mcp_jobs.job_runs r on r.id = j.run_id
		 where j.result ->> 'by' is distinct from r.worker_id or j.worker_id is distinct from r.worker_id`);
	expect(mismatched).toBe(0);
});
