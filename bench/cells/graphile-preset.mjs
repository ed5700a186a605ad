// graphile-worker settings: upstream perfTest/graphile.config.js (batched), or its commented-out unbatched lines.
import { Logger } from 'graphile-worker';

export const CONCURRENT_JOBS = 24;

export function workerPreset(batched) {
	return {
		worker: {
			concurrentJobs: CONCURRENT_JOBS,
			maxPoolSize: CONCURRENT_JOBS + 1,
			gracefulShutdownAbortTimeout: 2500,
			...(batched
				? { localQueue: { size: 500, refetchDelay: { durationMs: 10 } }, completeJobBatchDelay: 0, failJobBatchDelay: 0 }
				: { localQueue: { size: -1 }, completeJobBatchDelay: -1, failJobBatchDelay: -1 }),
		},
	};
}

/** Logs errors only (the default logger prints a line per worker start). */
export const quietLogger = new Logger(() => (level, message) => {
	if (level === 'error') process.stderr.write(`graphile-worker: ${message}\n`);
});

/** The pool and client error handlers graphile-worker asks for (it warns, and installs its own, without them). */
export function handlePoolErrors(pool) {
	const report = (e) => process.stderr.write(`graphile-worker pool: ${e.message}\n`);
	pool.on('error', report);
	pool.on('connect', (client) => client.on('error', report));
}
