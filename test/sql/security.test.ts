// Privileges: anon and authenticated get nothing, service_role gets everything it needs; only the documented API
// is in mcp_jobs (helpers are in mcp_jobs_private, which is never exposed); every function pins search_path; RLS is
// on for every table.
import { PoolClient } from 'pg';
import { TestDatabase } from '../support/database';
import { one, openTestDatabase, pgError, rows } from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });

/** Runs fn on one connection as `role` inside a transaction that is always rolled back. */
async function asRole<T>(role: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
	const c = await db.pool.connect();
	try {
		await c.query('begin');
		await c.query(`set local role ${role}`);
		return await fn(c);
	} finally {
		await c.query('rollback').catch(() => undefined);
		c.release();
	}
}

const CALLS = [
	`select mcp_jobs.enqueue_job('n8n', 'sync')`,
	`select * from mcp_jobs.enqueue_jobs('[]')`,
	`select * from mcp_jobs.claim_next_job('w')`,
	`select mcp_jobs.complete_job(gen_random_uuid())`,
	`select mcp_jobs.fail_job(gen_random_uuid(), 'x')`,
	`select mcp_jobs.get_job(gen_random_uuid())`,
	`select * from mcp_jobs.list_jobs()`,
	`select * from mcp_jobs.get_queue_stats()`,
	`select * from mcp_jobs.search_jobs()`,
	`select * from mcp_jobs.get_throughput()`,
	`select * from mcp_jobs.get_dead_letter_groups()`,
	`select mcp_jobs.set_queue_paused('default', true)`,
	`select mcp_jobs.aggregate_metrics()`,
	`select * from mcp_jobs.cleanup_jobs()`,
];
const TABLES = ['jobs', 'job_runs', 'job_events', 'dead_letter_queue', 'metrics', 'queue_settings', 'schema_migrations'];
const SCHEMAS = `(select oid from pg_namespace where nspname in ('mcp_jobs', 'mcp_jobs_private'))`;
/** The documented SQL API (README, docs/sql-api.md): all that schema mcp_jobs holds. */
const API = [
	'aggregate_metrics', 'cancel_job', 'cancel_jobs', 'claim_next_job', 'cleanup_jobs', 'complete_job', 'complete_jobs',
	'enqueue_job', 'enqueue_jobs', 'fail_job', 'fail_jobs', 'get_dead_letter_groups', 'get_job', 'get_job_results',
	'get_jobs', 'get_queue_stats', 'get_throughput', 'heartbeat_job', 'heartbeat_jobs', 'list_dead_letters',
	'list_jobs', 'log_job_event', 'log_job_events', 'next_job_due_at', 'reap_expired_jobs', 'release_jobs',
	'requeue_dead_letter', 'requeue_dead_letters', 'resolve_dead_letter', 'resolve_dead_letters', 'retry_job',
	'retry_jobs', 'search_jobs', 'set_queue_limits', 'set_queue_paused', 'snooze_job', 'snooze_jobs',
];

describe.each(['anon', 'authenticated'])('%s is denied', (role) => {
	test.each(CALLS)('%s', async (sql) => {
		const error = await asRole(role, (c) => pgError(c.query(sql)));
		expect({ code: error.code, message: error.message }).toEqual({ code: '42501', message: expect.stringMatching(/permission denied/) });
	});

	test.each(TABLES)('select from mcp_jobs.%s', async (table) => {
		const error = await asRole(role, (c) => pgError(c.query(`select * from mcp_jobs.${table}`)));
		expect(error.code).toBe('42501');
	});

	test('no privilege on either schema, any table or any function', async () => {
		const r = await one(db.pool, `
			select has_schema_privilege($1, 'mcp_jobs', 'usage') or has_schema_privilege($1, 'mcp_jobs_private', 'usage') as usage,
			       (select count(*)::int from pg_class c where c.relnamespace in ${SCHEMAS} and c.relkind in ('r', 'p', 'v', 'S')
			          and (has_table_privilege($1, c.oid, 'select') or has_table_privilege($1, c.oid, 'insert')
			               or has_table_privilege($1, c.oid, 'update') or has_table_privilege($1, c.oid, 'delete'))) as tables,
			       (select count(*)::int from pg_proc p where p.pronamespace in ${SCHEMAS}
			          and has_function_privilege($1, p.oid, 'execute')) as functions`, [role]);
		expect(r).toEqual({ usage: false, tables: 0, functions: 0 });
	});
});

describe('service_role', () => {
	test('runs the whole job lifecycle', async () => {
		await asRole('service_role', async (c) => {
			const { id } = (await c.query(`select mcp_jobs.enqueue_job('n8n', 'sync', '{"a":1}') as id`)).rows[0];
			await c.query(`select * from mcp_jobs.enqueue_jobs('[{"source":"s","job_type":"t","idempotency_key":"k"}]')`);
			const claimed = (await c.query(`select * from mcp_jobs.claim_next_job('w', p_limit => 2)`)).rows;
			expect(claimed).toHaveLength(2);
			await c.query(`select * from mcp_jobs.heartbeat_job($1, 'w', 60, 10, 'going')`, [id]);
			await c.query(`select mcp_jobs.log_job_event($1, 'note')`, [id]);
			await c.query(`select mcp_jobs.complete_job($1, '{}', 'w')`, [id]);
			const other = claimed.find((j) => j.id !== id).id;
			await c.query(`select * from mcp_jobs.fail_job($1, 'x', 'w', false)`, [other]);
			const dl = (await c.query(`select id from mcp_jobs.list_dead_letters()`)).rows[0].id;
			await c.query(`select mcp_jobs.requeue_dead_letter($1)`, [dl]);
			await c.query(`select mcp_jobs.cancel_job($1)`, [other]);
			await c.query(`select mcp_jobs.retry_job($1)`, [other]);
			await c.query(`select mcp_jobs.get_job($1)`, [id]);
			await c.query(`select * from mcp_jobs.list_jobs()`);
			await c.query(`select * from mcp_jobs.get_queue_stats()`);
			await c.query(`select mcp_jobs.set_queue_paused('default', true, 'x')`);
			await c.query(`select mcp_jobs.aggregate_metrics(now() - interval '1 day')`);
			await c.query(`select mcp_jobs.next_job_due_at()`);
			await c.query(`select * from mcp_jobs.reap_expired_jobs()`);
			await c.query(`select * from mcp_jobs.cleanup_jobs(0)`);
			for (const t of TABLES) await c.query(`select count(*) from mcp_jobs.${t}`);
			expect((await c.query(`select current_user as u`)).rows[0].u).toBe('service_role');
		});
	});

	test('may execute every function and use every table', async () => {
		const r = await one(db.pool, `
			select (select count(*)::int from pg_proc p where p.pronamespace in ${SCHEMAS}
			          and not has_function_privilege('service_role', p.oid, 'execute')) as functions_denied,
			       (select count(*)::int from pg_class c where c.relnamespace in ${SCHEMAS} and c.relkind = 'r'
			          and not has_table_privilege('service_role', c.oid, 'select, insert, update, delete')) as tables_denied`);
		expect(r).toEqual({ functions_denied: 0, tables_denied: 0 });
	});
});

describe('catalog checks', () => {
	test('PUBLIC has no EXECUTE on any function (no NULL acl, no PUBLIC entry)', async () => {
		const r = await rows(db.pool, `
			select p.oid::regprocedure::text as fn from pg_proc p
			where p.pronamespace in ${SCHEMAS}
			  and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0))`);
		expect(r).toEqual([]);
	});

	test('schema mcp_jobs holds exactly the documented API, each function with a catalog comment', async () => {
		const all = await rows(db.pool, `select p.proname, obj_description(p.oid, 'pg_proc') as comment from pg_proc p
		                                where p.pronamespace = 'mcp_jobs'::regnamespace order by 1`);
		expect([...new Set(all.map((f) => f.proname))]).toEqual(API);
		expect(all.filter((f) => !f.comment).map((f) => f.proname)).toEqual([]);
	});

	test('every function in mcp_jobs and mcp_jobs_private has search_path="" in proconfig', async () => {
		const all = await rows(db.pool, `select p.oid::regprocedure::text as fn, p.proconfig from pg_proc p
		                                where p.pronamespace in ${SCHEMAS} order by 1`);
		expect(all.length).toBeGreaterThan(40);
		expect(all.filter((f) => !(f.proconfig ?? []).includes('search_path=""')).map((f) => f.fn)).toEqual([]);
	});

	test('RLS is enabled on every table', async () => {
		const all = await rows(db.pool, `select c.relname, c.relrowsecurity from pg_class c
		                                where c.relnamespace in ${SCHEMAS} and c.relkind in ('r', 'p') order by 1`);
		expect(all.map((t) => t.relname)).toEqual(expect.arrayContaining(TABLES));
		expect(all.filter((t) => !t.relrowsecurity).map((t) => t.relname)).toEqual([]);
	});
});
