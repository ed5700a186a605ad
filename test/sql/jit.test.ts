// No API function pays for JIT compilation per call. PostgreSQL ships with jit = on: a statement whose estimated
// cost passes jit_above_cost (100,000) is compiled on every execution, ~20 ms for a call that runs in 0.1 ms
// (0.1.0's enqueue did). The planner's decision shows in each plan; auto_explain logs the plan of every statement
// the functions run (nested ones too), so the test reads the decision itself, with PostgreSQL's default costs and
// a queue big enough for realistic estimates.
// PostgreSQL plans JIT only where its LLVM provider is installed, which the embedded server is not (nor is it in
// every distribution's package). global-setup gives this test a migrated database on the test server when that one
// can JIT, else on the server of JIT_DATABASE_URL (e.g. Debian's PostgreSQL 15, as .ci/run finds it); with neither,
// the tests are skipped and jest counts them as skipped.
import { Pool, type PoolClient } from 'pg';
import { collectPlans, enqueueBatch, one, rows } from './helpers';

const JIT_URL = process.env.MCP_JOBS_TEST_JIT_URL;
const describeWithJit = JIT_URL ? describe : describe.skip;

describeWithJit('with jit = on', () => {
	let pool: Pool;
	let c: PoolClient;
	const plans: string[] = [];

	beforeAll(async () => {
		pool = new Pool({ connectionString: JIT_URL });
		pool.on('error', () => undefined);
		await pool.query('truncate mcp_jobs.jobs cascade');
		for (let start = 0; start < 50_000; start += 10_000) {
			await enqueueBatch(pool, Array.from({ length: 10_000 }, (_, i) => ({ source: 's', job_type: 't', payload: { i: start + i } })));
		}
		await pool.query('analyze');
		c = await pool.connect();
		for (const setting of ['jit_above_cost', 'jit_inline_above_cost', 'jit_optimize_above_cost']) await c.query(`reset ${setting}`);
		await c.query(`set jit = on`);
		await collectPlans(c, plans);
	}, 120_000);
	afterAll(async () => {
		c?.release();
		await pool?.end();
	});

	/** The statements (query text, first line) of one call that the planner chose to JIT-compile. */
	async function jitted(sql: string, params: unknown[] = []): Promise<string[]> {
		plans.length = 0;
		await c.query(sql, params);
		return plans.filter((plan) => /\nJIT:/.test(plan)).map((plan) => /Query Text: (.*)/.exec(plan)?.[1] ?? plan);
	}

	const items = (n: number, item: (i: number) => object) => JSON.stringify(Array.from({ length: n }, (_, i) => item(i)));
	const held = async (n: number) =>
		await rows(c, `select id as job_id, run_id from mcp_jobs.claim_next_job('w', 'default', p_limit => $1)`, [n]);

	test('the planner is set to JIT (jit = on, default costs) and does for a query over the jobs table', async () => {
		expect((await one(c, 'show jit')).jit).toBe('on');
		expect((await one(c, 'show jit_above_cost')).jit_above_cost).toBe('100000');
		expect(await jitted(`explain select count(*) from mcp_jobs.jobs j cross join generate_series(1, 1000)`)).toHaveLength(1);
	});

	const calls: Array<[string, () => Promise<[string, unknown[]]>]> = [
		['enqueue_job', async () => [`select mcp_jobs.enqueue_job('s', 't', '{"a":1}')`, []]],
		['enqueue_jobs (1)', async () => [`select * from mcp_jobs.enqueue_jobs($1::jsonb)`, [items(1, () => ({ source: 's', job_type: 't' }))]]],
		['enqueue_jobs (100)', async () => [`select * from mcp_jobs.enqueue_jobs($1::jsonb)`, [items(100, (i) => ({ source: 's', job_type: 't', payload: { i } }))]]],
		['claim_next_job (1)', async () => [`select * from mcp_jobs.claim_next_job('w', 'default')`, []]],
		['claim_next_job (10, any queue)', async () => [`select * from mcp_jobs.claim_next_job('w', p_limit => 10)`, []]],
		['claim_next_job (100)', async () => [`select * from mcp_jobs.claim_next_job('w', 'default', p_limit => 100)`, []]],
		['complete_jobs (100)', async () => [`select * from mcp_jobs.complete_jobs($1::jsonb)`, [JSON.stringify(await held(100))]]],
		['fail_jobs (10)', async () => [`select * from mcp_jobs.fail_jobs($1::jsonb)`, [JSON.stringify((await held(10)).map((h) => ({ ...h, error: 'x' })))]]],
		['heartbeat_jobs (10)', async () => [`select * from mcp_jobs.heartbeat_jobs($1::jsonb)`, [JSON.stringify(await held(10))]]],
		['snooze_jobs (10)', async () => [`select * from mcp_jobs.snooze_jobs($1::jsonb)`, [JSON.stringify((await held(10)).map((h) => ({ ...h, seconds: 5 })))]]],
		['next_job_due_at', async () => [`select mcp_jobs.next_job_due_at('default')`, []]],
		['reap_expired_jobs', async () => [`select * from mcp_jobs.reap_expired_jobs()`, []]],
		['get_queue_stats', async () => [`select * from mcp_jobs.get_queue_stats()`, []]],
		['list_jobs', async () => [`select * from mcp_jobs.list_jobs(p_status => 'queued')`, []]],
		['search_jobs', async () => [`select * from mcp_jobs.search_jobs(p_search => 'a', p_sort => 'priority')`, []]],
		['get_throughput', async () => [`select * from mcp_jobs.get_throughput()`, []]],
		['get_dead_letter_groups', async () => [`select * from mcp_jobs.get_dead_letter_groups()`, []]],
		['aggregate_metrics', async () => [`select mcp_jobs.aggregate_metrics()`, []]],
	];

	test.each(calls)('%s: no statement it runs is JIT-compiled', async (_name, prepare) => {
		const [sql, params] = await prepare();
		expect(await jitted(sql, params)).toEqual([]);
	});
});
