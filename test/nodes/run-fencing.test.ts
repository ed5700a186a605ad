// Run fencing in n8n's engine: Claim Job -> a handler that outlives its lease -> Complete Job. While the handler runs,
// the lease expires and the same workflow (same default worker id) claims the job again as a new run. The late
// Complete Job carries the run id of its claim, so it fails as "no longer current" and the new run is untouched.
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { SupabaseJobsApi } from '../../credentials/SupabaseJobsApi.credentials';
import { defaultWorkerId } from '../../nodes/shared/workerId';
import type { TestDatabase } from '../support/database';
import { runWorkflow } from '../support/n8n/run-workflow';
import { nodeTypes, TRANSPORTS, useConnection, type Connection } from './support';

/**
 * A handler that takes longer than the lease: its job's lease runs out, and the workflow's next claim (same worker
 * id, as the next scheduled execution would use) starts the job's next run before the handler is done.
 */
function slowHandler(db: () => TestDatabase): INodeType {
	const description: INodeTypeDescription = {
		displayName: 'Slow Handler',
		name: 'slowHandler',
		group: ['transform'],
		version: 1,
		description: 'test only',
		defaults: { name: 'Slow Handler' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};
	return {
		description,
		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			const items = this.getInputData();
			for (const item of items) {
				await db().pool.query(`update mcp_jobs.jobs set lease_expires_at = now() - interval '1 second' where id = $1`, [item.json.id]);
				const { rows } = await db().pool.query(`select id from mcp_jobs.claim_next_job($1, 'fence')`, [defaultWorkerId(this)]);
				if (rows[0]?.id !== item.json.id) throw new Error('the test expected the same job to be claimed again');
			}
			return [items.map((item, i) => ({ json: { handled: item.json.id }, pairedItem: { item: i } }))];
		},
	};
}

describe.each(TRANSPORTS)('run fencing in the engine over %s', (transport) => {
	const t = useConnection(transport, 'mcp_jobs.jobs');
	let db: TestDatabase;
	let conn: Connection;
	beforeAll(() => ({ db, conn } = t));

	it('Claim Job -> a handler longer than the lease -> Complete Job: the late complete fails, the new run goes on', async () => {
		const { rows: [{ id }] } = await db.pool.query(`select mcp_jobs.enqueue_job('t', 'x', p_queue => 'fence') as id`);
		const run = await runWorkflow({
			nodeTypes: { ...nodeTypes, 'test.slowHandler': slowHandler(() => db) },
			credentials: { supabaseJobsApi: conn.credentials },
			credentialTypes: { supabaseJobsApi: new SupabaseJobsApi() },
			workflow: {
				nodes: [
					{ name: 'Claim Job', type: 'n8n-nodes-supabase-jobs.claimJob', parameters: { queue: 'fence', batchSize: 1, leaseSeconds: 60 } },
					{ name: 'Slow Handler', type: 'test.slowHandler' },
					{
						name: 'Complete Job',
						type: 'n8n-nodes-supabase-jobs.completeFailJob',
						// as the templates map them: the id and run id of the claim, further down the workflow
						parameters: {
							operation: 'complete',
							jobId: `={{ $('Claim Job').item.json.id }}`,
							runId: `={{ $('Claim Job').item.json.run_id }}`,
							result: '={{ $json }}',
						},
						onError: 'continueErrorOutput',
					},
				],
				connections: {
					'Claim Job': { main: [[{ node: 'Slow Handler', type: NodeConnectionTypes.Main, index: 0 }]] },
					'Slow Handler': { main: [[{ node: 'Complete Job', type: NodeConnectionTypes.Main, index: 0 }]] },
				},
			},
		});
		const [claimed] = run.outputOf('Claim Job').map((i) => i.json);
		expect(claimed).toMatchObject({ id, attempts: 1 });
		expect(run.outputOf('Complete Job')).toEqual([]);
		const [refused] = run.outputOf('Complete Job', 1);
		expect(String(refused.json.error)).toMatch(/^run .* of job .* is no longer current \(job re-claimed\)/);

		const { rows: [job] } = await db.pool.query(`select status, attempts, run_id, result from mcp_jobs.jobs where id = $1`, [id]);
		expect(job).toMatchObject({ status: 'running', attempts: 2, result: null });
		expect(job.run_id).not.toBe(claimed.run_id);
	});
});
