// A graphile-worker process for the drain: connects its pool, then on 'go' runs runOnce (drain and exit).
import pg from 'pg';
import { runOnce } from 'graphile-worker';
import { serveWorker } from '../lib/procs.mjs';
import { workerPreset, quietLogger, handlePoolErrors, CONCURRENT_JOBS } from './graphile-preset.mjs';

const { url, batched } = JSON.parse(process.argv[2]);
const pgPool = new pg.Pool({ connectionString: url, max: CONCURRENT_JOBS + 1 });
handlePoolErrors(pgPool);
// open the pool's connections now, so the timed drain does not pay for them (ours connects before too)
const warm = await Promise.all(Array.from({ length: CONCURRENT_JOBS + 1 }, () => pgPool.connect()));
for (const client of warm) client.release();

let processed = 0;
const taskList = {
	noop: async () => {
		processed++;
	},
};

serveWorker({
	async onGo() {
		const t0 = performance.now();
		await runOnce({ pgPool, preset: workerPreset(batched), taskList, logger: quietLogger, noHandleSignals: true });
		return { processed, ms: performance.now() - t0 };
	},
	async onStop() {
		await pgPool.end();
		return {};
	},
});
