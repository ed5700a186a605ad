// Cell: mcp_jobs through the nodes' own RPC client (dist/nodes/shared/client.js: supabase-js over HTTP) and
// the PostgREST-compatible gateway in a separate process: the path n8n takes with the "Supabase API"
// connection. Same work as ours-pg (ours-workload.mjs); the latency test's wake-up comes over LISTEN on a
// database connection, as with the credential's optional connection string.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createSupabaseApiRoles, withClient } from '../../scripts/lib/databases.mjs';
import { startWorkers } from '../lib/procs.mjs';
import { requireDist } from '../lib/ts-support.mjs';
import { oursCell } from './ours-workload.mjs';

const require = createRequire(import.meta.url);
const { migrate } = require('../../bin/supabase-jobs-migrate.js');
const GATEWAY = fileURLToPath(new URL('./gateway-proc.mjs', import.meta.url));

export function createCell({ claimBatch = 10, workers = 8, enqueueBatch = 1000 }) {
	const config = { workers, claimBatch, enqueueBatch, processes: 2, transport: 'supabase-js -> gateway (HTTP) -> pg pool of 10' };
	return oursCell(config, { claimBatch, workers, enqueueBatch }, async (url) => {
		await withClient(url, createSupabaseApiRoles);
		await migrate({ connectionString: url });
		const gateway = await startWorkers(GATEWAY, 1, { url });
		const [{ url: apiUrl, serviceRoleKey }] = gateway.ready;
		const { JobsClient } = requireDist('nodes/shared/client.js');
		const makeDriver = async () => {
			const client = JobsClient.fromCredentials({ connection: 'supabaseApi', supabaseUrl: apiUrl, serviceRoleKey });
			return {
				enqueueJobs: (jobs) => client.callBatch('enqueue_jobs', jobs),
				enqueueOne: (job) => client.callBatch('enqueue_jobs', [job]),
				claim: (workerId, queue, limit) => client.call('claim_next_job', { p_worker_id: workerId, p_queue: queue, p_limit: limit }),
				completeJobs: (items) => client.callBatch('complete_jobs', items),
			};
		};
		return { makeDriver, stop: () => gateway.stop().catch(() => gateway.kill()) };
	});
}
