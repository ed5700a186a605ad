// mcp_jobs over pg in a fresh database of its own, for the scripts beside `npm run bench`'s cells (ab-ours.mjs,
// profile-ours.mjs): the same workload as the ours-pg cell (ours-workload.mjs, one connection per worker loop).
import { createRequire } from 'node:module';
import { dropDatabase } from '../../scripts/lib/databases.mjs';
import { pgDriver } from '../cells/ours-pg.mjs';
import { oursWorkload } from '../cells/ours-workload.mjs';
import { freshDatabase } from './pg-server.mjs';

const require = createRequire(import.meta.url);
const { migrate } = require('../../bin/supabase-jobs-migrate.js');

/** @typedef {ReturnType<typeof oursWorkload>} Workload */

/**
 * Creates database `database` with the migrations of `migrationsDir` (default migrations/), runs `prepare(db)`,
 * connects the workload's enqueuer and worker loops, and runs `body`; drops the database afterwards.
 * @template T
 * @param {string} serverUrl
 * @param {string} database
 * @param {{ workers: number, claimBatch: number, groupKeys?: number, migrationsDir?: string,
 *   prepare?: (db: object) => Promise<void> }} options
 * @param {(run: { url: string, db: object, work: Workload, drivers: Map<string|number, object> }) => Promise<T>} body
 *   db: a driver of its own (its pg client is db.client); drivers: the workload's, by key ('enqueuer', 0, 1, …)
 * @returns {Promise<T>}
 */
export async function withOursWorkload(serverUrl, database, { workers, claimBatch, groupKeys, migrationsDir, prepare }, body) {
	const url = await freshDatabase(serverUrl, database);
	const drivers = new Map();
	const makeDriver = async (key) => {
		const driver = await pgDriver(url);
		drivers.set(key, driver);
		return driver;
	};
	const work = oursWorkload({ claimBatch, workers, groupKeys, enqueueBatch: 1000, databaseUrl: url, makeDriver });
	let db;
	try {
		await migrate({ connectionString: url, dir: migrationsDir });
		db = await pgDriver(url);
		await prepare?.(db);
		await work.setup();
		return await body({ url, db, work, drivers });
	} finally {
		await work.teardown();
		await db?.close();
		await dropDatabase(serverUrl, database);
	}
}

/** Milliseconds `fn` takes. */
export async function timed(fn) {
	const t0 = performance.now();
	await fn();
	return performance.now() - t0;
}
