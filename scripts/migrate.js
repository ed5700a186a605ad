#!/usr/bin/env node
'use strict';
// Applies migrations/*.sql in lexical order, each in its own transaction, and records applied
// versions in mcp_jobs.schema_migrations. For users without the Supabase CLI:
//   npm run migrate -- --database-url postgres://...   (or DATABASE_URL=... npm run migrate)
const fs = require('node:fs');
const path = require('node:path');
const { Client } = require('pg');

const MIGRATIONS_DIR = path.join(__dirname, '..', 'migrations');
const FILE_PATTERN = /^(\d{14})_(.+)\.sql$/;
// any constant works: it only serialises concurrent migrators on one database
const LOCK_KEY = 7262_0120;

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

async function appliedVersions(client) {
	const { rows } = await client.query("select to_regclass('mcp_jobs.schema_migrations') is not null as present");
	if (!rows[0].present) return new Set();
	const result = await client.query('select version from mcp_jobs.schema_migrations');
	return new Set(result.rows.map((r) => r.version));
}

/**
 * Applies pending migrations. Returns the versions it applied.
 * @param {{ connectionString: string, all?: boolean, log?: (msg: string) => void, dir?: string }} options
 */
async function migrate({ connectionString, all = false, log = () => undefined, dir }) {
	const client = new Client({ connectionString });
	await client.connect();
	const applied = [];
	try {
		await client.query('select pg_advisory_lock($1)', [LOCK_KEY]);
		const done = all ? new Set() : await appliedVersions(client);
		for (const m of listMigrations(dir)) {
			if (done.has(m.version)) continue;
			const sql = fs.readFileSync(m.file, 'utf8');
			await client.query('begin');
			try {
				await client.query(sql);
				await client.query(
					`insert into mcp_jobs.schema_migrations (version, name) values ($1, $2)
					 on conflict (version) do update set applied_at = now()`,
					[m.version, m.name],
				);
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
	const args = { all: false };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--database-url') args.url = argv[++i];
		else if (a.startsWith('--database-url=')) args.url = a.slice('--database-url='.length);
		else if (a === '--all') args.all = true;
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
		console.error(`${error.message}. Usage: migrate [--database-url postgres://...] [--all]`);
		process.exit(2);
	}
	if (args.help) {
		console.log(
			'Usage: migrate [--database-url postgres://user:pass@host:5432/db] [--all]\n' +
				'Applies the mcp_jobs migrations that are not yet recorded (--all: every file again; they are idempotent).\n' +
				'Without --database-url, DATABASE_URL is used.',
		);
		return;
	}
	const connectionString = args.url || process.env.DATABASE_URL;
	if (!connectionString) {
		console.error('No database given: pass --database-url postgres://user:password@host:5432/postgres or set DATABASE_URL.');
		process.exit(2);
	}
	try {
		const applied = await migrate({ connectionString, all: args.all, log: (m) => console.log(m) });
		console.log(applied.length ? `done: ${applied.length} migration(s) applied` : 'up to date: nothing to apply');
	} catch (error) {
		// the message only: never echo the connection string (it holds the password)
		console.error(`migrate failed: ${error.message}`);
		process.exit(1);
	}
}

module.exports = { migrate, listMigrations };

if (require.main === module) main();
