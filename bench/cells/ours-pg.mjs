// Cell: mcp_jobs over plain pg, one connection per worker loop (see ours-workload.mjs for the work).
import { createRequire } from 'node:module';
import pg from 'pg';
import { oursCell, QUEUE } from './ours-workload.mjs';

const require = createRequire(import.meta.url);
const { migrate } = require('../../bin/supabase-jobs-migrate.js');

const ENQUEUE = 'select * from mcp_jobs.enqueue_jobs($1::jsonb)';
const CLAIM = 'select * from mcp_jobs.claim_next_job(p_worker_id => $1, p_queue => $2, p_limit => $3)';
const COMPLETE = 'select * from mcp_jobs.complete_jobs($1::jsonb)';

/** A workload driver on its own pg connection; `backendPid` is its server process (for CPU readings). */
export async function pgDriver(url) {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	const backendPid = (await client.query('select pg_backend_pid() as pid')).rows[0].pid;
	return {
		client,
		backendPid,
		enqueueJobs: async (jobs) => (await client.query(ENQUEUE, [JSON.stringify(jobs)])).rows,
		enqueueOne: (job) => client.query(ENQUEUE, [JSON.stringify([job])]),
		claim: async (workerId, queue, limit) => (await client.query(CLAIM, [workerId, queue, limit])).rows,
		completeJobs: async (items) => (await client.query(COMPLETE, [JSON.stringify(items)])).rows,
		close: () => client.end().catch(() => undefined),
	};
}

/** set_queue_limits for the bench queue; `limits` by argument name, e.g. { p_group_max_running: 1 }. */
export async function setBenchLimits(client, limits) {
	const names = Object.keys(limits);
	const args = names.map((name, i) => `${name} => $${i + 2}`).join(', ');
	await client.query(`select mcp_jobs.set_queue_limits($1, ${args})`, [QUEUE, ...names.map((n) => limits[n])]);
}

/**
 * `limits`: set_queue_limits arguments for the bench queue (e.g. { p_group_max_running: 1 }); `groupKeys`: spread the
 * jobs over that many group keys.
 */
export function createCell({ claimBatch = 1, workers = 8, enqueueBatch = 1000, limits, groupKeys }) {
	const config = { workers, claimBatch, enqueueBatch, processes: 1, connections: workers + 2, limits, groupKeys };
	return oursCell(config, { claimBatch, workers, enqueueBatch, groupKeys }, async (url) => {
		await migrate({ connectionString: url });
		if (limits) {
			const client = new pg.Client({ connectionString: url });
			await client.connect();
			await setBenchLimits(client, limits);
			await client.end();
		}
		return { makeDriver: () => pgDriver(url) };
	});
}
