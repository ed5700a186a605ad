// Flow control (set_queue_limits): concurrency and rate limits per queue and per group key hold whatever runs the
// workers. The proofs read what really happened from job_runs (runs start and end at clock time), with several
// workers claiming at once on their own connections.
import type { PoolClient } from 'pg';
import { TestDatabase } from '../support/database';
import { claim, enqueue, enqueueBatch, job, NotifyListener, one, openTestDatabase, resetQueue, rows, sleep } from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });
beforeEach(async () => {
	await resetQueue(db.pool);
	await db.pool.query(`truncate mcp_jobs_private.run_starts`);
});

interface Limits {
	max_running?: number;
	rate_limit?: number;
	rate_window_seconds?: number;
	group_max_running?: number;
	group_rate_limit?: number;
}

const setLimits = (queue: string, l: Limits) => one(db.pool,
	`select * from mcp_jobs.set_queue_limits($1, p_max_running => $2, p_rate_limit => $3, p_rate_window_seconds => $4,
	                                           p_group_max_running => $5, p_group_rate_limit => $6)`,
	[queue, l.max_running ?? null, l.rate_limit ?? null, l.rate_window_seconds ?? null, l.group_max_running ?? null, l.group_rate_limit ?? null]);

/** Enqueues `count` jobs into `queue`; spec(i) adds fields (e.g. group_key). */
async function fill(queue: string, count: number, spec: (i: number) => object = () => ({})): Promise<void> {
	for (let start = 0; start < count; start += 1000) {
		const n = Math.min(1000, count - start);
		await enqueueBatch(db.pool, Array.from({ length: n }, (_, k) => ({ source: 't', job_type: 'w', queue, payload: { i: start + k }, ...spec(start + k) })));
	}
}

/** Waits for the queue's next due time (as next_job_due_at reports it), at most 50 ms: a worker's poll. */
async function idle(c: PoolClient, queue: string | null): Promise<void> {
	const { at } = (await c.query(`select mcp_jobs.next_job_due_at($1) as at`, [queue])).rows[0];
	await sleep(at ? Math.min(Math.max(new Date(at).getTime() - Date.now(), 1), 50) : 20);
}

/**
 * `workers` workers, each on its own connection, claim up to `batch` jobs at a time (from `queue`, or any queue when
 * `anyQueue(w)`), run `work` for each job and complete it with its run id, until `total` jobs are done.
 */
async function drain(o: { queue: string; workers: number; batch: number; total: number; work?: () => Promise<unknown>; anyQueue?: (w: number) => boolean }) {
	let done = 0;
	const deadline = Date.now() + 90_000;
	await Promise.all(Array.from({ length: o.workers }, async (_, w) => {
		const c = await db.pool.connect();
		try {
			const queue = o.anyQueue?.(w) ? null : o.queue;
			while (done < o.total) {
				if (Date.now() > deadline) throw new Error(`drain stuck at ${done} of ${o.total}`);
				const jobs = (await c.query(`select id, run_id from mcp_jobs.claim_next_job($1, $2, p_limit => $3, p_lease_seconds => 60)`,
					[`w${w}`, queue, o.batch])).rows;
				if (!jobs.length) {
					await idle(c, queue);
					continue;
				}
				for (const j of jobs) {
					await o.work?.();
					await c.query(`select mcp_jobs.complete_job($1, p_run_id => $2)`, [j.id, j.run_id]);
					done++;
				}
			}
		} finally {
			c.release();
		}
	}));
}

/** The most runs of the queue (optionally per group key) that were running at the same instant. */
async function peakConcurrency(queue: string, perKey = false): Promise<number> {
	const { peak } = await one(db.pool, `
		with ev as (
			select ${perKey ? 'j.group_key' : `''`} as k, r.started_at as t, 1 as d
			from mcp_jobs.job_runs r join mcp_jobs.jobs j on j.id = r.job_id where j.queue = $1
			union all
			select ${perKey ? 'j.group_key' : `''`}, r.finished_at, -1
			from mcp_jobs.job_runs r join mcp_jobs.jobs j on j.id = r.job_id where j.queue = $1
		)
		select max(n)::int as peak from (select sum(d) over (partition by k order by t, d rows unbounded preceding) as n from ev) x`,
	[queue]);
	return peak;
}

/** The most run starts of the queue (optionally per group key) in any window of `seconds`. */
async function peakStartsInWindow(queue: string, seconds: number, perKey = false): Promise<number> {
	const { peak } = await one(db.pool, `
		with s as (select ${perKey ? 'j.group_key' : `''`} as k, r.started_at
		           from mcp_jobs.job_runs r join mcp_jobs.jobs j on j.id = r.job_id where j.queue = $1)
		select max((select count(*) from s s2 where s2.k = s1.k and s2.started_at >= s1.started_at
		                                         and s2.started_at < s1.started_at + make_interval(secs => $2::float8)))::int as peak
		from s s1`, [queue, seconds]);
	return peak;
}

test('group_max_running 1: 8 workers over 5,000 jobs in 50 keys; no two runs of a key overlap and each key runs in order', async () => {
	await setLimits('g', { group_max_running: 1 });
	await fill('g', 5000, (i) => ({ group_key: `customer-${i % 50}` }));
	await drain({ queue: 'g', workers: 8, batch: 10, total: 5000 });

	expect(await one(db.pool, `select count(*)::int as runs, count(distinct job_id)::int as jobs from mcp_jobs.job_runs`))
		.toEqual({ runs: 5000, jobs: 5000 });
	expect(await peakConcurrency('g', true)).toBe(1);
	const outOfOrder = await rows(db.pool, `
		select j.group_key from mcp_jobs.job_runs r join mcp_jobs.jobs j on j.id = r.job_id
		group by j.group_key
		having array_agg(j.seq order by r.started_at) <> array_agg(j.seq order by j.seq)`);
	expect(outOfOrder).toEqual([]);
	// keys ran in parallel, not one after the other
	expect(await peakConcurrency('g')).toBeGreaterThan(1);
});

test('group_max_running: within a key, lower priority numbers start first, then enqueue order', async () => {
	await setLimits('p', { group_max_running: 1 });
	const ids = [];
	for (const priority of [5, 5, 1, 5, 0]) ids.push(await enqueue(db.pool, { queue: 'p', priority, payload: { priority } }));
	await db.pool.query(`update mcp_jobs.jobs set group_key = 'k' where queue = 'p'`);
	const order = [];
	for (let i = 0; i < 5; i++) {
		const [c] = await claim(db.pool, 'w', { queue: 'p', limit: 5 });
		expect(await claim(db.pool, 'w2', { queue: 'p', limit: 5 })).toEqual([]); // the key is busy
		order.push(c.id);
		await db.pool.query(`select mcp_jobs.complete_job($1)`, [c.id]);
	}
	expect(order).toEqual([ids[4], ids[2], ids[0], ids[1], ids[3]]);
});

test('max_running 3: never more than 3 runs at once across 8 workers, some claiming from any queue', async () => {
	await setLimits('m', { max_running: 3 });
	await fill('m', 300);
	await drain({ queue: 'm', workers: 8, batch: 5, total: 300, work: () => sleep(2), anyQueue: (w) => w % 2 === 1 });
	expect(await peakConcurrency('m')).toBe(3);
	expect(await one(db.pool, `select count(*)::int as n from mcp_jobs.jobs where queue = 'm' and status = 'completed'`)).toEqual({ n: 300 });
});

test('rate_limit 100 per second: no 1-second window has more than 100 starts, and the drain runs at >= 90 % of the limit', async () => {
	await setLimits('r', { rate_limit: 100, rate_window_seconds: 1 });
	await fill('r', 350);
	await drain({ queue: 'r', workers: 4, batch: 50, total: 350 });
	expect(await peakStartsInWindow('r', 1)).toBe(100);
	// a limiter admits a window's worth at once, so starts come in bursts: count the starts in the whole windows from
	// the first start (with 350 jobs: 3 windows, 300 starts at full speed)
	const { windows, starts } = await one(db.pool, `
		with b as (select min(started_at) as t0, floor(extract(epoch from max(started_at) - min(started_at)))::int as k
		           from mcp_jobs.job_runs)
		select b.k as windows, (select count(*)::int from mcp_jobs.job_runs r where r.started_at < b.t0 + make_interval(secs => b.k)) as starts
		from b`);
	expect(windows).toBeGreaterThanOrEqual(2);
	expect(starts).toBeGreaterThanOrEqual(0.9 * 100 * windows);
});

test('group_rate_limit 5 per second per key: each key within its limit, keys in parallel', async () => {
	await setLimits('gr', { group_rate_limit: 5, rate_window_seconds: 1 });
	await fill('gr', 36, (i) => ({ group_key: `k${i % 3}` }));
	await drain({ queue: 'gr', workers: 3, batch: 10, total: 36 });
	expect(await peakStartsInWindow('gr', 1, true)).toBe(5);
	expect(await peakStartsInWindow('gr', 1)).toBe(15);
});

test('a worker killed mid-job keeps its slot until its lease expires, not longer', async () => {
	await setLimits('k', { max_running: 1, group_max_running: 1 });
	await fill('k', 3, () => ({ group_key: 'same' }));
	const [held] = await claim(db.pool, 'dies', { queue: 'k', leaseSeconds: 60 });
	expect(held).toBeDefined();
	// the worker is gone; the others find no room while its lease holds
	expect(await claim(db.pool, 'alive', { queue: 'k', limit: 5 })).toEqual([]);
	expect(await claim(db.pool, 'alive', { limit: 5 })).toEqual([]);
	expect(await one(db.pool, `select running::int, waiting_on_limit::int from mcp_jobs.get_queue_stats('k')`))
		.toEqual({ running: 1, waiting_on_limit: 2 });
	await db.pool.query(`update mcp_jobs.jobs set lease_expires_at = now() - interval '1 second' where id = $1`, [held.id]);
	const [next] = await claim(db.pool, 'alive', { queue: 'k', limit: 5 });
	// the expired job was re-queued first and is still its key's next job, so it runs again
	expect(next).toMatchObject({ id: held.id, attempts: 2, worker_id: 'alive' });
	expect(await claim(db.pool, 'alive', { queue: 'k', limit: 5 })).toEqual([]);
});

test('a key whose next job is not due yet waits for it; other keys and ungrouped jobs go on', async () => {
	await setLimits('s', { group_max_running: 2 });
	const later = await enqueue(db.pool, { queue: 's', scheduledAt: new Date(Date.now() + 3_600_000) });
	const after = await enqueue(db.pool, { queue: 's' });
	const other = await enqueue(db.pool, { queue: 's' });
	const loose = await enqueue(db.pool, { queue: 's' });
	await db.pool.query(`update mcp_jobs.jobs set group_key = case id when $1 then 'a' when $2 then 'a' when $3 then 'b' end
	                     where id in ($1, $2, $3)`, [later, after, other]);
	const claimed = (await claim(db.pool, 'w', { queue: 's', limit: 10 })).map((j) => j.id).sort();
	expect(claimed).toEqual([other, loose].sort());
	expect((await job(db.pool, after)).status).toBe('queued');
});

interface QueueRow { id: string; group_key: string | null; priority: number; seq: string; sched_us: string; due: boolean; status: string }

/** What a grouped claim of `limit` should take, worked out here from the rows: per key with room (group_max_running
 * minus its running jobs) its next jobs in priority, then enqueue order while they are due, and the due ungrouped
 * jobs; the first `limit` of those in claim order. `front`: the largest position of a taken job among all due jobs
 * in claim order. */
function expectedClaim(all: QueueRow[], groupMaxRunning: number, limit: number): { ids: string[]; front: number } {
	const claimOrder = (a: QueueRow, b: QueueRow) =>
		a.priority - b.priority || Number(BigInt(a.sched_us) - BigInt(b.sched_us)) || Number(BigInt(a.seq) - BigInt(b.seq));
	const queued = all.filter((r) => r.status === 'queued');
	const running = new Map<string, number>();
	for (const r of all) if (r.status === 'running' && r.group_key) running.set(r.group_key, (running.get(r.group_key) ?? 0) + 1);
	const byKey = new Map<string, QueueRow[]>();
	for (const r of queued) if (r.group_key) byKey.set(r.group_key, [...(byKey.get(r.group_key) ?? []), r]);
	const candidates = queued.filter((r) => !r.group_key && r.due);
	for (const [key, jobs] of byKey) {
		jobs.sort((a, b) => a.priority - b.priority || Number(BigInt(a.seq) - BigInt(b.seq)));
		const room = groupMaxRunning - (running.get(key) ?? 0);
		for (const j of jobs.slice(0, Math.max(room, 0))) {
			if (!j.due) break;
			candidates.push(j);
		}
	}
	const taken = candidates.sort(claimOrder).slice(0, limit);
	const dueOrder = queued.filter((r) => r.due).sort(claimOrder).map((r) => r.id);
	return { ids: taken.map((r) => r.id).sort(), front: Math.max(-1, ...taken.map((r) => dueOrder.indexOf(r.id))) };
}

test('grouped claims take what the limits allow, whether the first due jobs hold enough keys with room or not', async () => {
	await setLimits('eq', { group_max_running: 2 });
	let seed = 7;
	const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
	// one busy key first (200 jobs ahead of everything else), then 40 keys with mixed priorities, some jobs not due
	// for an hour, and ungrouped jobs
	await fill('eq', 200, () => ({ group_key: 'hot' }));
	await fill('eq', 400, (i) => ({
		group_key: i % 10 === 9 ? null : `k${i % 40}`,
		priority: Math.floor(random() * 3),
		...(random() < 0.1 ? { scheduled_at: new Date(Date.now() + 3_600_000).toISOString() } : {}),
	}));
	let beyondFront = 0;
	for (let round = 0; round < 40; round++) {
		const state = await rows<QueueRow>(db.pool, `
			select id, group_key, priority, seq::text, ((extract(epoch from scheduled_at) * 1000000)::bigint)::text as sched_us,
			       scheduled_at <= now() as due, status
			from mcp_jobs.jobs where queue = 'eq'`);
		const expected = expectedClaim(state, 2, 10);
		// the claim reads at most 4 * p_limit + 64 due jobs before it looks at every key
		if (expected.front >= 4 * 10 + 64) beyondFront++;
		const claimed = await claim(db.pool, `w${round}`, { queue: 'eq', limit: 10 });
		expect(claimed.map((j) => j.id).sort()).toEqual(expected.ids);
		// finish some of what runs, so that keys keep changing between full and with room
		for (const j of claimed) if (random() < 0.6) await db.pool.query(`select mcp_jobs.complete_job($1, p_run_id => $2)`, [j.id, j.run_id]);
	}
	// both ways were taken: claims whose jobs lay beyond the first due jobs, and claims within them
	expect(beyondFront).toBeGreaterThan(0);
	expect(beyondFront).toBeLessThan(40);
});

test('next_job_due_at: when the rate window is full, the time it reopens', async () => {
	await setLimits('w', { rate_limit: 2, rate_window_seconds: 60 });
	await fill('w', 5);
	expect(await claim(db.pool, 'w', { queue: 'w', limit: 5 })).toHaveLength(2);
	expect(await claim(db.pool, 'w', { queue: 'w', limit: 5 })).toEqual([]);
	const r = await one(db.pool, `
		select mcp_jobs.next_job_due_at('w') as due,
		       (select min(started_at) + interval '60 seconds' from mcp_jobs.jobs where queue = 'w') as reopens,
		       (select started_in_window::int from mcp_jobs.get_queue_stats('w')) as started`);
	expect(r.due).toEqual(r.reopens);
	expect(r.started).toBe(2);
});

test('next_job_due_at: when max_running is reached, the earliest lease expiry; a finished job wakes listeners', async () => {
	await setLimits('f', { max_running: 1 });
	await fill('f', 2);
	const [c] = await claim(db.pool, 'w', { queue: 'f', leaseSeconds: 120 });
	const { due, lease } = await one(db.pool, `select mcp_jobs.next_job_due_at('f') as due, lease_expires_at as lease from mcp_jobs.jobs where id = $1`, [c.id]);
	expect(due).toEqual(lease);
	const listener = new NotifyListener(db.url);
	await listener.start();
	try {
		await listener.take(db.pool);
		await db.pool.query(`select mcp_jobs.complete_job($1)`, [c.id]);
		expect(await listener.take(db.pool)).toEqual([{ id: null, queue: 'f', job_type: null, priority: null, count: null }]);
	} finally {
		await listener.stop();
	}
});

test('limits of a paused queue, and removing limits (null)', async () => {
	await setLimits('x', { max_running: 1 });
	await fill('x', 3);
	await db.pool.query(`select mcp_jobs.set_queue_paused('x', true)`);
	expect(await claim(db.pool, 'w', { queue: 'x', limit: 3 })).toEqual([]);
	await db.pool.query(`select mcp_jobs.set_queue_paused('x', false)`);
	expect(await claim(db.pool, 'w', { queue: 'x', limit: 3 })).toHaveLength(1);
	const settings = await setLimits('x', {});
	expect(settings).toMatchObject({ queue: 'x', processing_enabled: true, max_running: null, rate_limit: null, group_max_running: null });
	expect(await claim(db.pool, 'w', { queue: 'x', limit: 3 })).toHaveLength(2);
});

test('get_queue_stats shows the limits, what runs and what waits on a limit', async () => {
	await setLimits('st', { max_running: 2, group_max_running: 1, rate_limit: 50, rate_window_seconds: 10 });
	await fill('st', 6, (i) => ({ group_key: i < 4 ? 'a' : null }));
	await claim(db.pool, 'w', { queue: 'st', limit: 10 });
	const stats = await one(db.pool, `select * from mcp_jobs.get_queue_stats('st')`);
	expect(stats).toMatchObject({
		queue: 'st', max_running: 2, rate_limit: 50, rate_window_seconds: 10, group_max_running: 1, group_rate_limit: null,
		running: '2', due: '4', started_in_window: '2', waiting_on_limit: '4',
	});
	const unlimited = await one(db.pool, `select * from mcp_jobs.get_queue_stats('nothing-set')`);
	expect(unlimited).toMatchObject({ max_running: null, started_in_window: null, waiting_on_limit: '0' });
});
