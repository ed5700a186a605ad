// Migrations: psql in lexical order on an empty database, re-applying changes nothing, the migrator's
// bookkeeping, a fake Supabase (publication supabase_realtime), and the files' conventions.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Client } from 'pg';
import { createEmptyDatabase } from '../support/database';
import { havePsql, openTestDatabase } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { migrate, listMigrations } = require('../../bin/supabase-jobs-migrate.js') as {
	migrate(o: { connectionString: string }): Promise<string[]>;
	listMigrations(): { version: string; name: string; file: string }[];
};

const MIGRATIONS = listMigrations();

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
	const c = new Client({ connectionString: url });
	await c.connect();
	try {
		return await fn(c);
	} finally {
		await c.end();
	}
}

/** Everything the migrations define, from the catalogs, as comparable JSON. */
async function schemaDump(url: string): Promise<Record<string, unknown>> {
	return withClient(url, async (c) => {
		const q = async (sql: string) => (await c.query(sql)).rows;
		const ns = `'mcp_jobs'::regnamespace`;
		return {
			schema: await q(`select nspname, nspacl::text, obj_description(oid, 'pg_namespace') as comment
			                 from pg_namespace where nspname = 'mcp_jobs'`),
			functions: await q(`select p.oid::regprocedure::text as sig, pg_get_functiondef(p.oid) as def, p.proacl::text as acl,
			                           p.proconfig, p.prosecdef, obj_description(p.oid, 'pg_proc') as comment
			                    from pg_proc p where p.pronamespace = ${ns} order by 1`),
			tables: await q(`select c.relname, c.relkind, c.relacl::text as acl, c.relrowsecurity, c.relforcerowsecurity,
			                        obj_description(c.oid, 'pg_class') as comment
			                 from pg_class c where c.relnamespace = ${ns} order by 1`),
			columns: await q(`select c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull,
			                         a.attidentity, pg_get_expr(d.adbin, d.adrelid) as default, a.attacl::text as acl,
			                         col_description(c.oid, a.attnum) as comment
			                  from pg_attribute a join pg_class c on c.oid = a.attrelid
			                  left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
			                  where c.relnamespace = ${ns} and c.relkind in ('r', 'p', 'v') and a.attnum > 0 and not a.attisdropped
			                  order by 1, 2`),
			constraints: await q(`select conrelid::regclass::text as rel, conname, pg_get_constraintdef(oid) as def
			                      from pg_constraint where connamespace = ${ns} order by 1, 2`),
			indexes: await q(`select tablename, indexname, indexdef from pg_indexes where schemaname = 'mcp_jobs' order by 1, 2`),
			triggers: await q(`select tgrelid::regclass::text as rel, tgname, pg_get_triggerdef(t.oid) as def
			                   from pg_trigger t join pg_class c on c.oid = t.tgrelid
			                   where c.relnamespace = ${ns} and not t.tgisinternal order by 1, 2`),
			policies: await q(`select * from pg_policies where schemaname = 'mcp_jobs' order by tablename, policyname`),
			sequences: await q(`select c.relname, c.relacl::text as acl from pg_class c where c.relnamespace = ${ns} and c.relkind = 'S' order by 1`),
			publications: await q(`select pubname, schemaname, tablename from pg_publication_tables where schemaname = 'mcp_jobs' order by 1, 3`),
		};
	});
}

function psqlApply(url: string, file: string): void {
	try {
		execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file], {
			stdio: ['ignore', 'pipe', 'pipe'],
			env: { ...process.env, PGOPTIONS: '--client-min-messages=warning' },
		});
	} catch (error: any) {
		throw new Error(`psql -f ${basename(file)} failed (exit ${error.status}): ${error.stderr}`);
	}
}

const psqlAvailable = havePsql();
if (!psqlAvailable) console.warn('migrations.test.ts: psql is not on PATH, so the psql migration tests are skipped');
const withPsql = psqlAvailable ? test : test.skip;

test('the migration files are found, in lexical order', () => {
	expect(MIGRATIONS.length).toBeGreaterThanOrEqual(5);
	const names = MIGRATIONS.map((m) => basename(m.file));
	expect(names).toEqual([...names].sort());
	expect(names[0]).toBe('20260120000000_mcp_jobs_schema.sql');
});

withPsql(`psql -v ON_ERROR_STOP=1 -f each file${psqlAvailable ? '' : ' (skipped: psql is not on PATH)'}: applies on an empty database, re-applying fails nothing and changes nothing`, async () => {
	const empty = await createEmptyDatabase();
	const reference = await openTestDatabase(); // migrated by migrate() in global setup
	try {
		for (const m of MIGRATIONS) psqlApply(empty.url, m.file);
		const first = await schemaDump(empty.url);
		expect((first.functions as unknown[]).length).toBeGreaterThan(20);
		expect((first.tables as any[]).map((t) => t.relname)).toEqual(expect.arrayContaining(
			['jobs', 'job_runs', 'job_events', 'dead_letter_queue', 'metrics', 'queue_settings', 'schema_migrations']));
		// the same schema as the migrator produces
		expect(first).toEqual(await schemaDump(reference.url));

		// put some data in, so that a re-run that touched rows would show
		await withClient(empty.url, (c) => c.query(`select mcp_jobs.enqueue_job('s', 't')`));
		for (const m of MIGRATIONS) psqlApply(empty.url, m.file);
		expect(await schemaDump(empty.url)).toEqual(first);
		const { n } = await withClient(empty.url, async (c) => (await c.query(`select count(*)::int as n from mcp_jobs.jobs`)).rows[0]);
		expect(n).toBe(1);
	} finally {
		await reference.drop();
		await empty.drop();
	}
});

test('migrate() records every version; a second run applies nothing and changes nothing', async () => {
	const empty = await createEmptyDatabase();
	try {
		const versions = MIGRATIONS.map((m) => m.version);
		expect(await migrate({ connectionString: empty.url })).toEqual(versions);
		const recorded = await withClient(empty.url, async (c) =>
			(await c.query(`select version, name from mcp_jobs.schema_migrations order by version`)).rows);
		expect(recorded).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
		const dump = await schemaDump(empty.url);

		expect(await migrate({ connectionString: empty.url })).toEqual([]);
		expect(await schemaDump(empty.url)).toEqual(dump);
		const { n } = await withClient(empty.url, async (c) => (await c.query(`select count(*)::int as n from mcp_jobs.schema_migrations`)).rows[0]);
		expect(n).toBe(versions.length);
	} finally {
		await empty.drop();
	}
});

test('concurrent migrators on one database apply each version once', async () => {
	const empty = await createEmptyDatabase();
	try {
		const [a, b] = await Promise.all([migrate({ connectionString: empty.url }), migrate({ connectionString: empty.url })]);
		expect([...a, ...b].sort()).toEqual(MIGRATIONS.map((m) => m.version));
	} finally {
		await empty.drop();
	}
});

test('a fake Supabase: mcp_jobs.jobs joins the supabase_realtime publication, once', async () => {
	const empty = await createEmptyDatabase();
	try {
		await withClient(empty.url, (c) => c.query(`create publication supabase_realtime`));
		await migrate({ connectionString: empty.url });
		await withClient(empty.url, async (c) => {
			for (const m of MIGRATIONS) await c.query(readFileSync(m.file, 'utf8')); // the files are idempotent: run again, the table is still published once
		});
		const tables = await withClient(empty.url, async (c) =>
			(await c.query(`select schemaname, tablename from pg_publication_tables where pubname = 'supabase_realtime'`)).rows);
		expect(tables).toEqual([{ schemaname: 'mcp_jobs', tablename: 'jobs' }]);
	} finally {
		await empty.drop();
	}
});

test('without the publication nothing is published', async () => {
	const db = await openTestDatabase();
	try {
		const { n } = await withClient(db.url, async (c) => (await c.query(`select count(*)::int as n from pg_publication_tables where schemaname = 'mcp_jobs'`)).rows[0]);
		expect(n).toBe(0);
	} finally {
		await db.drop();
	}
});

test('every function in the files has set search_path = \'\' and a contract comment naming it just above', () => {
	const problems: string[] = [];
	let functions = 0;
	for (const m of MIGRATIONS) {
		const lines = readFileSync(m.file, 'utf8').split('\n');
		lines.forEach((line, i) => {
			const match = /^create or replace function mcp_jobs\.(\w+)\s*\(/i.exec(line);
			if (!match) return;
			functions++;
			const name = match[1];
			// the comment block right above: its first line is "-- name: ..."
			let k = i - 1;
			while (k >= 0 && lines[k].startsWith('--')) k--;
			const block = lines.slice(k + 1, i);
			if (block.length === 0 || !block[0].startsWith(`-- ${name}: `)) {
				problems.push(`${basename(m.file)}:${i + 1} ${name}: no "-- ${name}: ..." contract comment above it`);
			}
			const body = lines.slice(i, lines.indexOf('$$;', lines.indexOf('as $$', i)) + 1).join('\n');
			if (!/^set search_path = ''$/m.test(body)) problems.push(`${basename(m.file)}:${i + 1} ${name}: no set search_path = ''`);
		});
	}
	expect(functions).toBeGreaterThan(20);
	expect(problems).toEqual([]);
});

test('upgrading a database migrated before a later file existed: the new functions are not executable by PUBLIC', async () => {
	// Such a database ran 20260120000900 (the grants) before the new file; the file must then revoke/grant itself.
	const security = MIGRATIONS.find((m) => m.name.includes('security'))!;
	const later = MIGRATIONS.filter((m) => m.version > MIGRATIONS[0].version && m.version < security.version);
	expect(later.length).toBeGreaterThan(0);
	for (const added of later) {
		const db = await createEmptyDatabase();
		try {
			await withClient(db.url, async (c) => {
				for (const m of MIGRATIONS.filter((x) => x !== added)) await c.query(readFileSync(m.file, 'utf8'));
				await c.query(readFileSync(added.file, 'utf8'));
				const { rows } = await c.query(
					`select p.oid::regprocedure::text as fn from pg_proc p
					 where p.pronamespace = 'mcp_jobs'::regnamespace
					   and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0))`,
				);
				expect({ added: added.name, publicExecute: rows.map((r) => r.fn) }).toEqual({ added: added.name, publicExecute: [] });
			});
		} finally {
			await db.drop();
		}
	}
});
