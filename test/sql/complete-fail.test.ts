// complete_job(s), fail_job(s) with backoff, heartbeat_job(s), log_job_event(s), and the batch forms'
// per-item errors.
import { TestDatabase } from '../support/database';
import {
	claim, claimOne, enqueue, eventTypes, expectPgError, job, makeDue, one, openTestDatabase, resetQueue, rows, UNKNOWN,
} from './helpers';

let db: TestDatabase;
beforeAll(async () => { db = await openTestDatabase(); });
afterAll(async () => { await db.drop(); });
beforeEach(async () => { await resetQueue(db.pool); });


/** fail_job plus the delay it chose, measured in the same transaction (now() is the same). */
async function failWithDelay(id: string, args = `'boom'`): Promise<any> {
	return one(db.pool,
		`select f.*, extract(epoch from (f.next_attempt_at - now()))::float8 as delay
		 from mcp_jobs.fail_job($1, ${args}) f`, [id]);
}

describe('complete_job', () => {
	test('completes the run and the job with its result', async () => {
		const id = await enqueue(db.pool);
		const c = await claimOne(db.pool, 'w1');
		const done = await one(db.pool, `select * from mcp_jobs.complete_job($1, '{"rows":3}', 'w1')`, [id]);
		expect(done).toMatchObject({ id, status: 'completed', result: { rows: 3 }, progress: 100, error: null, lease_expires_at: null });
		expect(done.finished_at).toBeInstanceOf(Date);
		const run = await one(db.pool, `select * from mcp_jobs.job_runs where id = $1`, [c.run_id]);
		expect(run).toMatchObject({ status: 'completed', result: { rows: 3 }, error: null });
		expect(run.duration_ms).toBeGreaterThanOrEqual(0);
		expect(await eventTypes(db.pool, id)).toEqual(['enqueued', 'started', 'completed']);
	});

	test('without a worker id any caller may complete; a second complete is PT409', async () => {
		const id = await enqueue(db.pool);
		await claimOne(db.pool, 'w1');
		await db.pool.query(`select mcp_jobs.complete_job($1)`, [id]);
		expect((await job(db.pool, id)).result).toBeNull();
		await expectPgError(db.pool.query(`select mcp_jobs.complete_job($1)`, [id]), 'PT409', /is completed, not running/);
	});

	test('a queued (unclaimed) job cannot be completed; an unknown one is PT404', async () => {
		const id = await enqueue(db.pool);
		await expectPgError(db.pool.query(`select mcp_jobs.complete_job($1)`, [id]), 'PT409', /is queued, not running/);
		await expectPgError(db.pool.query(`select mcp_jobs.complete_job($1)`, [UNKNOWN]), 'PT404', new RegExp(`job ${UNKNOWN} not found`));
	});
});

describe('fail_job', () => {
	test('retries with backoff 60, 120, 240, 480 s (+0-10% jitter), then dead-letters after 1 + max_retries runs', async () => {
		const id = await enqueue(db.pool, { maxRetries: 4, payload: { k: 'v' } }); // default retry_delay_seconds 60
		const delays: number[] = [];
		for (let attempt = 1; attempt <= 4; attempt++) {
			await claimOne(db.pool, 'w');
			const f = await failWithDelay(id, `'err ${attempt}'`);
			expect(f).toMatchObject({ job_id: id, status: 'queued', will_retry: true, attempts: attempt, dead_letter_id: null });
			delays.push(f.delay);
			const j = await job(db.pool, id);
			expect(j).toMatchObject({ status: 'queued', error: `err ${attempt}`, worker_id: null, finished_at: null });
			expect(j.scheduled_at.getTime()).toBe(f.next_attempt_at.getTime());
			expect(await claim(db.pool, 'w')).toEqual([]); // not due yet
			await makeDue(db.pool, id);
		}
		[60, 120, 240, 480].forEach((base, i) => {
			expect(delays[i]).toBeGreaterThanOrEqual(base);
			expect(delays[i]).toBeLessThanOrEqual(base * 1.1);
		});

		await claimOne(db.pool, 'w');
		const last = await one(db.pool, `select * from mcp_jobs.fail_job($1, 'final straw')`, [id]);
		expect(last).toMatchObject({ status: 'failed', will_retry: false, next_attempt_at: null, attempts: 5 });
		expect(last.dead_letter_id).toEqual(expect.any(String));
		expect(await job(db.pool, id)).toMatchObject({ status: 'failed', attempts: 5, error: 'final straw' });
		expect(await claim(db.pool, 'w')).toEqual([]);
		const runs = await rows(db.pool, `select attempt, status from mcp_jobs.job_runs where job_id = $1 order by attempt`, [id]);
		expect(runs).toEqual([1, 2, 3, 4, 5].map((a) => ({ attempt: a, status: 'failed' })));
		const dl = await one(db.pool, `select * from mcp_jobs.dead_letter_queue where id = $1`, [last.dead_letter_id]);
		expect(dl).toMatchObject({ job_id: id, queue: 'default', source: 'test', job_type: 'work', payload: { k: 'v' },
			final_error: 'final straw', attempts: 5, resolved: false });
		expect((await eventTypes(db.pool, id)).slice(-2)).toEqual(['failed', 'dead_lettered']);
	});

	test('the backoff is capped at one hour, or at the base when the base is longer', async () => {
		const id = await enqueue(db.pool, { retryDelaySeconds: 1000, maxRetries: 5 });
		const expected = [[1000, 1100], [2000, 2200], [3600, 3600], [3600, 3600]];
		for (const [lo, hi] of expected) {
			await claimOne(db.pool, 'w');
			const f = await failWithDelay(id);
			expect(f.delay).toBeGreaterThanOrEqual(lo);
			expect(f.delay).toBeLessThanOrEqual(hi);
			await makeDue(db.pool, id);
		}
		const big = await enqueue(db.pool, { retryDelaySeconds: 7200, queue: 'slow' });
		await claimOne(db.pool, 'w', { queue: 'slow' });
		expect((await failWithDelay(big)).delay).toBe(7200);
	});

	test('p_retry_delay_seconds overrides the backoff; 0 makes it due at once', async () => {
		const id = await enqueue(db.pool);
		await claimOne(db.pool, 'w');
		expect((await failWithDelay(id, `'e', p_retry_delay_seconds => 5`)).delay).toBe(5);
		await makeDue(db.pool, id);
		await claimOne(db.pool, 'w');
		expect((await failWithDelay(id, `'e', p_retry_delay_seconds => 0`)).delay).toBe(0);
		expect((await claimOne(db.pool, 'w')).attempts).toBe(3);
	});

	test('p_retryable false dead-letters at once', async () => {
		const id = await enqueue(db.pool, { maxRetries: 10 });
		await claimOne(db.pool, 'w1');
		const f = await one(db.pool, `select * from mcp_jobs.fail_job($1, 'bad payload', 'w1', false)`, [id]);
		expect(f).toMatchObject({ status: 'failed', will_retry: false, attempts: 1 });
		const dl = await one(db.pool, `select attempts, final_error from mcp_jobs.dead_letter_queue where job_id = $1`, [id]);
		expect(dl).toEqual({ attempts: 1, final_error: 'bad payload' });
	});

	test('max_retries 0 runs once; a null error message gets a default', async () => {
		const id = await enqueue(db.pool, { maxRetries: 0 });
		await claimOne(db.pool, 'w');
		const f = await one(db.pool, `select * from mcp_jobs.fail_job($1, null)`, [id]);
		expect(f).toMatchObject({ status: 'failed', will_retry: false, attempts: 1 });
		expect((await job(db.pool, id)).error).toMatch(/no error message/);
	});

	test('wrong worker is PT409 and changes nothing', async () => {
		const id = await enqueue(db.pool);
		await claimOne(db.pool, 'w1');
		await expectPgError(db.pool.query(`select mcp_jobs.fail_job($1, 'x', 'w2')`, [id]), 'PT409', /held by worker w1, not w2/);
		expect(await job(db.pool, id)).toMatchObject({ status: 'running', worker_id: 'w1', error: null });
	});
});

describe('complete_jobs / fail_jobs batch forms', () => {
	test('complete_jobs: per-item errors with ordinals; valid items still complete', async () => {
		const [a, b, queued, other] = [await enqueue(db.pool), await enqueue(db.pool), await enqueue(db.pool), await enqueue(db.pool)];
		await db.pool.query(`update mcp_jobs.jobs set scheduled_at = '2099-01-01' where id = $1`, [queued]);
		await claim(db.pool, 'w1', { limit: 2 });
		await claimOne(db.pool, 'w2');
		const out = await rows(db.pool, `select * from mcp_jobs.complete_jobs($1::jsonb)`, [JSON.stringify([
			{ job_id: a, worker_id: 'w1', result: { n: 1 } },
			{ job_id: UNKNOWN },
			{ job_id: 'not-a-uuid' },
			{ job_id: a, worker_id: 'w1' },
			{ job_id: other, worker_id: 'w1' },
			{ job_id: queued },
			'just a string',
			{ job_id: b },
		])]);
		expect(out.map((r) => [r.ordinal, r.ok, r.status, r.error_code])).toEqual([
			[1, true, 'completed', null],
			[2, false, null, 'PT404'],
			[3, false, null, '22023'],
			[4, false, null, 'PT409'],
			[5, false, null, 'PT409'],
			[6, false, null, 'PT409'],
			[7, false, null, '22023'],
			[8, true, 'completed', null],
		]);
		expect(out[2].error_message).toMatch(/p_jobs\[2\]\.job_id must be an id \(UUID\), got "not-a-uuid"/);
		expect(out[3].error_message).toMatch(/listed more than once/);
		expect(out[4].error_message).toMatch(/held by worker w2, not w1/);
		expect(out[5].error_message).toMatch(/is queued, not running/);
		expect(out[6].error_message).toMatch(/p_jobs\[6\] must be a JSON object/);
		expect(await job(db.pool, a)).toMatchObject({ status: 'completed', result: { n: 1 } });
		expect(await job(db.pool, b)).toMatchObject({ status: 'completed', result: null });
		expect(await job(db.pool, other)).toMatchObject({ status: 'running', worker_id: 'w2' });
		expect(await job(db.pool, queued)).toMatchObject({ status: 'queued' });
		const { n } = await one(db.pool, `select count(*)::int as n from mcp_jobs.job_runs where status = 'completed'`);
		expect(n).toBe(2);
	});

	test('fail_jobs: per-item errors; valid items are retried or dead-lettered', async () => {
		const retry = await enqueue(db.pool, { priority: 0 });
		const dead = await enqueue(db.pool, { priority: 1, maxRetries: 0 });
		const badFlag = await enqueue(db.pool, { priority: 2 });
		const badDelay = await enqueue(db.pool, { priority: 3 });
		const custom = await enqueue(db.pool, { priority: 4 });
		await claim(db.pool, 'w', { limit: 5 });
		const out = await rows(db.pool,
			`select *, extract(epoch from (next_attempt_at - now()))::float8 as delay from mcp_jobs.fail_jobs($1::jsonb)`,
			[JSON.stringify([
				{ job_id: retry, error: 'e1', worker_id: 'w' },
				{ job_id: dead, error: { message: 'structured' } },
				{ job_id: badFlag, error: 'x', retryable: 'yes' },
				{ job_id: badDelay, error: 'x', retry_delay_seconds: -5 },
				{ job_id: custom, error: 'x', retry_delay_seconds: 30 },
				{ job_id: retry, error: 'again' },
				{ job_id: 'nope' },
			])]);
		expect(out.map((r) => [r.ordinal, r.ok, r.status, r.will_retry, r.error_code])).toEqual([
			[1, true, 'queued', true, null],
			[2, true, 'failed', false, null],
			[3, false, null, null, '22023'],
			[4, false, null, null, '22023'],
			[5, true, 'queued', true, null],
			[6, false, null, null, 'PT409'],
			[7, false, null, null, '22023'],
		]);
		expect(out[0].delay).toBeGreaterThanOrEqual(60);
		expect(out[0].delay).toBeLessThanOrEqual(66);
		expect(out[1].dead_letter_id).toEqual(expect.any(String));
		expect(out[2].error_message).toMatch(/p_jobs\[2\]\.retryable must be true or false/);
		expect(out[3].error_message).toMatch(/p_jobs\[3\]\.retry_delay_seconds must be a whole number/);
		expect(out[4].delay).toBe(30);
		expect(out[5].error_message).toMatch(/listed more than once/);
		expect(out[6].error_message).toMatch(/p_jobs\[6\]\.job_id must be an id \(UUID\)/);
		expect((await job(db.pool, dead)).error).toBe('structured');
		expect(await job(db.pool, badFlag)).toMatchObject({ status: 'running', error: null });
		expect(await job(db.pool, badDelay)).toMatchObject({ status: 'running', error: null });
		const dl = await rows(db.pool, `select job_id, final_error from mcp_jobs.dead_letter_queue`);
		expect(dl).toEqual([{ job_id: dead, final_error: 'structured' }]);
	});
});

describe('heartbeat_job / heartbeat_jobs', () => {
	test('extends the lease and records progress and a message', async () => {
		const id = await enqueue(db.pool);
		const c = await claimOne(db.pool, 'w1', { leaseSeconds: 10 });
		const hb = await one(db.pool,
			`select h.*, round(extract(epoch from (h.lease_expires_at - clock_timestamp())))::int as lease
			 from mcp_jobs.heartbeat_job($1, 'w1', 600, 40, 'page 4 of 10') h`, [id]);
		expect(hb).toMatchObject({ job_id: id, progress: 40, lease: 600 });
		expect(hb.lease_expires_at.getTime()).toBeGreaterThan(c.lease_expires_at.getTime());
		expect(await job(db.pool, id)).toMatchObject({ progress: 40, status: 'running' });
		const ev = await one(db.pool, `select run_id, message, data from mcp_jobs.job_events where job_id = $1 and event_type = 'progress'`, [id]);
		expect(ev).toEqual({ run_id: c.run_id, message: 'page 4 of 10', data: { progress: 40 } });

		// default lease 300 s; no progress keeps the old one and logs no event
		const hb2 = await one(db.pool,
			`select h.*, round(extract(epoch from (h.lease_expires_at - clock_timestamp())))::int as lease from mcp_jobs.heartbeat_job($1) h`, [id]);
		expect(hb2).toMatchObject({ progress: 40, lease: 300 });
		const { n } = await one(db.pool, `select count(*)::int as n from mcp_jobs.job_events where event_type = 'progress'`);
		expect(n).toBe(1);
	});

	test('PT409 once the job is no longer held, PT404 for an unknown job', async () => {
		const id = await enqueue(db.pool);
		await claimOne(db.pool, 'w1');
		await db.pool.query(`select mcp_jobs.complete_job($1)`, [id]);
		await expectPgError(db.pool.query(`select mcp_jobs.heartbeat_job($1, 'w1')`, [id]), 'PT409', /completed, not running/);
		await expectPgError(db.pool.query(`select mcp_jobs.heartbeat_job($1)`, [UNKNOWN]), 'PT404', /not found/);
	});

	test('JSON number fields take whole numbers in range, strings holding one, or null; other strings, fractions, huge and out-of-range values are 22023', async () => {
		const id = await enqueue(db.pool);
		await claim(db.pool, 'w', { limit: 1 });
		const cases: Array<[string, Record<string, unknown>, boolean]> = [
			['heartbeat_jobs', { lease_seconds: 60, progress: 0 }, true],
			['heartbeat_jobs', { lease_seconds: null, progress: null }, true],
			['heartbeat_jobs', { lease_seconds: '60', progress: '50' }, true],
			['heartbeat_jobs', { lease_seconds: 86400, progress: 100 }, true],
			['heartbeat_jobs', { lease_seconds: 'sixty' }, false],
			['heartbeat_jobs', { lease_seconds: '1e3' }, false],
			['heartbeat_jobs', { lease_seconds: 1.5 }, false],
			['heartbeat_jobs', { lease_seconds: 86401 }, false],
			['heartbeat_jobs', { lease_seconds: 3e9 }, false],
			['heartbeat_jobs', { progress: '50.5' }, false],
			['heartbeat_jobs', { progress: 50.5 }, false],
			['heartbeat_jobs', { progress: -1 }, false],
			['heartbeat_jobs', { progress: 3e9 }, false],
			['fail_jobs', { error: 'x', retry_delay_seconds: '5x' }, false],
			['fail_jobs', { error: 'x', retry_delay_seconds: 2.5 }, false],
			['fail_jobs', { error: 'x', retry_delay_seconds: 2592001 }, false],
		];
		for (const [fn, fields, ok] of cases) {
			const [row] = await rows(db.pool, `select ok, error_code from mcp_jobs.${fn}($1::jsonb)`,
				[JSON.stringify([{ job_id: id, ...fields }])]);
			expect([fn, fields, row]).toEqual([fn, fields, ok ? { ok: true, error_code: null } : { ok: false, error_code: '22023' }]);
		}
		expect(await job(db.pool, id)).toMatchObject({ status: 'running', progress: 100 });
	});

	test('heartbeat_jobs: per-item errors; valid items are extended', async () => {
		const a = await enqueue(db.pool, { priority: 0 });
		const b = await enqueue(db.pool, { priority: 1 });
		const c = await enqueue(db.pool, { priority: 2 });
		await claim(db.pool, 'w', { limit: 3, leaseSeconds: 5 });
		const out = await rows(db.pool,
			`select h.*, round(extract(epoch from (h.lease_expires_at - clock_timestamp())))::int as lease from mcp_jobs.heartbeat_jobs($1::jsonb) h`,
			[JSON.stringify([
				{ job_id: a, worker_id: 'w', lease_seconds: 120, progress: 50 },
				{ job_id: b, progress: 101 },
				{ job_id: a },
				{ job_id: UNKNOWN },
				{ job_id: a, worker_id: 'w' },
				{ job_id: c, worker_id: 'someone-else' },
			])]);
		expect(out.map((r) => [r.ordinal, r.ok, r.progress, r.error_code])).toEqual([
			[1, true, 50, null],
			[2, false, null, '22023'],
			[3, false, null, 'PT409'],
			[4, false, null, 'PT404'],
			[5, false, null, 'PT409'],
			[6, false, null, 'PT409'],
		]);
		expect(out[0].lease).toBe(120);
		expect(out[1].error_message).toMatch(/p_jobs\[1\]\.progress must be a whole number from 0 to 100/);
		expect(out[2].error_message).toMatch(/listed more than once/);
		expect(out[5].error_message).toMatch(/held by worker w, not someone-else/);
		expect(await job(db.pool, a)).toMatchObject({ progress: 50 });
		expect(await job(db.pool, b)).toMatchObject({ progress: null });

		const single = await rows(db.pool, `select ok, error_code, error_message from mcp_jobs.heartbeat_jobs($1::jsonb)`,
			[JSON.stringify([{ job_id: b, lease_seconds: 0 }])]);
		expect(single).toEqual([{ ok: false, error_code: '22023', error_message: expect.stringMatching(/p_jobs\[0\]\.lease_seconds must be a whole number from 1 to 86400/) }]);
	});
});

describe('log_job_event / log_job_events', () => {
	test('appends log and progress events to jobs in any state', async () => {
		const id = await enqueue(db.pool);
		const e1 = await one(db.pool, `select mcp_jobs.log_job_event($1, 'hello') as id`, [id]);
		const e2 = await one(db.pool, `select mcp_jobs.log_job_event($1, 'half', 'progress', '{"pct":50}') as id`, [id]);
		expect(Number(e2.id)).toBeGreaterThan(Number(e1.id));
		const ev = await rows(db.pool, `select id::text, event_type, message, data, run_id from mcp_jobs.job_events where job_id = $1 and event_type <> 'enqueued' order by id`, [id]);
		expect(ev).toEqual([
			{ id: String(e1.id), event_type: 'log', message: 'hello', data: null, run_id: null },
			{ id: String(e2.id), event_type: 'progress', message: 'half', data: { pct: 50 }, run_id: null },
		]);
		// a running job's events carry its run id; a finished job still takes logs
		const c = await claimOne(db.pool, 'w');
		await db.pool.query(`select mcp_jobs.log_job_event($1, 'during')`, [id]);
		await db.pool.query(`select mcp_jobs.complete_job($1)`, [id]);
		await db.pool.query(`select mcp_jobs.log_job_event($1, 'after')`, [id]);
		const runIds = await rows(db.pool, `select message, run_id from mcp_jobs.job_events where job_id = $1 and message in ('during', 'after') order by id`, [id]);
		expect(runIds).toEqual([{ message: 'during', run_id: c.run_id }, { message: 'after', run_id: c.run_id }]);
	});

	test('log_job_event errors: unknown job PT404, bad event_type 22023 naming p_event_type', async () => {
		const id = await enqueue(db.pool);
		await expectPgError(db.pool.query(`select mcp_jobs.log_job_event($1, 'x')`, [UNKNOWN]), 'PT404', /not found/);
		await expectPgError(db.pool.query(`select mcp_jobs.log_job_event($1, 'x', 'completed')`, [id]), '22023', /^p_event_type must be 'log' or 'progress'/);
		await expectPgError(db.pool.query(`select mcp_jobs.log_job_event($1, 'x', 'log', '5')`, [id]), '22023', /^p_data must be a JSON object or array/);
		await expectPgError(db.pool.query(`select mcp_jobs.log_job_event(null, 'x')`), '22023', /^p_job_id is required: pass an id \(UUID\)/);
	});

	test('log_job_events: per-item results in order, event ids for the valid ones (several per job)', async () => {
		const a = await enqueue(db.pool);
		const b = await enqueue(db.pool);
		const out = await rows(db.pool, `select * from mcp_jobs.log_job_events($1::jsonb)`, [JSON.stringify([
			{ job_id: a, message: 'a1' },
			{ job_id: UNKNOWN, message: 'lost' },
			{ job_id: b, message: 'b1', event_type: 'progress', data: [1, 2] },
			{ job_id: a, message: 'bad', event_type: 'dead_lettered' },
			{ job_id: 'xyz', message: 'bad id' },
			{ job_id: a, message: 'a2', data: 'scalar' },
			{ job_id: a, message: 'a3' },
		])]);
		expect(out.map((r) => [r.ordinal, r.ok, r.error_code])).toEqual([
			[1, true, null], [2, false, 'PT404'], [3, true, null], [4, false, '22023'], [5, false, '22023'], [6, false, '22023'], [7, true, null],
		]);
		const byId = new Map((await rows(db.pool, `select id::text, job_id, message, data from mcp_jobs.job_events where event_type in ('log', 'progress')`))
			.map((r) => [r.id, r]));
		expect(byId.size).toBe(3);
		expect(byId.get(String(out[0].event_id))).toMatchObject({ job_id: a, message: 'a1' });
		expect(byId.get(String(out[2].event_id))).toMatchObject({ job_id: b, message: 'b1', data: [1, 2] });
		expect(byId.get(String(out[6].event_id))).toMatchObject({ job_id: a, message: 'a3' });
		expect(out[3].error_message).toMatch(/p_events\[3\]\.event_type/);
		expect(out[4].error_message).toMatch(/p_events\[4\]\.job_id must be an id \(UUID\)/);
		expect(out[5].error_message).toMatch(/p_events\[5\]\.data must be a JSON object or array/);
	});
});
