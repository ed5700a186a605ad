// The dashboard's queue functions (migrations/20261130100500_mcp_jobs_dashboard.sql): search_jobs, get_throughput,
// get_dead_letter_groups and get_queue_stats' duration sample, each checked against SQL written independently here;
// their bad input; and, on a queue of 30,000 jobs, that none reads every job.
import type { PoolClient } from 'pg';
import { TestDatabase } from '../support/database';
import { claim, collectPlans, enqueueBatch, expectPgError, one, openTestDatabase, resetQueue, rows } from './helpers';

let db: TestDatabase;
beforeAll(async () => {
	db = await openTestDatabase();
});
afterAll(async () => {
	await db.drop();
});

const HOUR = 3600_000;
const ids = (list: Array<{ id: string }>) => list.map((r) => r.id);

describe('search_jobs', () => {
	let waitingId: string;
	beforeAll(async () => {
		await resetQueue(db.pool);
		// 60 jobs: 3 queues, 4 sources, 3 types, priorities 0-4, a third with an idempotency key, some with LIKE's
		// special characters in the key
		await enqueueBatch(
			db.pool,
			Array.from({ length: 60 }, (_, i) => ({
				queue: ['a', 'b', 'c'][i % 3],
				source: ['s1', 's2', 's3', 's4'][i % 4],
				job_type: ['t1', 't2', 't3'][i % 5 % 3],
				priority: (i * 7) % 5,
				payload: { i },
				...(i % 3 === 0 ? { idempotency_key: `order-${i}` } : {}),
				...(i === 1 ? { idempotency_key: 'pct%_1' } : {}),
				...(i === 2 ? { idempotency_key: 'pctX1' } : {}),
			})),
		);
		// statuses: some running, completed, failed, cancelled; one waiting for another
		const running = await claim(db.pool, 'w', { queue: 'a', limit: 6 });
		await db.pool.query(`select * from mcp_jobs.complete_jobs($1::jsonb)`, [
			JSON.stringify(running.slice(0, 3).map((r) => ({ job_id: r.id, run_id: r.run_id }))),
		]);
		await db.pool.query(`select mcp_jobs.fail_job($1, 'broken', p_retryable => false)`, [running[3].id]);
		await db.pool.query(`select mcp_jobs.cancel_job(id) from mcp_jobs.jobs where queue = 'b' and priority = 4`);
		waitingId = (await one(db.pool, `select mcp_jobs.enqueue_job('s1', 't1', p_queue => 'a', p_depends_on => $1) as id`, [[running[5].id]]))
			.id;
	});

	/** Every job search_jobs should find with these filters, in the order it should, by SQL written here. */
	async function expected(where: string, order: 'created' | 'priority', params: unknown[] = []): Promise<string[]> {
		return ids(
			await rows(db.pool, `select id from mcp_jobs.jobs j where ${where} order by ${order === 'created' ? 'seq desc' : 'priority, seq'}`, params),
		);
	}

	/** Every page of a search, following the cursor from the last row as documented. */
	async function allPages(args: string, sort: 'created' | 'priority', limit: number, params: unknown[] = []): Promise<string[][]> {
		const pages: string[][] = [];
		let cursor: string | null = null;
		for (let n = 0; n < 100; n++) {
			const page: any[] = await rows(
				db.pool,
				`select * from mcp_jobs.search_jobs(${args}${args ? ', ' : ''}p_sort => $${params.length + 1}, p_limit => $${params.length + 2},
				                                    p_cursor => $${params.length + 3})`,
				[...params, sort, limit, cursor],
			);
			pages.push(ids(page));
			if (page.length < limit) return pages;
			const last = page[page.length - 1];
			cursor = sort === 'created' ? String(last.seq) : `${last.priority}:${last.seq}`;
		}
		throw new Error('more than 100 pages');
	}

	test.each([
		['no filter', '', 'true', []],
		['queue', `p_queue => $1`, `queue = $1`, ['a']],
		['status queued', `p_status => $1`, `status = $1`, ['queued']],
		['status waiting', `p_status => $1`, `status = $1`, ['waiting']],
		['source and type', `p_source => $1, p_job_type => $2`, `source = $1 and job_type = $2`, ['s2', 't2']],
		['queue, status, source', `p_queue => $1, p_status => $2, p_source => $3`, `queue = $1 and status = $2 and source = $3`, ['b', 'queued', 's3']],
	] as Array<[string, string, string, unknown[]]>)('%s: every page, both sorts, = the rows SQL finds; nothing skipped or repeated', async (_name, args, where, params) => {
		for (const sort of ['created', 'priority'] as const) {
			const want = await expected(where, sort, params);
			const pages = await allPages(args, sort, 7, params);
			expect(pages.flat()).toEqual(want);
			expect(new Set(pages.flat()).size).toBe(want.length);
			expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
		}
	});

	test('the waiting filter finds the job waiting for another', async () => {
		expect(ids(await rows(db.pool, `select id from mcp_jobs.search_jobs(p_status => 'waiting')`))).toEqual([waitingId]);
	});

	test('search: a whole job id, its first characters (any case), an idempotency key prefix', async () => {
		const all = await rows(db.pool, `select id, idempotency_key from mcp_jobs.jobs order by seq`);
		const target = all[17].id as string;
		expect(ids(await rows(db.pool, `select id from mcp_jobs.search_jobs(p_search => $1)`, [target]))).toEqual([target]);
		expect(ids(await rows(db.pool, `select id from mcp_jobs.search_jobs(p_search => $1)`, [` ${target.toUpperCase()} `]))).toEqual([target]);
		for (const length of [1, 4, 8, 9, 13, 20]) {
			const prefix = target.slice(0, length);
			const found = ids(await rows(db.pool, `select id from mcp_jobs.search_jobs(p_search => $1, p_limit => 1000)`, [prefix.toUpperCase()]));
			const want = await expected(`id::text like $1 || '%' or idempotency_key like $1 || '%'`, 'created', [prefix]);
			expect(found).toEqual(want);
			expect(found).toContain(target);
		}
		// key prefixes: case-sensitive, LIKE's % and _ are plain characters
		const order = await expected(`idempotency_key like 'order-1%'`, 'created');
		expect(order.length).toBe(3); // order-12, order-15, order-18
		expect(ids(await rows(db.pool, `select id from mcp_jobs.search_jobs(p_search => 'order-1', p_limit => 1000)`))).toEqual(order);
		expect(await rows(db.pool, `select id from mcp_jobs.search_jobs(p_search => 'ORDER-1')`)).toEqual([]);
		expect((await rows(db.pool, `select idempotency_key from mcp_jobs.search_jobs(p_search => 'pct%')`)).map((r) => r.idempotency_key)).toEqual(['pct%_1']);
		expect((await rows(db.pool, `select idempotency_key from mcp_jobs.search_jobs(p_search => 'pct_')`)).map((r) => r.idempotency_key)).toEqual([]);
		// combined with a filter and the priority sort, paged
		const want = await expected(`queue = 'a' and idempotency_key like 'order-%'`, 'priority');
		expect((await allPages(`p_queue => $1, p_search => $2`, 'priority', 3, ['a', 'order-'])).flat()).toEqual(want);
		expect(await rows(db.pool, `select id from mcp_jobs.search_jobs(p_search => 'no-such-key')`)).toEqual([]);
	});

	test('the same columns as list_jobs', async () => {
		const searched = await one(db.pool, `select * from mcp_jobs.search_jobs(p_limit => 1)`);
		const listed = await one(db.pool, `select * from mcp_jobs.list_jobs(p_limit => 1)`);
		expect(searched).toEqual(listed);
	});

	test.each([
		['p_status', `select * from mcp_jobs.search_jobs(p_status => 'done')`, /^p_status must be one of waiting, queued/],
		['p_sort', `select * from mcp_jobs.search_jobs(p_sort => 'age')`, /^p_sort must be created .* or priority/],
		['p_limit 0', `select * from mcp_jobs.search_jobs(p_limit => 0)`, /^p_limit must be a whole number from 1 to 1000/],
		['p_limit 1001', `select * from mcp_jobs.search_jobs(p_limit => 1001)`, /^p_limit must be a whole number from 1 to 1000/],
		['p_cursor created', `select * from mcp_jobs.search_jobs(p_cursor => '5:12')`, /^p_cursor must be its seq/],
		['p_cursor priority', `select * from mcp_jobs.search_jobs(p_sort => 'priority', p_cursor => '12')`, /^p_cursor must be '<priority>:<seq>'/],
		['p_cursor huge', `select * from mcp_jobs.search_jobs(p_cursor => '99999999999999999999')`, /^p_cursor must be/],
		['p_search', `select * from mcp_jobs.search_jobs(p_search => repeat('x', 201))`, /^p_search is 201 characters long/],
		['p_queue', `select * from mcp_jobs.search_jobs(p_queue => '  ')`, /^p_queue is blank/],
	])('bad %s: 22023 naming it', async (_name, sql, message) => {
		await expectPgError(db.pool.query(sql), '22023', message);
	});
});

describe('get_throughput', () => {
	let hour0: Date; // the current hour
	const hourAgo = (n: number, minute = 30) => new Date(hour0.getTime() - n * HOUR + minute * 60_000).toISOString();

	beforeAll(async () => {
		await resetQueue(db.pool);
		hour0 = (await one(db.pool, `select date_trunc('hour', now()) as h`)).h;
	});

	/** A job of `queue` created `created` hours ago (at :10), finished `finished` hours ago (at :40) as `status`. */
	async function job(queue: string, created: number, finished: number | null, status: string): Promise<string> {
		const { id } = await one(
			db.pool,
			`insert into mcp_jobs.jobs (queue, source, job_type, status, created_at, started_at, finished_at)
			 values ($1, 's', 't', $2, least($3, now() - interval '2 ms'), least($4, now() - interval '1 ms'), $4 + (least($4, now() - interval '1 ms') - $4))
			 returning id`,
			[queue, status, hourAgo(created, 10), finished === null ? null : hourAgo(finished, 40)],
		);
		if (status === 'completed') await run(id, finished!, 'completed'); // what aggregate_metrics counts
		return id;
	}

	/** A run of a job that ended `finished` hours ago (at :40; a moment ago at the latest). */
	async function run(jobId: string, finished: number, status: string) {
		await db.pool.query(
			`insert into mcp_jobs.job_runs (id, job_id, attempt, worker_id, status, started_at, finished_at)
			 values (gen_random_uuid(), $1, 1, 'w', $2, least($3, now() - interval '1 ms'), least($3, now() - interval '1 ms'))`,
			[jobId, status, hourAgo(finished, 40)],
		);
	}

	/** What get_throughput should say, by SQL written here from the definition (depth: open at each hour's end). */
	async function expectedRows(queue: string | null, hours: number) {
		return await rows(
			db.pool,
			`with h as (select g as bucket, least(g + interval '1 hour', now()) as e
			            from generate_series(date_trunc('hour', now()) - make_interval(hours => $2 - 1), date_trunc('hour', now()), interval '1 hour') g)
			 select h.bucket,
			        (select count(*) from mcp_jobs.jobs j where j.status = 'completed' and j.finished_at >= h.bucket and j.finished_at < h.bucket + interval '1 hour'
			           and ($1::text is null or j.queue = $1)) as completed,
			        (select count(*) from mcp_jobs.job_runs r join mcp_jobs.jobs j on j.id = r.job_id
			          where r.status in ('failed', 'lease_expired') and r.finished_at >= h.bucket and r.finished_at < h.bucket + interval '1 hour'
			            and ($1::text is null or j.queue = $1)) as failed,
			        (select count(*) from mcp_jobs.jobs j where j.created_at < h.e and (j.finished_at is null or j.finished_at >= h.e)
			           and ($1::text is null or j.queue = $1)) as depth
			 from h order by h.bucket`,
			[queue, hours],
		);
	}
	const strip = (list: any[]) => list.map(({ bucket, completed, failed, depth }) => ({ bucket: new Date(bucket).toISOString(), completed, failed, depth }));

	test('every hour, oldest first, counted live: completed and failed runs per hour and the open jobs at each hour end', async () => {
		for (let i = 0; i < 5; i++) await job('q', 30, 20, 'completed'); // finished before a 6-hour range
		for (let i = 0; i < 3; i++) await job('q', 5, 2, 'completed');
		for (let i = 0; i < 4; i++) await job('q', 3, 0, 'completed');
		await job('q', 2, null, 'queued');
		await job('q', 10, null, 'running'); // created before the range, open all along
		await job('q', 1, null, 'waiting');
		const failed = await job('q', 4, 1, 'failed');
		await run(failed, 3, 'failed');
		await run(failed, 1, 'lease_expired');
		await job('q', 2, 1, 'cancelled');
		await job('other', 2, 0, 'completed');
		await job('other', 1, null, 'queued');

		for (const [queue, hours] of [
			['q', 6],
			[null, 6],
			['other', 24],
			['q', 1],
			['none', 3],
		] as const) {
			const got = await rows(db.pool, `select * from mcp_jobs.get_throughput($1, $2)`, [queue, hours]);
			expect(got).toHaveLength(hours);
			expect(strip(got)).toEqual(strip(await expectedRows(queue, hours)));
			expect(got.every((r) => r.live === true)).toBe(true);
		}
		const q = await rows(db.pool, `select * from mcp_jobs.get_throughput('q', 6)`);
		expect(q.map((r) => [Number(r.completed), Number(r.failed), Number(r.depth)])).toEqual([
			[0, 0, 4], // 5 h ago: the running job, the 3 created then
			[0, 0, 5], // 4 h ago: + the failed job
			[0, 1, 9], // 3 h ago: + 4; a failed run
			[3, 0, 8], // 2 h ago: + queued, + cancelled, - 3 completed
			[0, 1, 7], // 1 h ago: + waiting, - failed, - cancelled; a lease expired
			[4, 0, 3], // now: - 4 completed; the 3 open now
		]);
	});

	test('hours that aggregate_metrics covered after they ended come from metrics (live false), the current hour never', async () => {
		await db.pool.query(`select mcp_jobs.aggregate_metrics(date_trunc('hour', now()) - interval '5 hours')`);
		const got = await rows(db.pool, `select * from mcp_jobs.get_throughput('q', 6)`);
		expect(got.map((r) => r.live)).toEqual([false, false, false, false, false, true]);
		expect(strip(got)).toEqual(strip(await expectedRows('q', 6))); // the same numbers
		// metrics rewritten (as if aggregated from other rows): the aggregated hours show metrics, the live one does not
		await db.pool.query(`update mcp_jobs.metrics set completed = completed + 100 where queue = 'q'`);
		const changed = await rows(db.pool, `select * from mcp_jobs.get_throughput('q', 6)`);
		const metricsCompleted = await rows(
			db.pool,
			`select bucket, sum(completed)::bigint as n from mcp_jobs.metrics where queue = 'q' and bucket < date_trunc('hour', now()) group by bucket`,
		);
		for (const m of metricsCompleted) {
			const row = changed.find((r) => new Date(r.bucket).getTime() === new Date(m.bucket).getTime());
			if (row) expect(row.completed).toBe(m.n);
		}
		expect(changed[5].completed).toBe('4');
		// an hour aggregated while it ran (updated_at before its end) is counted live
		await db.pool.query(`update mcp_jobs.metrics set updated_at = bucket + interval '10 minutes' where bucket = date_trunc('hour', now()) - interval '1 hour'`);
		expect((await rows(db.pool, `select live from mcp_jobs.get_throughput('q', 6)`)).map((r) => r.live)).toEqual([false, false, false, false, true, true]);
	});

	test.each([
		['p_hours 0', `select * from mcp_jobs.get_throughput(null, 0)`, /^p_hours must be a whole number from 1 to 744/],
		['p_hours 745', `select * from mcp_jobs.get_throughput(null, 745)`, /^p_hours must be a whole number from 1 to 744/],
		['p_hours null', `select * from mcp_jobs.get_throughput(null, null)`, /^p_hours must be/],
		['p_queue', `select * from mcp_jobs.get_throughput('')`, /^p_queue is blank/],
	])('bad %s: 22023 naming it', async (_name, sql, message) => {
		await expectPgError(db.pool.query(sql), '22023', message);
	});
});

describe('get_dead_letter_groups', () => {
	beforeAll(async () => {
		await resetQueue(db.pool);
		// errors by queue: a 12 x "timeout" (more than the 10 ids shown), 3 x "bad input", 1 x null; b 3 x "timeout"
		const add = (queue: string, error: string | null, n: number, resolved = false) =>
			db.pool.query(
				`insert into mcp_jobs.dead_letter_queue (job_id, queue, source, job_type, payload, final_error, attempts, resolved, created_at)
				 select gen_random_uuid(), $1, 's', 'type' || (i % 2), '{}', $2, 4, $4, now() - make_interval(mins => i)
				 from generate_series(1, $3) i`,
				[queue, error, n, resolved],
			);
		await add('a', 'timeout', 12);
		await add('a', 'bad input', 3);
		await add('a', null, 1);
		await add('b', 'timeout', 3);
		await add('a', 'timeout', 5, true); // resolved: not counted
		await add('a', 'resolved only', 2, true);
	});

	const INDEPENDENT = `
		select queue, final_error, count(*) as dead_letters, array_agg(distinct job_type order by job_type) as job_types,
		       max(created_at) as newest_at, min(created_at) as oldest_at,
		       (array_agg(id order by seq desc))[1:10] as dead_letter_ids
		from mcp_jobs.dead_letter_queue where not resolved and ($1::text is null or queue = $1)
		group by queue, final_error order by count(*) desc, max(created_at) desc, queue, final_error limit $2`;

	test.each([
		[null, 50],
		['a', 50],
		['b', 50],
		[null, 2],
		['nothing', 50],
	])('queue %s, limit %s: the groups SQL finds, largest first', async (queue, limit) => {
		const got = await rows(db.pool, `select * from mcp_jobs.get_dead_letter_groups($1, $2)`, [queue, limit]);
		expect(got).toEqual(await rows(db.pool, INDEPENDENT, [queue, limit]));
	});

	test('the numbers', async () => {
		const got = await rows(db.pool, `select queue, final_error, dead_letters::int as n, cardinality(dead_letter_ids) as ids, job_types from mcp_jobs.get_dead_letter_groups()`);
		expect(got).toEqual([
			{ queue: 'a', final_error: 'timeout', n: 12, ids: 10, job_types: ['type0', 'type1'] },
			{ queue: 'b', final_error: 'timeout', n: 3, ids: 3, job_types: ['type0', 'type1'] },
			{ queue: 'a', final_error: 'bad input', n: 3, ids: 3, job_types: ['type0', 'type1'] },
			{ queue: 'a', final_error: null, n: 1, ids: 1, job_types: ['type1'] },
		]);
		// the ids are the newest of the group: requeue them and the next call shows the rest
		const [first] = await rows(db.pool, `select dead_letter_ids from mcp_jobs.get_dead_letter_groups('a', 1)`);
		await db.pool.query(`select * from mcp_jobs.resolve_dead_letters((select jsonb_agg(jsonb_build_object('dead_letter_id', i)) from unnest($1::uuid[]) i))`, [
			first.dead_letter_ids,
		]);
		expect(await one(db.pool, `select dead_letters::int as n, cardinality(dead_letter_ids) as ids from mcp_jobs.get_dead_letter_groups('a', 1)`)).toEqual({
			n: 3,
			ids: 3,
		});
	});

	test.each([
		['p_limit 0', `select * from mcp_jobs.get_dead_letter_groups(null, 0)`, /^p_limit must be a whole number from 1 to 1000/],
		['p_limit 1001', `select * from mcp_jobs.get_dead_letter_groups(null, 1001)`, /^p_limit must be a whole number from 1 to 1000/],
		['p_queue', `select * from mcp_jobs.get_dead_letter_groups(' ')`, /^p_queue is blank/],
	])('bad %s: 22023 naming it', async (_name, sql, message) => {
		await expectPgError(db.pool.query(sql), '22023', message);
	});
});

describe('get_queue_stats: p_duration_sample', () => {
	beforeAll(async () => {
		await resetQueue(db.pool);
		// completed jobs that ran 1..6 s, the longest finished most recently
		for (let s = 1; s <= 6; s++) {
			await db.pool.query(
				`insert into mcp_jobs.jobs (queue, source, job_type, status, started_at, finished_at)
				 values ('d', 's', 't', 'completed', now() - make_interval(mins => 10 - $1, secs => $1), now() - make_interval(mins => 10 - $1))`,
				[s],
			);
		}
	});

	test('avg and p95 over the latest N completed jobs; the default (1000) takes them all; old calls work', async () => {
		const all = await one(db.pool, `select avg_duration_ms, p95_duration_ms, completed from mcp_jobs.get_queue_stats('d')`);
		expect(all).toEqual({ avg_duration_ms: '3500.0', p95_duration_ms: '5750.0', completed: '6' });
		expect(await one(db.pool, `select avg_duration_ms, p95_duration_ms from mcp_jobs.get_queue_stats('d', 24, 60, 2)`)).toEqual({
			avg_duration_ms: '5500.0',
			p95_duration_ms: '5950.0',
		});
		expect(await one(db.pool, `select completed_in_window, success_rate_pct from mcp_jobs.get_queue_stats('d', p_duration_sample => 1)`)).toEqual({
			completed_in_window: '6',
			success_rate_pct: '100.00',
		});
		expect(await one(db.pool, `select avg_duration_ms from mcp_jobs.get_queue_stats('d', 24, 60)`)).toEqual({ avg_duration_ms: '3500.0' });
		expect(await one(db.pool, `select avg_duration_ms from mcp_jobs.get_queue_stats(p_queue => 'd', p_window_hours => 24)`)).toEqual({
			avg_duration_ms: '3500.0',
		});
	});

	test.each([
		['0', 0],
		['1000001', 1_000_001],
		['null', null],
	])('bad p_duration_sample %s: 22023 naming it', async (_name, value) => {
		await expectPgError(db.pool.query(`select * from mcp_jobs.get_queue_stats('d', 24, 60, $1)`, [value]), '22023', /^p_duration_sample must be a whole number from 1 to 1000000/);
	});
});

describe('on 30,000 jobs', () => {
	let c: PoolClient;
	const plans: string[] = [];
	let keyed: string;
	let someId: string;

	beforeAll(async () => {
		await resetQueue(db.pool);
		for (let start = 0; start < 30_000; start += 10_000) {
			await enqueueBatch(
				db.pool,
				Array.from({ length: 10_000 }, (_, i) => ({
					source: 's',
					job_type: 't',
					queue: 'big',
					priority: (start + i) % 10,
					payload: {},
					...((start + i) % 3 === 0 ? { idempotency_key: `big-${start + i}` } : {}),
				})),
			);
		}
		for (let left = 27_000; left > 0; left -= 1000) {
			await db.pool.query(
				`select count(*) from mcp_jobs.complete_jobs((select jsonb_agg(jsonb_build_object('job_id', c.id, 'run_id', c.run_id))
				                                              from mcp_jobs.claim_next_job('w', 'big', null, 1000) c))`,
			);
		}
		await db.pool.query(`insert into mcp_jobs.dead_letter_queue (job_id, queue, source, job_type, payload, final_error, attempts)
		                     select gen_random_uuid(), 'big', 's', 't', '{}', 'e' || (i % 7), 4 from generate_series(1, 2000) i`);
		await db.pool.query('vacuum analyze mcp_jobs.jobs');
		await db.pool.query('analyze mcp_jobs.dead_letter_queue');
		keyed = (await one(db.pool, `select idempotency_key from mcp_jobs.jobs where idempotency_key = 'big-2997'`)).idempotency_key;
		someId = (await one(db.pool, `select id from mcp_jobs.jobs where status = 'completed' offset 12345 limit 1`)).id;
		c = await db.pool.connect();
		await collectPlans(c, plans);
	}, 180_000);
	afterAll(() => c?.release());

	/** The plans of the statements one call ran that read the whole jobs table. */
	async function scansOfJobs(sql: string): Promise<string[]> {
		plans.length = 0;
		await c.query(sql);
		expect(plans.length).toBeGreaterThan(0);
		return plans.filter((plan) => /Seq Scan on jobs\b/.test(plan)).map((plan) => /Query Text: (.*)/.exec(plan)?.[1] ?? plan);
	}

	/** How many job rows (or index entries of jobs) the statements of one call read, from their EXPLAIN ANALYZE. */
	async function jobRowsRead(sql: string): Promise<number> {
		await c.query(`set auto_explain.log_analyze = on`);
		try {
			plans.length = 0;
			await c.query(sql);
		} finally {
			await c.query(`set auto_explain.log_analyze = off`);
		}
		let read = 0;
		for (const plan of plans) {
			for (const m of plan.matchAll(/(?:Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan)(?: Backward)?(?: using \w+)? on jobs \w+ .*actual time=\S+ rows=(\d+) loops=(\d+)/g)) {
				read += Number(m[1]) * Number(m[2]);
			}
		}
		return read;
	}

	// 0.1.0's get_queue_stats read every job twice (57,000 rows here)
	test.each([
		['get_queue_stats', `select * from mcp_jobs.get_queue_stats()`],
		['get_queue_stats (one queue)', `select * from mcp_jobs.get_queue_stats('big')`],
		['get_throughput', `select * from mcp_jobs.get_throughput()`],
	])('%s reads each job once at most (plus the 1,000 of the duration sample)', async (_name, sql) => {
		const read = await jobRowsRead(sql);
		expect(read).toBeGreaterThanOrEqual(27_000);
		expect(read).toBeLessThanOrEqual(31_000);
	});

	test.each([
		['search_jobs (newest first)', `select * from mcp_jobs.search_jobs()`],
		['search_jobs (key prefix)', `select * from mcp_jobs.search_jobs(p_search => 'big-299')`],
		['search_jobs (id prefix)', `select * from mcp_jobs.search_jobs(p_search => 'abcd')`],
		['search_jobs (waiting)', `select * from mcp_jobs.search_jobs(p_status => 'waiting')`],
		['get_dead_letter_groups', `select * from mcp_jobs.get_dead_letter_groups()`],
	])('%s reads no job it does not need (no scan of the jobs table)', async (_name, sql) => {
		expect(await scansOfJobs(sql)).toEqual([]);
	});

	test('the searches find what they look for there', async () => {
		const keys = (await rows(c, `select idempotency_key from mcp_jobs.search_jobs(p_search => $1)`, [keyed])).map((r) => r.idempotency_key);
		expect(keys.sort()).toEqual([keyed, ...[0, 3, 6, 9].map((d) => `${keyed}${d}`)]); // big-2997 and big-29970 to big-29979
		expect(ids(await rows(c, `select id from mcp_jobs.search_jobs(p_search => $1)`, [someId.slice(0, 13)]))).toContain(someId);
		const stats = await one(c, `select completed, queued, completed_in_window from mcp_jobs.get_queue_stats('big')`);
		expect(stats).toEqual({ completed: '27000', queued: '3000', completed_in_window: '27000' });
		const now = await rows(c, `select completed, depth from mcp_jobs.get_throughput('big', 1)`);
		expect(now).toEqual([{ completed: '27000', depth: '3000' }]);
	});
});
