import type { TestDatabase } from '../support/database';
import { jsons, paired, rpcCallCount, runNode, TRANSPORTS, useConnection, type Connection } from './support';

describe.each(TRANSPORTS)('Complete/Fail Job over %s', (transport) => {
	const t = useConnection(transport, 'mcp_jobs.jobs, mcp_jobs.dead_letter_queue');
	let db: TestDatabase;
	let conn: Connection;
	beforeAll(() => ({ db, conn } = t));

	/** Enqueues n jobs and claims them for worker w; returns the claimed rows. */
	async function claimed(n: number, opts: { maxRetries?: number } = {}) {
		const specs = Array.from({ length: n }, (_, i) => ({ source: 't', job_type: 'x', payload: { i }, max_retries: opts.maxRetries ?? 3 }));
		await db.pool.query('select * from mcp_jobs.enqueue_jobs($1::jsonb)', [JSON.stringify(specs)]);
		const { rows } = await db.pool.query("select * from mcp_jobs.claim_next_job('w', p_limit => $1)", [n]);
		return rows.sort((a, b) => a.payload.i - b.payload.i);
	}
	const statuses = async () =>
		(await db.pool.query("select payload->>'i' as i, status, result, error from mcp_jobs.jobs order by (payload->>'i')::int")).rows;

	it('completes every item in one call with its result, paired', async () => {
		const jobs = await claimed(3);
		const result = await runNode(
			conn,
			'completeFailJob',
			{ operation: 'complete', jobId: '={{ $json.id }}', workerId: 'w', result: '={{ { "doubled": $json.payload.i * 2 } }}' },
			jobs,
		);
		expect(rpcCallCount(conn)).toBe(1);
		expect(paired(result.outputOf('Node'))).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(jsons(result.outputOf('Node'))[0]).toMatchObject({ job_id: jobs[0].id, status: 'completed' });
		expect((await statuses()).map((r) => [r.status, r.result])).toEqual([
			['completed', { doubled: 0 }],
			['completed', { doubled: 2 }],
			['completed', { doubled: 4 }],
		]);
	});

	it('fails with backoff while retries remain, and dead-letters when not retryable', async () => {
		const jobs = await claimed(2);
		const retry = await runNode(conn, 'completeFailJob', { operation: 'fail', jobId: '={{ $json.id }}', errorMessage: 'boom' }, [jobs[0]]);
		expect(jsons(retry.outputOf('Node'))[0]).toMatchObject({ status: 'queued', will_retry: true, attempts: 1 });
		const delay = (Date.parse(String(jsons(retry.outputOf('Node'))[0].next_attempt_at)) - Date.now()) / 1000;
		expect(delay).toBeGreaterThan(55);
		expect(delay).toBeLessThan(67);

		const final = await runNode(
			conn,
			'completeFailJob',
			{ operation: 'fail', jobId: '={{ $json.id }}', errorMessage: 'bad input', retryable: false },
			[jobs[1]],
		);
		expect(jsons(final.outputOf('Node'))[0]).toMatchObject({ status: 'failed', will_retry: false });
		const { rows } = await db.pool.query('select job_id, final_error from mcp_jobs.dead_letter_queue');
		expect(rows).toEqual([{ job_id: jobs[1].id, final_error: 'bad input' }]);
	});

	it('uses an exact retry delay when given', async () => {
		const [job] = await claimed(1);
		const result = await runNode(
			conn,
			'completeFailJob',
			{ operation: 'fail', jobId: '={{ $json.id }}', errorMessage: 'later', retryDelaySeconds: 7 },
			[job],
		);
		const delay = (Date.parse(String(result.outputOf('Node')[0].json.next_attempt_at)) - Date.now()) / 1000;
		expect(delay).toBeGreaterThan(5);
		expect(delay).toBeLessThanOrEqual(7.5);
	});

	it('sends an item whose job another worker holds to the error output; the others complete', async () => {
		const jobs = await claimed(3);
		const result = await runNode(
			conn,
			'completeFailJob',
			{ operation: 'complete', jobId: '={{ $json.id }}', workerId: '={{ $json.w }}', result: '{}' },
			jobs.map((j, i) => ({ id: j.id, w: i === 1 ? 'someone-else' : 'w' })),
			{ onError: 'continueErrorOutput' },
		);
		expect(rpcCallCount(conn)).toBe(1);
		expect(paired(result.outputOf('Node', 0))).toEqual([{ item: 0 }, { item: 2 }]);
		const errors = result.outputOf('Node', 1);
		expect(paired(errors)).toEqual([{ item: 1 }]);
		expect(errors[0].json.error).toBe(`job ${jobs[1].id} is held by worker w, not someone-else: its lease expired and another worker claimed it`);
		expect((await statuses()).map((r) => r.status)).toEqual(['completed', 'running', 'completed']);
	});

	it('stops with the item named for an unknown job, and for a job id that is not a UUID', async () => {
		const unknown = await runNode(conn, 'completeFailJob', { operation: 'complete', jobId: '00000000-0000-4000-8000-000000000000', result: '{}' });
		expect(unknown.errorOf('Node')).toMatchObject({
			message: 'job 00000000-0000-4000-8000-000000000000 not found: check the job id (it may have been removed by cleanup_jobs)',
			context: { itemIndex: 0 },
		});
		const notUuid = await runNode(conn, 'completeFailJob', { operation: 'complete', jobId: 'abc', result: '{}' });
		expect(notUuid.errorOf('Node')?.message).toBe('Job ID "abc" is not a job id (a UUID)');
	});

	it('refuses to complete a cancelled job (PT409), keeping it cancelled', async () => {
		const [job] = await claimed(1);
		await db.pool.query("select mcp_jobs.cancel_job($1, 'stop')", [job.id]);
		const result = await runNode(conn, 'completeFailJob', { operation: 'complete', jobId: job.id, result: '{}' });
		expect(result.errorOf('Node')?.message).toMatch(/is cancelled, not running/);
		expect((await statuses())[0].status).toBe('cancelled');
	});

	it('Complete or Fail From Items: items with error fail their job, the others complete with result; two calls, input order', async () => {
		const jobs = await claimed(4, { maxRetries: 0 });
		const outcomes = [
			{ job_id: jobs[0].id, run_id: jobs[0].run_id, worker_id: 'w', result: { n: 0 } },
			{ job_id: jobs[1].id, run_id: jobs[1].run_id, error: 'boom' },
			{ job_id: jobs[2].id, run_id: jobs[2].run_id },
			{ job_id: jobs[3].id, error: { message: 'from an Error', name: 'Error' } },
		];
		const result = await runNode(conn, 'completeFailJob', { operation: 'finishItems', retryable: true }, outcomes);
		expect(rpcCallCount(conn)).toBe(2);
		expect(paired(result.outputOf('Node'))).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(jsons(result.outputOf('Node')).map((j) => j.job_id)).toEqual(jobs.map((j) => j.id));
		expect((await statuses()).map((r) => [r.status, r.result, r.error])).toEqual([
			['completed', { n: 0 }, null],
			['failed', null, 'boom'],
			['completed', null, null],
			['failed', null, 'from an Error'],
		]);
	});

	it('Complete or Fail From Items: a stale run is refused, and an item without a job id is named', async () => {
		const [job] = await claimed(1);
		const stale = await runNode(conn, 'completeFailJob', { operation: 'finishItems' }, [
			{ job_id: job.id, run_id: '00000000-0000-4000-8000-000000000000', result: {} },
		]);
		expect(stale.errorOf('Node')?.message).toMatch(/^run 00000000-0000-4000-8000-000000000000 of job .* is no longer current/);
		const missing = await runNode(conn, 'completeFailJob', { operation: 'finishItems' }, [{ job_id: job.id, run_id: job.run_id }, { result: {} }]);
		expect(missing.errorOf('Node')).toMatchObject({ message: 'Item 1: job_id is missing', context: { itemIndex: 1 } });
		const badResult = await runNode(conn, 'completeFailJob', { operation: 'finishItems' }, [{ job_id: job.id, result: 'done' }]);
		expect(badResult.errorOf('Node')?.message).toBe('Item 0: result must be a JSON object, got string');
		// nothing changed
		expect((await statuses()).map((r) => r.status)).toEqual(['running']);
	});

	it('reports progress (extends the lease) and logs events, in one call each', async () => {
		const jobs = await claimed(2);
		const before = (await db.pool.query('select max(lease_expires_at) as t from mcp_jobs.jobs')).rows[0].t;
		const progress = await runNode(
			conn,
			'completeFailJob',
			{ operation: 'progress', jobId: '={{ $json.id }}', progress: 40, leaseSeconds: 3600, message: 'halfway' },
			jobs,
		);
		expect(rpcCallCount(conn)).toBe(1);
		const leases = jsons(progress.outputOf('Node')).map((j) => Date.parse(String(j.lease_expires_at)));
		expect(Math.min(...leases)).toBeGreaterThan(Date.parse(before) + 3000_000);
		const log = await runNode(conn, 'completeFailJob', { operation: 'log', jobId: '={{ $json.id }}', message: 'hello', data: '{"k":1}' }, jobs);
		expect(jsons(log.outputOf('Node')).every((j) => typeof j.event_id === 'number')).toBe(true);
		const { rows } = await db.pool.query(
			"select event_type, message, data from mcp_jobs.job_events where event_type in ('progress','log') order by id",
		);
		expect(rows).toEqual([
			{ event_type: 'progress', message: 'halfway', data: { progress: 40 } },
			{ event_type: 'progress', message: 'halfway', data: { progress: 40 } },
			{ event_type: 'log', message: 'hello', data: { k: 1 } },
			{ event_type: 'log', message: 'hello', data: { k: 1 } },
		]);
	});
});
