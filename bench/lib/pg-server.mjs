// The Postgres server the bench runs against: an embedded one started here (fsync on, as in production),
// or DATABASE_URL's server. Creates and drops one throwaway database per cell run; reads its settings.
import pg from 'pg';
import { startEmbeddedPostgres, withDatabase } from '../../scripts/lib/postgres.mjs';

export { withDatabase };

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

async function withClient(url, fn) {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		return await fn(client);
	} finally {
		await client.end();
	}
}

const ident = (name) => `"${name.replace(/"/g, '""')}"`;

export async function createDatabase(adminUrl, name) {
	await withClient(adminUrl, async (c) => {
		await c.query(`drop database if exists ${ident(name)} with (force)`);
		await c.query(`create database ${ident(name)}`);
	});
	return withDatabase(adminUrl, name);
}

export async function dropDatabase(adminUrl, name) {
	await withClient(adminUrl, (c) => c.query(`drop database if exists ${ident(name)} with (force)`));
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
