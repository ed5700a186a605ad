// Databases on a PostgreSQL server, for the tests, the bench and the n8n harness: create, drop, connect with
// an error that says where, and the roles a Supabase project has. `serverUrl` is the URL of any database on
// the server; CREATE and DROP DATABASE run from its maintenance database.
import { createRequire } from 'node:module';
import pg from 'pg';

const require = createRequire(import.meta.url);
const { databaseTarget, connectionFailure } = require('../../bin/supabase-jobs-migrate.js');

export { databaseTarget };

/** Supabase's API roles and how Supabase creates them; plain Postgres has none of them. */
const SUPABASE_API_ROLES = {
	anon: 'nologin noinherit',
	authenticated: 'nologin noinherit',
	service_role: 'nologin noinherit bypassrls',
};

/** `name` as a quoted SQL identifier. */
export const quoteIdent = (name) => `"${name.replace(/"/g, '""')}"`;

/** The URL with its database name replaced. */
export function withDatabase(url, database) {
	const u = new URL(url);
	u.pathname = `/${database}`;
	return u.toString();
}

/** Connects a pg client; a failed connection names the server, database and user (never the password). */
export async function connect(url) {
	const target = databaseTarget(url, 'the database URL');
	const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
	client.on('error', () => undefined); // a lost connection fails the next query instead
	await client.connect().catch((error) => {
		throw connectionFailure(error, target);
	});
	return client;
}

/** Runs `fn(client)` on a new connection to `url` and closes it. */
export async function withClient(url, fn) {
	const client = await connect(url);
	try {
		return await fn(client);
	} finally {
		await client.end().catch(() => undefined);
	}
}

/** Runs `fn(client)` on the server's maintenance database: `postgres`, or `template1` where there is none. */
async function withMaintenanceClient(serverUrl, fn) {
	try {
		return await withClient(withDatabase(serverUrl, 'postgres'), fn);
	} catch (err) {
		if (err.code !== '3D000') throw err;
		return await withClient(withDatabase(serverUrl, 'template1'), fn);
	}
}

/** Creates database `name`; with `template`, as a copy of that database. Returns its URL. */
export async function createDatabase(serverUrl, name, { template } = {}) {
	await withMaintenanceClient(serverUrl, (c) =>
		c.query(`create database ${quoteIdent(name)}${template ? ` template ${quoteIdent(template)}` : ''}`),
	);
	return withDatabase(serverUrl, name);
}

/** Creates database `name` unless it exists (also when another process creates it at the same time). Returns true when created. */
export async function ensureDatabase(serverUrl, name) {
	return withMaintenanceClient(serverUrl, async (c) => {
		const { rowCount } = await c.query('select 1 from pg_database where datname = $1', [name]);
		if (rowCount) return false;
		try {
			await c.query(`create database ${quoteIdent(name)}`);
			return true;
		} catch (err) {
			if (err.code === '42P04') return false; // created concurrently
			throw err;
		}
	});
}

/** Drops database `name` if it exists, ending the sessions still connected to it. */
export async function dropDatabase(serverUrl, name) {
	await withMaintenanceClient(serverUrl, (c) => c.query(`drop database if exists ${quoteIdent(name)} with (force)`));
}

/**
 * Creates Supabase's API roles where missing, as on a Supabase project: the migrations grant to them when they
 * exist, and the tests check that anon/authenticated are denied and service_role works.
 * @param {{ query: (sql: string) => Promise<unknown> }} client  a connected pg client of a superuser
 */
export async function createSupabaseApiRoles(client) {
	const statements = Object.entries(SUPABASE_API_ROLES).map(
		([role, options]) => `if not exists (select 1 from pg_roles where rolname = '${role}') then create role ${role} ${options}; end if;`,
	);
	await client.query(`do $$ begin ${statements.join(' ')} end $$`);
}
