import type { TestDatabase } from '../support/database';
import { jsons, paired, resetCalls, rpcCallCount, runNode, TRANSPORTS, useConnection, type Connection } from './support';

describe.each(TRANSPORTS)('Job Queue over %s', (transport) => {
	const t = useConnection(transport, 'mcp_jobs.jobs, mcp_jobs.dead_letter_queue, mcp_jobs.queue_settings, mcp_jobs.metrics');
	let db: TestDatabase;
	let conn: Connection;
	beforeAll(() => ({ db, conn } = t));

	const sql = async (text: string, values: unknown[] = []) => (await db.pool.query(text, values)).rows;
	const byId = (id: string) => ({ __rl: true, mode: 'id', value: id });

	async function deadLetter(): Promise<{ jobId: string; dlqId: string }> {
		const [{ id }] = await sql("select mcp_jobs.enqueue_job('t', 'x', '{\"k\":1}', p_max_retries => 0) as id");
		await sql("select * from mcp_jobs.claim_next_job('w')");
		const [{ dead_letter_id }] = await sql("select * from mcp_jobs.fail_job($1, 'broken', 'w')", [id]);
		return { jobId: id, dlqId: dead_letter_id };
	}

	it('gets a job with its runs and events, one item per input item', async () => {
		const [{ id }] = await sql("select mcp_jobs.enqueue_job('t', 'x') as id");
		await sql("select * from mcp_jobs.claim_next_job('w')");
		const result = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'get', jobId: byId('={{ $json.id }}') }, [{ id }, { id }]);
		const out = result.outputOf('Node');
		expect(paired(out)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(out[0].json).toMatchObject({ job: { id, status: 'running' }, runs: [{ attempt: 1, worker_id: 'w' }] });
		expect((out[0].json.events as Array<{ event_type: string }>).map((e) => e.event_type)).toEqual(['enqueued', 'started']);
	});

	it('lists jobs with filters, newest first, and pages by seq', async () => {
		for (let i = 0; i < 5; i++) await sql("select mcp_jobs.enqueue_job($1, 'x', jsonb_build_object('i', $2::int))", [i % 2 ? 'odd' : 'even', i]);
		const page1 = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'getAll', limit: 2, filters: { source: 'even' } });
		expect(jsons(page1.outputOf('Node')).map((j) => (j.payload as { i: number }).i)).toEqual([4, 2]);
		const last = jsons(page1.outputOf('Node'))[1].seq as number;
		const page2 = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'getAll', limit: 2, filters: { source: 'even', beforeSeq: last } });
		expect(jsons(page2.outputOf('Node')).map((j) => (j.payload as { i: number }).i)).toEqual([0]);
	});

	it('searches jobs by id or idempotency key prefix, sorts by priority and pages with the cursor', async () => {
		await sql(`select * from mcp_jobs.enqueue_jobs((select jsonb_agg(jsonb_build_object('source', 's', 'job_type', 'x',
		             'priority', i % 3, 'idempotency_key', 'order-' || i, 'payload', jsonb_build_object('i', i))) from generate_series(1, 7) i))`);
		const [{ id }] = await sql("select id from mcp_jobs.jobs where idempotency_key = 'order-5'");
		const byPrefix = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'search', search: id.slice(0, 8).toUpperCase() });
		expect(jsons(byPrefix.outputOf('Node')).map((j) => j.id)).toContain(id);
		const byKey = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'search', search: 'order-5' });
		expect(jsons(byKey.outputOf('Node')).map((j) => j.idempotency_key)).toEqual(['order-5']);

		// priority order (0 first, then oldest), 3 per page, each page from the last row of the one before
		const want = (await sql("select id from mcp_jobs.jobs where idempotency_key like 'order-%' order by priority, seq")).map((r) => r.id);
		const got: string[] = [];
		let cursor = '';
		for (let page = 0; page < 4; page++) {
			const result = await runNode(
				conn,
				'jobQueue',
				{ resource: 'job', operation: 'search', search: 'order-', sort: 'priority', limit: 3, filters: { status: 'queued', cursor } },
				[{}],
				{ alwaysOutputData: false },
			);
			const rows = jsons(result.outputOf('Node'));
			got.push(...rows.map((r) => r.id as string));
			if (rows.length < 3) break;
			cursor = `${rows[2].priority}:${rows[2].seq}`;
		}
		expect(got).toEqual(want);
		const bad = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'search', sort: 'priority', filters: { cursor: '12' } });
		expect(bad.errorOf('Node')?.message).toMatch(/^p_cursor must be '<priority>:<seq>'/);
	});

	it('gets the hourly throughput and dead letters grouped by error', async () => {
		await deadLetter();
		await deadLetter();
		const [{ id }] = await sql("select mcp_jobs.enqueue_job('t', 'x') as id");
		await sql("select * from mcp_jobs.claim_next_job('w')");
		await sql('select mcp_jobs.complete_job($1)', [id]);
		await sql("select mcp_jobs.enqueue_job('t', 'x')");
		const throughput = await runNode(conn, 'jobQueue', { resource: 'queue', operation: 'getThroughput', queue: 'default', hours: 3 });
		const hours = jsons(throughput.outputOf('Node'));
		expect(hours).toHaveLength(3);
		expect(hours[2]).toMatchObject({ completed: 1, failed: 2, depth: 1, live: true });

		const groups = await runNode(conn, 'jobQueue', { resource: 'deadLetter', operation: 'getGroups', queue: '', limit: 10 });
		expect(jsons(groups.outputOf('Node'))).toMatchObject([{ queue: 'default', final_error: 'broken', dead_letters: 2, job_types: ['x'] }]);
		expect((groups.outputOf('Node')[0].json.dead_letter_ids as string[]).length).toBe(2);
	});

	it('stats take a duration sample', async () => {
		for (const ms of [1000, 3000]) {
			await sql(`insert into mcp_jobs.jobs (source, job_type, status, started_at, finished_at)
			           values ('t', 'x', 'completed', now() - make_interval(secs => $1::float8 / 1000), now())`, [ms]);
		}
		const all = await runNode(conn, 'jobQueue', { resource: 'queue', operation: 'getStats', queue: 'default' });
		expect(all.outputOf('Node')[0].json).toMatchObject({ completed: 2, avg_duration_ms: 2000 });
		const one = await runNode(conn, 'jobQueue', { resource: 'queue', operation: 'getStats', queue: 'default', durationSample: 1 });
		expect(one.outputOf('Node')[0].json).toMatchObject({ completed: 2, completed_in_window: 2 });
		expect([1000, 3000]).toContain(one.outputOf('Node')[0].json.avg_duration_ms);
	});

	it('cancels and retries a job', async () => {
		const [{ id }] = await sql("select mcp_jobs.enqueue_job('t', 'x') as id");
		const cancelled = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'cancel', jobId: byId(id), reason: 'not needed' });
		expect(cancelled.outputOf('Node')[0].json).toMatchObject({ id, status: 'cancelled', error: 'not needed' });
		const again = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'cancel', jobId: byId(id) });
		expect(again.errorOf('Node')?.message).toBe(`job ${id} is already cancelled: only waiting, queued or running jobs can be cancelled`);
		const retried = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'retry', jobId: byId(id) });
		expect(retried.outputOf('Node')[0].json).toMatchObject({ id, status: 'queued', attempts: 0 });
	});

	it('cancels N items in one call; an item that cannot be cancelled goes to the error output, the others proceed', async () => {
		const ids = (await sql("select mcp_jobs.enqueue_job('t', 'x') as id from generate_series(1, 3)")).map((r) => r.id as string);
		await sql('select mcp_jobs.cancel_job($1)', [ids[1]]);
		resetCalls(conn);
		const result = await runNode(
			conn,
			'jobQueue',
			{ resource: 'job', operation: 'cancel', jobId: byId('={{ $json.id }}'), reason: '={{ "batch " + $json.n }}' },
			ids.map((id, n) => ({ id, n })),
			{ onError: 'continueErrorOutput' },
		);
		expect(rpcCallCount(conn)).toBe(1);
		const ok = result.outputOf('Node', 0);
		expect(paired(ok)).toEqual([{ item: 0 }, { item: 2 }]);
		expect(jsons(ok)).toMatchObject([
			{ id: ids[0], status: 'cancelled', error: 'batch 0' },
			{ id: ids[2], status: 'cancelled', error: 'batch 2' },
		]);
		expect(Object.keys(ok[0].json)).not.toContain('ordinal');
		const errors = result.outputOf('Node', 1);
		expect(paired(errors)).toEqual([{ item: 1 }]);
		expect(errors[0].json.error).toBe(`job ${ids[1]} is already cancelled: only waiting, queued or running jobs can be cancelled`);
	});

	it('without Continue On Fail, an unknown job stops the node with a message naming it', async () => {
		const [{ id }] = await sql("select mcp_jobs.enqueue_job('t', 'x') as id");
		const unknown = '00000000-0000-4000-8000-000000000000';
		const result = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'get', jobId: byId('={{ $json.id }}') }, [
			{ id },
			{ id: unknown },
		]);
		expect(result.errorOf('Node')?.message).toBe(`job ${unknown} not found: check the job id (it may have been removed by cleanup_jobs)`);
	});

	it('lists, requeues and resolves dead letters', async () => {
		const a = await deadLetter();
		const b = await deadLetter();
		const listed = await runNode(conn, 'jobQueue', { resource: 'deadLetter', operation: 'getAll', limit: 10 });
		expect(jsons(listed.outputOf('Node')).map((d) => d.id)).toEqual([b.dlqId, a.dlqId]);
		expect(listed.outputOf('Node')[0].json).toMatchObject({ final_error: 'broken', attempts: 1, payload: { k: 1 }, resolved: false });

		const requeued = await runNode(conn, 'jobQueue', { resource: 'deadLetter', operation: 'requeue', deadLetterId: byId(a.dlqId), resolvedBy: 'ops' });
		expect(requeued.outputOf('Node')[0].json).toMatchObject({ id: a.jobId, status: 'queued', attempts: 0 });
		const resolved = await runNode(conn, 'jobQueue', {
			resource: 'deadLetter', operation: 'resolve', deadLetterId: byId(b.dlqId), resolvedBy: 'ops', notes: 'fixed upstream',
		});
		expect(resolved.outputOf('Node')[0].json).toMatchObject({ resolved: true, resolved_by: 'ops', resolution_notes: 'fixed upstream' });
		const open = await runNode(conn, 'jobQueue', { resource: 'deadLetter', operation: 'getAll', limit: 10 }, [{}], { alwaysOutputData: false });
		expect(open.outputOf('Node')).toEqual([]);
	});

	it('pauses and resumes a queue, and reports it in stats', async () => {
		await sql("select mcp_jobs.enqueue_job('t', 'x')");
		await runNode(conn, 'jobQueue', { resource: 'queue', operation: 'pause', queue: 'default', pauseReason: 'deploy' });
		expect(await sql("select * from mcp_jobs.claim_next_job('w', 'default')")).toEqual([]);
		const stats = await runNode(conn, 'jobQueue', { resource: 'queue', operation: 'getStats', queue: 'default' });
		expect(stats.outputOf('Node')[0].json).toMatchObject({ queue: 'default', queued: 1, processing_enabled: false, paused_reason: 'deploy' });
		await runNode(conn, 'jobQueue', { resource: 'queue', operation: 'resume', queue: 'default' });
		expect(await sql("select id from mcp_jobs.claim_next_job('w', 'default')")).toHaveLength(1);
	});

	it('sets queue limits (a limit not added is removed), shows them in stats, and claims respect them', async () => {
		await sql(`select * from mcp_jobs.enqueue_jobs('[{"source":"t","job_type":"x","group_key":"a"},{"source":"t","job_type":"x","group_key":"a"},
		                                              {"source":"t","job_type":"x","group_key":"b"}]'::jsonb)`);
		const set = await runNode(conn, 'jobQueue', {
			resource: 'queue', operation: 'setLimits', queue: 'default', limits: { maxRunning: 5, groupMaxRunning: 1, rateLimit: 100, rateWindowSeconds: 60 },
		});
		expect(set.outputOf('Node')[0].json).toMatchObject({
			queue: 'default', max_running: 5, group_max_running: 1, rate_limit: 100, rate_window_seconds: 60, group_rate_limit: null, limited: true,
		});
		expect(await sql("select group_key from mcp_jobs.claim_next_job('w', 'default', p_limit => 10) order by group_key")).toEqual([
			{ group_key: 'a' }, { group_key: 'b' },
		]);
		const stats = await runNode(conn, 'jobQueue', { resource: 'queue', operation: 'getStats', queue: 'default' });
		expect(stats.outputOf('Node')[0].json).toMatchObject({ running: 2, due: 1, waiting_on_limit: 1, started_in_window: 2, group_max_running: 1 });

		const cleared = await runNode(conn, 'jobQueue', { resource: 'queue', operation: 'setLimits', queue: 'default', limits: { maxRunning: 3 } });
		expect(cleared.outputOf('Node')[0].json).toMatchObject({ max_running: 3, group_max_running: null, rate_limit: null, rate_window_seconds: null });
		expect(await sql("select group_key from mcp_jobs.claim_next_job('w', 'default', p_limit => 10)")).toEqual([{ group_key: 'a' }]);

		const bad = await runNode(conn, 'jobQueue', { resource: 'queue', operation: 'setLimits', queue: 'default', limits: { rateLimit: 10 } });
		expect(bad.errorOf('Node')?.message).toMatch(/p_rate_window_seconds is required with a rate limit/);
		expect((await sql("select max_running from mcp_jobs.queue_settings where queue = 'default'"))[0].max_running).toBe(3);
	});

	it('reaps expired leases, aggregates metrics and cleans up', async () => {
		const [{ id }] = await sql("select mcp_jobs.enqueue_job('t', 'x') as id");
		await sql("select * from mcp_jobs.claim_next_job('w', p_lease_seconds => 1)");
		await sql("update mcp_jobs.jobs set lease_expires_at = now() - interval '1 second' where id = $1", [id]);
		const reaped = await runNode(conn, 'jobQueue', { resource: 'queue', operation: 'reapExpired', queue: '' });
		expect(reaped.outputOf('Node')[0].json).toMatchObject({ job_id: id, action: 'requeued' });

		const metrics = await runNode(conn, 'jobQueue', { resource: 'queue', operation: 'aggregateMetrics' });
		expect(metrics.outputOf('Node')[0].json.rows_written).toBe(1);

		await sql("update mcp_jobs.jobs set status = 'completed', finished_at = now() - interval '40 days' where id = $1", [id]);
		const cleaned = await runNode(conn, 'jobQueue', { resource: 'queue', operation: 'cleanup', olderThanDays: 30 });
		expect(cleaned.outputOf('Node')[0].json).toMatchObject({ jobs_deleted: 1 });
		expect(await sql('select id from mcp_jobs.jobs')).toEqual([]);
	});
});
