// Plans that outlive the table size they were made for. plpgsql caches its statements' plans, and a claim uses a
// generic plan on purpose (re-planning cost more than the claim); a plan made while mcp_jobs.jobs was small favours
// scanning the whole table, and is only replaced once the table is ANALYZEd, which autovacuum may do minutes later.
// The hot functions must keep finding jobs through their indexes meanwhile. auto_explain shows every plan they run.
import type { PoolClient } from 'pg';
import type { TestDatabase } from '../support/database';
import { collectPlans, enqueueBatch, openTestDatabase } from './helpers';

let db: TestDatabase;
let c: PoolClient;
const plans: string[] = [];

const jobs = (n: number) => Array.from({ length: n }, (_, i) => ({ source: 's', job_type: 't', queue: 'grow', payload: { i } }));

/** One round of the worker calls: claim 10, then complete, fail, heartbeat and snooze some of them. */
async function workerRound(): Promise<void> {
	const held = (await c.query(`select id as job_id, run_id from mcp_jobs.claim_next_job('w', 'grow', p_limit => 10)`)).rows;
	const item = (k: number, extra: object = {}) => JSON.stringify(held.slice(k, k + 2).map((h) => ({ ...h, ...extra })));
	await c.query(`select * from mcp_jobs.heartbeat_jobs($1::jsonb)`, [item(0)]);
	await c.query(`select * from mcp_jobs.complete_jobs($1::jsonb)`, [item(0)]);
	await c.query(`select * from mcp_jobs.fail_jobs($1::jsonb)`, [item(2, { error: 'x' })]);
	await c.query(`select * from mcp_jobs.snooze_jobs($1::jsonb)`, [item(4, { seconds: 60 })]);
	await c.query(`select * from mcp_jobs.release_jobs($1::uuid[], 'w')`, [held.slice(6).map((h) => h.job_id)]);
}

beforeAll(async () => {
	db = await openTestDatabase();
	await db.pool.query(`alter table mcp_jobs.jobs set (autovacuum_enabled = false)`); // no ANALYZE during the test
	c = await db.pool.connect();
	await enqueueBatch(c, jobs(100));
	for (let i = 0; i < 8; i++) await workerRound(); // the plans are made (and go generic) while the table is small
	for (let k = 0; k < 4; k++) await enqueueBatch(c, jobs(10_000));
	await collectPlans(c, plans);
}, 120_000);
afterAll(async () => {
	c?.release();
	await db?.drop();
});

test('the table grew 400-fold without an ANALYZE: claims and finishes still use the indexes, no scan of all jobs', async () => {
	const { rows } = await db.pool.query(`select reltuples from pg_class where oid = 'mcp_jobs.jobs'::regclass`);
	expect(Number(rows[0].reltuples)).toBeLessThan(1000); // the planner's idea of the table: still small
	plans.length = 0;
	await workerRound();
	const scans = plans.filter((plan) => /Seq Scan on jobs\b/.test(plan)).map((plan) => /Query Text: (.*)/.exec(plan)?.[1]);
	expect(plans.length).toBeGreaterThan(10);
	expect(scans).toEqual([]);
});

test('a claim from one queue looks for expired leases of that queue only: a seek, not a read of every running job', async () => {
	const busy = Array.from({ length: 500 }, (_, i) => ({ source: 's', job_type: 't', queue: 'busy', payload: { i } }));
	await enqueueBatch(c, busy);
	await c.query(`select 1 from mcp_jobs.claim_next_job('other', 'busy', p_limit => 500, p_lease_seconds => 3600)`);
	plans.length = 0;
	await c.query(`select 1 from mcp_jobs.claim_next_job('w', 'grow', p_limit => 1)`);
	const leaseChecks = plans.filter((plan) => /Query Text: .*lease_expires_at < now\(\)/s.test(plan) && !/Query Text: select 1 from mcp_jobs.claim/.test(plan));
	expect(leaseChecks).toHaveLength(1);
	expect(leaseChecks[0]).toMatch(/Index Cond: \(\(queue = [^)]*\) AND \(lease_expires_at < now\(\)\)\)/);
});
