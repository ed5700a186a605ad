// Cell: graphile-worker 0.18 through its public API, upstream perfTest settings (batched or unbatched),
// 2 worker processes x 24 concurrent jobs. Enqueue with WorkerUtils.addJobs in batches of 1000; drain with
// runOnce in both processes; latency with run() (LISTEN on jobs:insert) and add_job, as upstream latencyTest.
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { makeWorkerUtils, run } from 'graphile-worker';
import { startWorkers } from '../lib/procs.mjs';
import { latencyProbe } from '../lib/latency.mjs';
import { workerPreset, quietLogger, handlePoolErrors, CONCURRENT_JOBS } from './graphile-preset.mjs';

const PROC = fileURLToPath(new URL('./graphile-worker-proc.mjs', import.meta.url));

export function createCell({ batched = true, processes = 2, enqueueBatch = 1000 }) {
	const config = {
		processes,
		concurrentJobs: CONCURRENT_JOBS,
		enqueueBatch,
		preset: workerPreset(batched).worker,
	};
	let url;
	let utils;
	let workers;
	let pool;

	return {
		config,
		async setup(ctx) {
			url = ctx.url;
			utils = await makeWorkerUtils({ connectionString: url, logger: quietLogger });
			await utils.migrate();
			workers = await startWorkers(PROC, processes, { url, batched });
		},

		async enqueue(n) {
			for (let start = 0; start < n; start += enqueueBatch) {
				const specs = [];
				for (let i = start; i < Math.min(n, start + enqueueBatch); i++) {
					specs.push({ identifier: 'noop', payload: { i } });
				}
				await utils.addJobs(specs);
			}
		},

		async drain() {
			const done = await workers.go({ expectDone: true });
			await workers.stop();
			workers = null;
			return {
				processed: done.reduce((s, d) => s + d.processed, 0),
				detail: { perProcess: done.map((d) => ({ processed: d.processed, ms: Math.round(d.ms) })) },
			};
		},

		async verify() {
			const {
				rows: [row],
			} = await utils.withPgClient((c) => c.query('select count(*)::int as n from graphile_worker.jobs'));
			if (row.n !== 0) throw new Error(`${row.n} jobs left after the drain`);
		},

		async latency(samples) {
			const probe = latencyProbe();
			pool = new pg.Pool({ connectionString: url, max: CONCURRENT_JOBS + 2 });
			handlePoolErrors(pool);
			const runner = await run({
				pgPool: pool,
				preset: workerPreset(batched),
				taskList: { lat: async (payload) => probe.started(payload.i) },
				logger: quietLogger,
				noHandleSignals: true,
			});
			const client = await pool.connect();
			try {
				return await probe.run(samples, (i) => client.query("select graphile_worker.add_job('lat', json_build_object('i', $1::int))", [i]));
			} finally {
				client.release();
				await runner.stop();
			}
		},

		async teardown() {
			workers?.kill();
			await utils?.release();
			await pool?.end();
		},
	};
}
