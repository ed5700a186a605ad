// What the migration tests share: the migration files (released and new), a comparable dump of everything the
// migrations define, and ways to apply files (the migrator, psql, a copy of a release's files).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Client } from 'pg';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const migrator = require('../../bin/supabase-jobs-migrate.js') as {
	migrate(o: { connectionString: string; dir?: string }): Promise<string[]>;
	listMigrations(dir?: string): Migration[];
};

export interface Migration {
	version: string;
	name: string;
	file: string;
}

export const { migrate } = migrator;
export const MIGRATIONS = migrator.listMigrations();

/**
 * The released migration files with their sha256: frozen byte for byte (a database that applied a version never
 * applies it again, so an edit would never reach it). Add a release's files here when it is tagged.
 */
export const RELEASED: Record<string, { release: string; sha256: string }> = {
	'20260120000000_mcp_jobs_schema.sql': { release: '0.1.0', sha256: '4abc853fe421b68a17d36fb44e19193e463ddbef24605e430c5ee7cbf58e8e22' },
	'20260120000100_mcp_jobs_enqueue.sql': { release: '0.1.0', sha256: 'dfff254f3f20c508544a670c0678c02b5f625d800d46fceee8ec748a19df200f' },
	'20260120000200_mcp_jobs_worker.sql': { release: '0.1.0', sha256: '7596ecaaa796c95a81e1a2c2737442f46a34a35655df3f0b474a86bac481c3e8' },
	'20260120000300_mcp_jobs_admin.sql': { release: '0.1.0', sha256: '0985acc7e453d3ae71d4d75b2b9d988b4d52cbf387558e48f05dceeda2683ed2' },
	'20260120000400_mcp_jobs_release.sql': { release: '0.1.0', sha256: 'f3bb5eb8f214a3b7b6616ab56f266888cdeb595fb81fc25c07ad5cc935213773' },
	'20260120000500_mcp_jobs_admin_batch.sql': { release: '0.1.0', sha256: 'a727a48508e4fc427e16e40b0d893e23d8494eada69db108691b1d3c16e5efe3' },
	'20260120000900_mcp_jobs_security_and_supabase.sql': {
		release: '0.1.0',
		sha256: 'aff5628f2d203ead422723d27e1ba54bd0ee1d6a57909cbb87af3707bdf8fe11',
	},
};

export const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The migration files of a release (copied into a temporary directory, for the migrator or the Supabase CLI). */
export function releaseFiles(release: string): { dir: string; files: Migration[] } {
	const dir = mkdtempSync(join(tmpdir(), `mcp-jobs-${release}-`));
	const files = MIGRATIONS.filter((m) => RELEASED[basename(m.file)]?.release === release);
	for (const m of files) copyFileSync(m.file, join(dir, basename(m.file)));
	return { dir, files };
}

export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
	const c = new Client({ connectionString: url });
	await c.connect();
	try {
		return await fn(c);
	} finally {
		await c.end();
	}
}

const SCHEMAS = `('mcp_jobs', 'mcp_jobs_private')`;

/** Everything the migrations define in mcp_jobs and mcp_jobs_private, from the catalogs, as comparable JSON. */
export async function schemaDump(url: string): Promise<Record<string, unknown>> {
	return withClient(url, async (c) => {
		const q = async (sql: string) => (await c.query(sql)).rows;
		const ns = `(select oid from pg_namespace where nspname in ${SCHEMAS})`;
		return {
			schemas: await q(`select nspname, nspacl::text, obj_description(oid, 'pg_namespace') as comment
			                  from pg_namespace where nspname in ${SCHEMAS} order by 1`),
			functions: await q(`select p.oid::regprocedure::text as sig, pg_get_functiondef(p.oid) as def, p.proacl::text as acl,
			                           p.proconfig, p.prosecdef, obj_description(p.oid, 'pg_proc') as comment
			                    from pg_proc p where p.pronamespace in ${ns} order by 1`),
			tables: await q(`select c.oid::regclass::text as rel, c.relkind, c.relacl::text as acl, c.relrowsecurity,
			                        c.relforcerowsecurity, c.reloptions, obj_description(c.oid, 'pg_class') as comment
			                 from pg_class c where c.relnamespace in ${ns} order by 1`),
			columns: await q(`select c.oid::regclass::text as rel, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) as type,
			                         a.attnotnull, a.attidentity, pg_get_expr(d.adbin, d.adrelid) as default, a.attacl::text as acl,
			                         col_description(c.oid, a.attnum) as comment
			                  from pg_attribute a join pg_class c on c.oid = a.attrelid
			                  left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
			                  where c.relnamespace in ${ns} and c.relkind in ('r', 'p', 'v') and a.attnum > 0 and not a.attisdropped
			                  order by 1, 2`),
			constraints: await q(`select conrelid::regclass::text as rel, conname, pg_get_constraintdef(oid) as def
			                      from pg_constraint where connamespace in ${ns} order by 1, 2`),
			indexes: await q(`select schemaname, tablename, indexname, indexdef from pg_indexes where schemaname in ${SCHEMAS}
			                  order by 1, 2, 3`),
			triggers: await q(`select tgrelid::regclass::text as rel, tgname, pg_get_triggerdef(t.oid) as def
			                   from pg_trigger t join pg_class c on c.oid = t.tgrelid
			                   where c.relnamespace in ${ns} and not t.tgisinternal order by 1, 2`),
			policies: await q(`select * from pg_policies where schemaname in ${SCHEMAS} order by schemaname, tablename, policyname`),
			publications: await q(`select pubname, schemaname, tablename from pg_publication_tables where schemaname in ${SCHEMAS}
			                       order by 1, 3`),
		};
	});
}

/** Applies one file with psql, as the README tells psql users to. */
export function psqlApply(url: string, file: string): void {
	try {
		 
		execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file], {
			stdio: ['ignore', 'pipe', 'pipe'],
			env: { ...process.env, PGOPTIONS: '--client-min-messages=warning' },
		});
	} catch (error: any) {
		 
		throw new Error(`psql -f ${basename(file)} failed (exit ${error.status}): ${error.stderr}`);
	}
}
