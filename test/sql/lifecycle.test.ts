// The job lifecycle beyond enqueue/claim/finish: dedupe modes, snooze, dependencies (fan-out / fan-in), results.
import { TestDatabase } from '../support/database';
import {
	claim, claimOne, enqueue, enqueueBatch, eventTypes, expectPgError, expireLease, history, job, one, openTestDatabase, resetQueue, rows,
	runsOf, snapshotTables,
} from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });
beforeEach(async () => {
	await resetQueue(db.pool);
	await db.pool.query('truncate mcp_jobs.job_dependencies');
});

/** enqueue_jobs with one spec; returns its row. */
const enqueueOne = async (spec: object) => (await enqueueBatch(db.pool, [{ source: 's', job_type: 't', ...spec }]))[0];
const complete = (id: string) => db.pool.query(`select mcp_jobs.complete_job($1, '{"done":true}')`, [id]);
const jobsWithKey = async (key: string) =>
	(await rows(db.pool, `select id, status from mcp_jobs.jobs where idempotency_key = $1 order by seq`, [key])).length;

describe('dedupe modes', () => {
	test('forever (the default): the key is taken until cleanup, also after its job finished', async () => {
		const first = await enqueueOne({ idempotency_key: 'k' });
		await claimOne(db.pool, 'w');
		await complete(first.id);
		expect(await enqueueOne({ idempotency_key: 'k' })).toMatchObject({ id: first.id, duplicate: true, replaced: false });
		expect(await enqueueOne({ idempotency_key: 'k', dedupe_mode: 'forever' })).toMatchObject({ id: first.id, duplicate: true });
	});

	test('while_active: the key blocks while its job is queued or running; once it finished the key is free', async () => {
		const first = await enqueueOne({ idempotency_key: 'k', dedupe_mode: 'while_active' });
		expect(await enqueueOne({ idempotency_key: 'k', dedupe_mode: 'while_active' })).toMatchObject({ id: first.id, duplicate: true });
		await claimOne(db.pool, 'w');
		expect(await enqueueOne({ idempotency_key: 'k', dedupe_mode: 'while_active' })).toMatchObject({ id: first.id, duplicate: true });
		await complete(first.id);
		const second = await enqueueOne({ idempotency_key: 'k', dedupe_mode: 'while_active' });
		expect(second).toMatchObject({ duplicate: false, status: 'queued' });
		expect(second.id).not.toBe(first.id);
		// the finished job keeps its idempotency key to show; the new one holds the key
		expect(await job(db.pool, first.id)).toMatchObject({ idempotency_key: 'k', dedupe_key: null });
		expect(await job(db.pool, second.id)).toMatchObject({ idempotency_key: 'k', dedupe_key: 'k' });
	});

	test('window: the first job wins for dedupe_seconds after its enqueue', async () => {
		const first = await enqueueOne({ idempotency_key: 'w', dedupe_mode: 'window', dedupe_seconds: 60 });
		expect(await enqueueOne({ idempotency_key: 'w', dedupe_mode: 'window', dedupe_seconds: 60 })).toMatchObject({ id: first.id, duplicate: true });
		await db.pool.query(`update mcp_jobs.jobs set created_at = now() - interval '61 seconds' where id = $1`, [first.id]);
		const second = await enqueueOne({ idempotency_key: 'w', dedupe_mode: 'window', dedupe_seconds: 60 });
		expect(second).toMatchObject({ duplicate: false });
		expect(second.id).not.toBe(first.id);
		expect((await job(db.pool, first.id)).status).toBe('queued'); // the window frees the key, it does not touch the job
	});

	test('replace (debounce): a queued holder gets the new payload and run time; a running one is left and a new job queued', async () => {
		const at = new Date(Date.now() + 3_600_000).toISOString();
		const first = await enqueueOne({ idempotency_key: 'r', dedupe_mode: 'replace', payload: { v: 1 } });
		const again = await enqueueOne({ idempotency_key: 'r', dedupe_mode: 'replace', payload: { v: 2 }, scheduled_at: at });
		expect(again).toMatchObject({ id: first.id, duplicate: false, replaced: true });
		expect(await job(db.pool, first.id)).toMatchObject({ payload: { v: 2 }, scheduled_at: new Date(at), status: 'queued' });

		await db.pool.query(`update mcp_jobs.jobs set scheduled_at = now() where id = $1`, [first.id]);
		await claimOne(db.pool, 'w');
		const next = await enqueueOne({ idempotency_key: 'r', dedupe_mode: 'replace', payload: { v: 3 } });
		expect(next).toMatchObject({ duplicate: false, replaced: false, status: 'queued' });
		expect(next.id).not.toBe(first.id);
		expect(await job(db.pool, first.id)).toMatchObject({ payload: { v: 2 }, status: 'running' });
		expect(await enqueueOne({ idempotency_key: 'r', dedupe_mode: 'replace', payload: { v: 4 } }))
			.toMatchObject({ id: next.id, replaced: true });
		expect((await job(db.pool, next.id)).payload).toEqual({ v: 4 });
	});

	test.each(['forever', 'while_active', 'window', 'replace'])('%s: 8 concurrent enqueues of one key make exactly one job', async (mode) => {
		// a finished holder first, so that the modes that free a key have one to take over
		const old = await enqueueOne({ idempotency_key: `c-${mode}`, dedupe_mode: mode, ...(mode === 'window' ? { dedupe_seconds: 1 } : {}) });
		await claimOne(db.pool, 'w');
		await complete(old.id);
		await db.pool.query(`update mcp_jobs.jobs set created_at = now() - interval '1 minute' where id = $1`, [old.id]);
		const clients = await Promise.all(Array.from({ length: 8 }, () => db.pool.connect()));
		try {
			const spec = JSON.stringify([{ source: 's', job_type: 't', idempotency_key: `c-${mode}`, dedupe_mode: mode,
				...(mode === 'window' ? { dedupe_seconds: 60 } : {}) }]);
			const results = await Promise.all(clients.map((c) => c.query('select * from mcp_jobs.enqueue_jobs($1::jsonb)', [spec])));
			const ids = new Set(results.map((r) => r.rows[0].id));
			expect(ids.size).toBe(1);
			expect(await jobsWithKey(`c-${mode}`)).toBe(mode === 'forever' ? 1 : 2);
			expect(await one(db.pool, `select count(*)::int as n from mcp_jobs.jobs where dedupe_key = $1`, [`c-${mode}`])).toEqual({ n: 1 });
		} finally {
			clients.forEach((c) => c.release());
		}
	});

	test.each([
		['a mode without a key', { dedupe_mode: 'while_active' }, /^p_jobs\[0\]\.dedupe_mode needs an idempotency_key/],
		['window without seconds', { idempotency_key: 'k', dedupe_mode: 'window' }, /^p_jobs\[0\]\.dedupe_seconds is required with dedupe_mode 'window'/],
		['seconds without window', { idempotency_key: 'k', dedupe_seconds: 5 }, /^p_jobs\[0\]\.dedupe_seconds only applies to dedupe_mode 'window'/],
		['an unknown mode', { idempotency_key: 'k', dedupe_mode: 'sometimes' }, /^p_jobs\[0\]\.dedupe_mode must be 'forever', 'while_active', 'window' or 'replace'/],
		['zero seconds', { idempotency_key: 'k', dedupe_mode: 'window', dedupe_seconds: 0 }, /^p_jobs\[0\]\.dedupe_seconds must be a whole number from 1/],
	])('%s is 22023 and changes nothing', async (_name, fields, message) => {
		await enqueueOne({ idempotency_key: 'k' });
		const before = await snapshotTables(db.pool);
		await expectPgError(enqueueBatch(db.pool, [{ source: 's', job_type: 't', ...fields }]), '22023', message);
		expect(await snapshotTables(db.pool)).toEqual(before);
	});
});

describe('snooze', () => {
	test('back to queued for p_seconds without counting the attempt; the run ends as snoozed with the reason', async () => {
		const id = await enqueue(db.pool);
		const c = await claimOne(db.pool, 'w');
		const r = await one(db.pool, `select *, extract(epoch from scheduled_at - clock_timestamp())::float8 as wait
		                               from mcp_jobs.snooze_job($1, 'w', $2, p_seconds => 120, p_reason => '429: Retry-After 120')`, [id, c.run_id]);
		expect(r).toMatchObject({ job_id: id, status: 'queued', snoozes: 1 });
		expect(Math.round(r.wait)).toBe(120);
		expect(await job(db.pool, id)).toMatchObject({ status: 'queued', attempts: 0, snoozes: 1, worker_id: null, lease_expires_at: null });
		expect(await runsOf(db.pool, id)).toEqual([expect.objectContaining({ id: c.run_id, status: 'snoozed', error: '429: Retry-After 120' })]);
		expect((await history(db.pool, id)).map((e) => [e.event_type, e.message])).toEqual([
			['enqueued', null], ['started', null], ['snoozed', '429: Retry-After 120'],
		]);
		expect(await claim(db.pool, 'w')).toEqual([]); // not before its time
	});

	test('until a time; then it runs again as the same attempt', async () => {
		const id = await enqueue(db.pool);
		await claimOne(db.pool, 'w');
		const until = new Date(Date.now() + 5000).toISOString();
		expect(await one(db.pool, `select * from mcp_jobs.snooze_job($1, p_until => $2)`, [id, until]))
			.toMatchObject({ status: 'queued', scheduled_at: new Date(until) });
		await db.pool.query(`update mcp_jobs.jobs set scheduled_at = now() where id = $1`, [id]);
		expect((await claimOne(db.pool, 'w')).attempts).toBe(1);
	});

	test('after max_snoozes it counts as a failed attempt: retried, then dead-lettered', async () => {
		const [{ id }] = await enqueueBatch(db.pool, [{ source: 's', job_type: 't', max_snoozes: 1, max_retries: 0 }]);
		await claimOne(db.pool, 'w');
		await db.pool.query(`select * from mcp_jobs.snooze_job($1, p_seconds => 0)`, [id]);
		await claimOne(db.pool, 'w');
		const r = await one(db.pool, `select * from mcp_jobs.snooze_job($1, p_seconds => 30, p_reason => 'still 429')`, [id]);
		expect(r).toMatchObject({ status: 'failed', snoozes: 1 });
		expect(await job(db.pool, id)).toMatchObject({ status: 'failed', error: 'snoozed 1 times (max_snoozes), then: still 429' });
		expect(await rows(db.pool, `select job_id from mcp_jobs.dead_letter_queue`)).toEqual([{ job_id: id }]);
	});

	test('a stale run cannot snooze (its lease expired and the job was claimed again)', async () => {
		const id = await enqueue(db.pool);
		const first = await claimOne(db.pool, 'w');
		await expireLease(db.pool, id);
		await claimOne(db.pool, 'w');
		const before = await snapshotTables(db.pool);
		await expectPgError(db.pool.query(`select * from mcp_jobs.snooze_job($1, 'w', $2, 60)`, [id, first.run_id]), 'PT409', /no longer current/);
		expect(await snapshotTables(db.pool)).toEqual(before);
	});

	test('seconds or until, one of them; snooze_jobs reports per item', async () => {
		const [a, b] = [await enqueue(db.pool), await enqueue(db.pool)];
		await claim(db.pool, 'w', { limit: 2 });
		await expectPgError(db.pool.query(`select * from mcp_jobs.snooze_job($1)`, [a]), '22023', /^pass p_seconds or p_until \(one of them\)/);
		const out = await rows(db.pool, `select * from mcp_jobs.snooze_jobs($1::jsonb)`, [JSON.stringify([
			{ job_id: a, seconds: 10, until: new Date().toISOString() }, { job_id: b, seconds: 10 }, { job_id: b, seconds: 'x' },
		])]);
		expect(out.map((r) => [r.ok, r.error_code, r.status])).toEqual([[false, '22023', null], [true, null, 'queued'], [false, '22023', null]]);
		expect((await job(db.pool, a)).status).toBe('running');
	});
});

/**
 * Waits until `pending` (a statement sent on the connection whose backend is `pid`) has either finished or is blocked
 * on a lock: then it certainly ran before whatever the test does next.
 */
async function untilBlockedOrDone(pid: number, pending: Promise<unknown>): Promise<void> {
	let done = false;
	pending.then(() => (done = true), () => (done = true));
	const deadline = Date.now() + 10_000;
	while (!done) {
		const { blocked } = await one(db.pool, `select exists (select 1 from pg_stat_activity where pid = $1 and wait_event_type = 'Lock') as blocked`, [pid]);
		if (blocked) return;
		if (Date.now() > deadline) throw new Error('the statement neither finished nor waited for a lock within 10 s');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}
const backendPid = async (c: { query: (s: string) => Promise<{ rows: Array<{ pid: number }> }> }) =>
	(await c.query('select pg_backend_pid() as pid')).rows[0].pid;

describe('dependencies', () => {
	test('a job waits until every job it depends on completed, then runs; get_job shows both sides', async () => {
		const [p1, p2] = [await enqueue(db.pool), await enqueue(db.pool)];
		const { id } = await one(db.pool, `select mcp_jobs.enqueue_job('s', 'aggregate', p_depends_on => $1) as id`, [[p1, p2]]);
		expect((await job(db.pool, id)).status).toBe('waiting');
		const claimed = await claim(db.pool, 'w', { limit: 10 });
		expect(claimed.map((j) => j.id).sort()).toEqual([p1, p2].sort()); // a waiting job is never claimed
		await complete(p1);
		expect((await job(db.pool, id)).status).toBe('waiting');
		const details = (await one(db.pool, `select mcp_jobs.get_job($1) as j`, [id])).j;
		expect(details.dependencies).toEqual(expect.arrayContaining([{ job_id: p1, status: 'completed' }, { job_id: p2, status: 'running' }]));
		expect((await one(db.pool, `select mcp_jobs.get_job($1) as j`, [p1])).j.dependants).toEqual([{ job_id: id, status: 'waiting' }]);
		await complete(p2);
		expect((await job(db.pool, id)).status).toBe('queued');
		expect((await claimOne(db.pool, 'w')).id).toBe(id);
	});

	test('a dependency dead-lettered or cancelled cancels the waiting jobs, in turn, with a reason naming it', async () => {
		const p = await enqueue(db.pool, { maxRetries: 0 });
		const [{ id: a }, { id: b }] = await enqueueBatch(db.pool, [
			{ source: 's', job_type: 'a', depends_on: [p] }, { source: 's', job_type: 'b', depends_on: ['#0'] },
		]);
		const q = await enqueue(db.pool);
		const { id: c } = await one(db.pool, `select mcp_jobs.enqueue_job('s', 'c', p_depends_on => $1) as id`, [[q]]);
		await claimOne(db.pool, 'w', { jobTypes: ['work'] });
		await db.pool.query(`select * from mcp_jobs.fail_job($1, 'boom')`, [p]);
		expect(await job(db.pool, a)).toMatchObject({ status: 'cancelled', error: `cancelled: dependency ${p} was dead-lettered` });
		expect(await job(db.pool, b)).toMatchObject({ status: 'cancelled', error: `cancelled: dependency ${a} was cancelled` });
		expect((await eventTypes(db.pool, b)).slice(-1)).toEqual(['cancelled']);
		await db.pool.query(`select mcp_jobs.cancel_job($1, 'not needed')`, [q]);
		expect(await job(db.pool, c)).toMatchObject({ status: 'cancelled', error: `cancelled: dependency ${q} was cancelled` });
	});

	test('a dependency completing while the dependant is being enqueued (either commit order): the dependant runs', async () => {
		for (const order of ['enqueue first', 'complete first']) {
			const p = await enqueue(db.pool);
			await claimOne(db.pool, 'w');
			const [a, b] = [await db.pool.connect(), await db.pool.connect()];
			const [pidA, pidB] = [await backendPid(a), await backendPid(b)];
			try {
				await a.query('begin');
				await b.query('begin');
				let id: string;
				if (order === 'enqueue first') {
					id = (await a.query(`select mcp_jobs.enqueue_job('s', 'd', p_depends_on => $1) as id`, [[p]])).rows[0].id;
					const completing = b.query(`select mcp_jobs.complete_job($1)`, [p]); // waits for the enqueue's lock on p
					await untilBlockedOrDone(pidB, completing);
					await a.query('commit');
					await completing;
					await b.query('commit');
				} else {
					await b.query(`select mcp_jobs.complete_job($1)`, [p]);
					const enqueuing = a.query(`select mcp_jobs.enqueue_job('s', 'd', p_depends_on => $1) as id`, [[p]]);
					await untilBlockedOrDone(pidA, enqueuing);
					await b.query('commit');
					id = (await enqueuing).rows[0].id;
					await a.query('commit');
				}
				expect([order, (await job(db.pool, id)).status]).toEqual([order, 'queued']);
			} finally {
				a.release();
				b.release();
			}
			await resetQueue(db.pool);
		}
	});

	test('two dependencies completing at once in two transactions: the dependant runs', async () => {
		const [p1, p2] = [await enqueue(db.pool), await enqueue(db.pool)];
		const { id } = await one(db.pool, `select mcp_jobs.enqueue_job('s', 'd', p_depends_on => $1) as id`, [[p1, p2]]);
		await claim(db.pool, 'w', { limit: 2 });
		const [a, b] = [await db.pool.connect(), await db.pool.connect()];
		const pidB = await backendPid(b);
		try {
			await a.query('begin');
			await b.query('begin');
			await a.query(`select mcp_jobs.complete_job($1)`, [p1]);
			// b's settling of the dependant waits for a's lock on it, then sees p1 completed
			const completing = b.query(`select mcp_jobs.complete_job($1)`, [p2]);
			await untilBlockedOrDone(pidB, completing);
			await a.query('commit');
			await completing;
			await b.query('commit');
		} finally {
			a.release();
			b.release();
		}
		expect((await job(db.pool, id)).status).toBe('queued');
	});

	test.each([
		['an unknown job', () => [['00000000-0000-4000-8000-000000000000']], /^p_jobs\[0\]\.depends_on\[0\]: job 0{8}-0000-4000-8000-0{12} not found/],
		['a cycle among the items', () => [['#1'], ['#0']], /^p_jobs\[0\]\.depends_on: the items #0 -> #1 -> #0 wait for each other \(a cycle\)/],
		['itself', () => [['#0']], /^p_jobs\[0\]\.depends_on: "#0" must name another item of this call/],
		['a missing item', () => [['#5']], /^p_jobs\[0\]\.depends_on: "#5" must name another item of this call \(#0 to #0\)/],
		['not an id', () => [['abc']], /^p_jobs\[0\]\.depends_on\[0\] must be a job id \(UUID\) or "#i"/],
	])('depending on %s is 22023 and changes nothing', async (_name, deps, message) => {
		const before = await snapshotTables(db.pool);
		await expectPgError(enqueueBatch(db.pool, deps().map((d) => ({ source: 's', job_type: 't', depends_on: d }))), '22023', message);
		expect(await snapshotTables(db.pool)).toEqual(before);
	});

	test('depending on a dead-lettered job is 22023', async () => {
		const p = await enqueue(db.pool, { maxRetries: 0 });
		await claimOne(db.pool, 'w');
		await db.pool.query(`select * from mcp_jobs.fail_job($1, 'x')`, [p]);
		await expectPgError(db.pool.query(`select mcp_jobs.enqueue_job('s', 't', p_depends_on => $1)`, [[p]]), '22023',
			new RegExp(`^p_depends_on\\[0\\]: job ${p} is failed: a job can only wait for one that can still complete`));
	});

	test('fan-out / fan-in: 1,000 children and an aggregate in one call; it runs once, after all, and reads their results', async () => {
		const children = Array.from({ length: 1000 }, (_, i) => ({ source: 's', job_type: 'child', payload: { i } }));
		const aggregate = { source: 's', job_type: 'aggregate', depends_on: children.map((_, i) => `#${i}`) };
		const out = await enqueueBatch(db.pool, [...children, aggregate]);
		const aggregateId = out[1000].id;
		expect(out[1000].status).toBe('waiting');
		let claimedAggregate = 0;
		for (;;) {
			const batch = await claim(db.pool, 'w', { limit: 300 });
			if (!batch.length) break;
			for (const j of batch) {
				if (j.job_type === 'aggregate') {
					claimedAggregate++;
					const deps = (await one(db.pool, `select mcp_jobs.get_job($1, 0) as j`, [j.id])).j.dependencies.map((d: any) => d.job_id);
					const results = await rows(db.pool, `select * from mcp_jobs.get_job_results($1::uuid[])`, [deps]);
					expect(results.every((r) => r.status === 'completed')).toBe(true);
					const sum = results.reduce((s, r) => s + r.result.doubled, 0);
					await db.pool.query(`select mcp_jobs.complete_job($1, $2)`, [j.id, { sum }]);
				}
			}
			const kids = batch.filter((j) => j.job_type === 'child');
			await db.pool.query(`select * from mcp_jobs.complete_jobs($1::jsonb)`, [
				JSON.stringify(kids.map((k) => ({ job_id: k.id, result: { doubled: k.payload.i * 2 } }))),
			]);
		}
		expect(claimedAggregate).toBe(1);
		expect(await job(db.pool, aggregateId)).toMatchObject({ status: 'completed', result: { sum: 999 * 1000 } });
		const order = await one(db.pool, `select (select max(finished_at) from mcp_jobs.jobs where job_type = 'child') <
		                                         (select started_at from mcp_jobs.jobs where id = $1) as after_all`, [aggregateId]);
		expect(order.after_all).toBe(true);
	});

	test('get_job_results: one row per id, in order; unknown ids have no status', async () => {
		const a = await enqueue(db.pool);
		await claimOne(db.pool, 'w');
		await complete(a);
		const b = await enqueue(db.pool);
		const unknown = '00000000-0000-4000-8000-000000000000';
		expect(await rows(db.pool, `select job_id, status, result from mcp_jobs.get_job_results($1::uuid[])`, [[b, unknown, a]])).toEqual([
			{ job_id: b, status: 'queued', result: null },
			{ job_id: unknown, status: null, result: null },
			{ job_id: a, status: 'completed', result: { done: true } },
		]);
	});
});

