// Cell: mcp_jobs through the nodes' own RPC client (dist/nodes/shared/client.js: supabase-js over HTTP) and
// the PostgREST-compatible gateway in a separate process: the path n8n takes with the "Supabase API"
// connection. Same work as ours-pg (ours-workload.mjs); the latency test's wake-up comes over LISTEN on a
// database connection, as with the credential's optional connection string.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startWorkers } from '../lib/procs.mjs';
import { requireDist } from '../lib/ts-support.mjs';
import { oursWorkload } from './ours-workload.mjs';

const require = createRequire(import.meta.url);
const { migrate } = require('../../scripts/migrate.js');
const GATEWAY = fileURLToPath(new URL('./gateway-proc.mjs', import.meta.url));

// Supabase's API roles: the gateway runs each call as service_role; the migrations grant to it if it exists
const API_ROLES = `do $$ begin
	if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
	if not exists (select 1 from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
	if not exists (select 1 from pg_roles where rolname = 'service_role') then create role service_role nologin noinherit bypassrls; end if;
end $$`;

export function createCell({ claimBatch = 10, workers = 8, enqueueBatch = 1000 }) {
	const config = { workers, claimBatch, enqueueBatch, processes: 2, transport: 'supabase-js -> gateway (HTTP) -> pg pool of 10' };
	let gateway;
	let work;
	return {
		config,
		async setup(ctx) {
			const { url } = ctx;
			const admin = new pg.Client({ connectionString: url });
			await admin.connect();
			await admin.query(API_ROLES).finally(() => admin.end());
			await migrate({ connectionString: url });
			gateway = await startWorkers(GATEWAY, 1, { url });
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
			work = oursWorkload({ claimBatch, workers, enqueueBatch, databaseUrl: url, makeDriver });
			await work.setup();
		},
		enqueue: (n) => work.enqueue(n),
		drain: () => work.drain(),
		verify: (expected) => work.verify(expected),
		latency: (samples) => work.latency(samples),
		async teardown() {
			await work?.teardown();
			await gateway?.stop().catch(() => gateway.kill());
		},
	};
}
