// The Postgres server the bench runs against: an embedded one started here (fsync on, as in production),
// or DATABASE_URL's server. Creates and drops one throwaway database per cell run; reads its settings.
import { createDatabase, dropDatabase, withClient } from '../../scripts/lib/databases.mjs';
import { startEmbeddedPostgres } from '../../scripts/lib/postgres.mjs';

/** Settings that move queue throughput; recorded with the results. */
const SETTINGS = [
	'server_version',
	'shared_buffers',
	'max_connections',
	'fsync',
	'synchronous_commit',
	'full_page_writes',
	'wal_level',
	'wal_buffers',
	'max_wal_size',
	'checkpoint_timeout',
	'commit_delay',
	'work_mem',
	'maintenance_work_mem',
	'effective_cache_size',
	'random_page_cost',
	'jit',
	'autovacuum',
	'autovacuum_naptime',
	'autovacuum_vacuum_scale_factor',
	'huge_pages',
	'max_worker_processes',
	'default_toast_compression',
	'wal_compression',
];

export async function startServer(log) {
	if (process.env.DATABASE_URL) {
		log('using the server of DATABASE_URL');
		return { url: process.env.DATABASE_URL, embedded: false, stop: async () => undefined };
	}
	log('starting embedded PostgreSQL (fsync on)');
	const server = await startEmbeddedPostgres({ fast: false });
	return { url: server.url, embedded: true, stop: server.stop };
}

/** A fresh database `name` (dropped first if a previous run left it); returns its URL. */
export async function freshDatabase(serverUrl, name) {
	await dropDatabase(serverUrl, name);
	return createDatabase(serverUrl, name);
}

/** { version, settings: { name: value as SHOW prints it } } of the server. */
export async function serverInfo(url) {
	return withClient(url, async (c) => {
		const {
			rows: [{ version }],
		} = await c.query('select version()');
		const { rows } = await c.query('select name, current_setting(name) as value from pg_settings where name = any($1) order by name', [
			SETTINGS,
		]);
		const settings = Object.fromEntries(rows.map((r) => [r.name, r.value]));
		return { version, settings };
	});
}
