import type { TestDatabase } from '../support/database';
import { jsons, paired, rpcCallCount, runNode, TRANSPORTS, useConnection, type Connection } from './support';

describe.each(TRANSPORTS)('Claim Job over %s', (transport) => {
	const t = useConnection(transport, 'mcp_jobs.jobs');
	let db: TestDatabase;
	let conn: Connection;
	beforeAll(() => ({ db, conn } = t));

	const enqueue = (jobType: string, priority: number, queue = 'default') =>
		db.pool.query(`select mcp_jobs.enqueue_job('t', $1, '{}', $2, p_queue => $3) as id`, [jobType, priority, queue]);

	it('claims up to Batch Size due jobs in priority order, one item per job, in one call', async () => {
		for (const [t, p] of [['low', 9], ['high', 0], ['mid', 5], ['mid2', 5]] as const) await enqueue(t, p);
		await enqueue('other-queue', 0, 'elsewhere');

		const result = await runNode(conn, 'claimJob', { queue: 'default', batchSize: 3, leaseSeconds: 60, workerId: 'w-test' });
		const out = result.outputOf('Node');
		expect(rpcCallCount(conn)).toBe(1);
		expect(jsons(out).map((j) => j.job_type)).toEqual(['high', 'mid', 'mid2']);
		expect(paired(out)).toEqual([{ item: 0 }, { item: 0 }, { item: 0 }]);
		expect(jsons(out)[0]).toMatchObject({ status: 'running', worker_id: 'w-test', attempts: 1 });
		const { rows } = await db.pool.query(
			"select job_type, status from mcp_jobs.jobs where status = 'running' order by job_type",
		);
		expect(rows.map((r) => r.job_type)).toEqual(['high', 'mid', 'mid2']);
	});

	it('filters by job type and outputs nothing when nothing is due', async () => {
		await enqueue('a', 5);
		const none = await runNode(conn, 'claimJob', { queue: 'default', jobTypes: 'b, c', batchSize: 10 });
		expect(none.outputOf('Node')).toEqual([]);
		const some = await runNode(conn, 'claimJob', { queue: 'default', jobTypes: 'b, a', batchSize: 10 });
		expect(jsons(some.outputOf('Node')).map((j) => j.job_type)).toEqual(['a']);
	});

	it('defaults the worker id to a stable id of the instance and workflow', async () => {
		await enqueue('a', 5);
		const result = await runNode(conn, 'claimJob', { queue: 'default' });
		expect(String(result.outputOf('Node')[0].json.worker_id)).toMatch(/^n8n-.+-wf-/);
	});

	it('explains a bad lease length', async () => {
		const result = await runNode(conn, 'claimJob', { queue: 'default', leaseSeconds: 0 });
		expect(result.errorOf('Node')?.message).toBe('Lease Seconds must be a whole number from 1 to 86400, got 0');
	});
});
