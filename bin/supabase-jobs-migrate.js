#!/usr/bin/env node
'use strict';
// Applies migrations/*.sql in lexical order, each in its own transaction, and records applied versions in
// mcp_jobs.schema_migrations; a recorded version is never applied again. For users without the Supabase CLI:
//   npx supabase-jobs-migrate --database-url postgres://...   (or DATABASE_URL=... npx supabase-jobs-migrate)
const fs = require('node:fs');
const path = require('node:path');
const { Client } = require('pg');

const MIGRATIONS_DIR = path.join(__dirname, '..', 'migrations');
const FILE_PATTERN = /^(\d{14})_(.+)\.sql$/;
// any constant works: it only serialises concurrent migrators on one database
const LOCK_KEY = 7262_0120;
const CONNECT_TIMEOUT_MS = 15_000;
const USAGE = 'Usage: supabase-jobs-migrate [--database-url postgres://user:password@host:5432/database]';

function listMigrations(dir = MIGRATIONS_DIR) {
	return fs
		.readdirSync(dir)
		.filter((name) => FILE_PATTERN.test(name))
		.sort()
		.map((file) => {
			const [, version, name] = FILE_PATTERN.exec(file);
			return { version, name, file: path.join(dir, file) };
		});
}

/**
 * Where a connection string points, without its password: { host, port, database, user }.
 * Throws, naming `name`, when it is not a postgres:// (or postgresql://) URL.
 */
function databaseTarget(connectionString, name = 'connectionString') {
	let url;
	try {
		url = new URL(connectionString);
	} catch {
		url = undefined;
	}
	if (!url || !/^postgres(ql)?:$/.test(url.protocol)) {
		const got = url ? `, not ${url.protocol}//…` : '';
		throw new Error(`${name} must be a PostgreSQL URL like postgres://user:password@host:5432/database${got}`);
	}
	const user = decodeURIComponent(url.username) || '(the default user)';
	return {
		host: url.searchParams.get('host') || url.hostname || 'localhost',
		port: Number(url.port || 5432),
		database: decodeURIComponent(url.pathname.slice(1)) || user,
		user,
	};
}

// What to check, by the error's code or message (node's network errors, PostgreSQL's SQLSTATE, TLS).
const CONNECTION_HINTS = [
	[(e) => ['ENOTFOUND', 'EAI_AGAIN'].includes(e.code), 'the host name does not resolve: check the host in the URL'],
	[(e) => e.code === 'ECONNREFUSED', 'nothing accepts connections there: is the server running, and is the port right?'],
	[(e) => ['28P01', '28000'].includes(e.code), 'check the user name and password in the URL, and that the server lets this user in'],
	[(e) => e.code === '3D000', 'check the database name in the URL, or create that database first'],
	[(e) => /SSL|TLS|certificate/i.test(e.message), 'check the sslmode parameter of the URL (e.g. ?sslmode=require)'],
	[
		(e) => ['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(e.code) || /timeout|terminated/i.test(e.message),
		'no answer: check the host and port, and that no firewall is in the way',
	],
];

/** An Error saying which server, database and user a failed connection tried, and what to check (never the password). */
function connectionFailure(error, target) {
	const hint = CONNECTION_HINTS.find(([matches]) => matches(error))?.[1];
	const where = `${target.host}:${target.port}, database ${target.database}, user ${target.user}`;
	const failure = new Error(`cannot connect to PostgreSQL at ${where}: ${error.message}${hint ? `; ${hint}` : ''}`);
	failure.code = error.code;
	failure.target = target;
	return failure;
}

/**
 * The versions applied so far: recorded by this migrator (mcp_jobs.schema_migrations) or by the Supabase CLI
 * (supabase_migrations.schema_migrations, for a database set up with `supabase db push`). The files are append-only:
 * applying an older one again would put back older function definitions.
 */
async function appliedVersions(client) {
	const { rows } = await client.query(
		`select to_regclass('mcp_jobs.schema_migrations') is not null as ours,
		        to_regclass('supabase_migrations.schema_migrations') is not null as cli`,
	);
	const versions = [];
	if (rows[0].ours) versions.push(...(await client.query('select version from mcp_jobs.schema_migrations')).rows);
	if (rows[0].cli) versions.push(...(await client.query('select version from supabase_migrations.schema_migrations')).rows);
	return new Set(versions.map((r) => r.version));
}

/**
 * Applies the migrations not yet recorded in the database. Returns the versions it applied.
 * @param {{ connectionString: string, log?: (msg: string) => void, dir?: string }} options
 */
async function migrate({ connectionString, log = () => undefined, dir }) {
	const target = databaseTarget(connectionString);
	const client = new Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
	client.on('error', () => undefined); // a connection lost between queries fails the next query instead
	await client.connect().catch((error) => {
		throw connectionFailure(error, target);
	});
	const applied = [];
	try {
		await client.query('select pg_advisory_lock($1)', [LOCK_KEY]);
		const done = await appliedVersions(client);
		for (const m of listMigrations(dir)) {
			if (done.has(m.version)) continue;
			const sql = fs.readFileSync(m.file, 'utf8');
			await client.query('begin');
			try {
				await client.query(sql);
				await client.query('insert into mcp_jobs.schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
				await client.query('commit');
			} catch (error) {
				await client.query('rollback');
				error.message = `migration ${path.basename(m.file)} failed: ${error.message}`;
				throw error;
			}
			applied.push(m.version);
			log(`applied ${path.basename(m.file)}`);
		}
	} finally {
		await client.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
		await client.end();
	}
	return applied;
}

function parseArgs(argv) {
	const args = {};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--database-url') args.url = argv[++i];
		else if (a.startsWith('--database-url=')) args.url = a.slice('--database-url='.length);
		else if (a === '--help' || a === '-h') args.help = true;
		else throw new Error(`unknown argument ${a}`);
	}
	return args;
}

async function main() {
	let args;
	try {
		args = parseArgs(process.argv.slice(2));
	} catch (error) {
		console.error(`${error.message}. ${USAGE}`);
		process.exit(2);
	}
	if (args.help) {
		console.log(
			`${USAGE}\nApplies the mcp_jobs migrations this database has not recorded yet. Without --database-url, DATABASE_URL is used.`,
		);
		return;
	}
	const source = args.url !== undefined ? '--database-url' : 'DATABASE_URL';
	const connectionString = args.url ?? process.env.DATABASE_URL;
	if (!connectionString) {
		console.error('No database given: pass --database-url postgres://user:password@host:5432/postgres or set DATABASE_URL.');
		process.exit(2);
	}
	try {
		databaseTarget(connectionString, source);
	} catch (error) {
		console.error(error.message);
		process.exit(2);
	}
	try {
		const applied = await migrate({ connectionString, log: (m) => console.log(m) });
		console.log(applied.length ? `done: ${applied.length} migration(s) applied` : 'up to date: nothing to apply');
	} catch (error) {
		// messages only: the connection string holds the password
		console.error(`migrate failed${error.target ? ` (${source})` : ''}: ${error.message}`);
		process.exit(1);
	}
}

module.exports = { migrate, listMigrations, databaseTarget, connectionFailure };

if (require.main === module) main();
