import { createTestDatabase, type TestDatabase } from '../support/database';
import { connect, jsons, paired, runNode, TRANSPORTS, type Connection } from './support';

describe.each(TRANSPORTS)('Job Queue over %s', (transport) => {
	let db: TestDatabase;
	let conn: Connection;
	beforeAll(async () => {
		db = await createTestDatabase();
		conn = await connect(transport, db);
	});
	afterAll(async () => {
		await conn.close();
		await db.drop();
	});
	beforeEach(async () => {
		await db.pool.query('truncate mcp_jobs.jobs, mcp_jobs.dead_letter_queue, mcp_jobs.queue_settings, mcp_jobs.metrics cascade');
	});

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

	it('cancels and retries a job', async () => {
		const [{ id }] = await sql("select mcp_jobs.enqueue_job('t', 'x') as id");
		const cancelled = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'cancel', jobId: byId(id), reason: 'not needed' });
		expect(cancelled.outputOf('Node')[0].json).toMatchObject({ id, status: 'cancelled', error: 'not needed' });
		const again = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'cancel', jobId: byId(id) });
		expect(again.errorOf('Node')?.message).toBe(`job ${id} is already cancelled: only queued or running jobs can be cancelled`);
		const retried = await runNode(conn, 'jobQueue', { resource: 'job', operation: 'retry', jobId: byId(id) });
		expect(retried.outputOf('Node')[0].json).toMatchObject({ id, status: 'queued', attempts: 0 });
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
