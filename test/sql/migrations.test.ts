// Migrations are append-only: released files never change, every file is applied once, in order (psql and the
// migrator give the same schema), and each file after 0.1.0 follows the conventions that keep that safe.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createEmptyDatabase } from '../support/database';
import { MIGRATIONS, RELEASED, migrate, psqlApply, schemaDump, sha256, withClient } from './catalog';
import { havePsql, openTestDatabase } from './helpers';

const NEW_FILES = MIGRATIONS.filter((m) => !RELEASED[basename(m.file)]);

test('the migration files are found, in lexical order, named as the Supabase CLI expects', () => {
	const names = MIGRATIONS.map((m) => basename(m.file));
	expect(names).toEqual([...names].sort());
	expect(names[0]).toBe('20260120000000_mcp_jobs_schema.sql');
	for (const name of names) expect(name).toMatch(/^\d{14}_[a-z0-9_]+\.sql$/);
	expect(NEW_FILES.length).toBeGreaterThan(0);
});

test('released migration files are unchanged, byte for byte', () => {
	const present = Object.fromEntries(MIGRATIONS.map((m) => [basename(m.file), m.file]));
	const changed = Object.entries(RELEASED)
		.filter(([name, { sha256: expected }]) => !present[name] || sha256(present[name]) !== expected)
		.map(([name, { release }]) => `${name} (released in ${release})`);
	expect(changed).toEqual([]);
	// new files come after the released ones: a database that applied a release applies only what is newer
	const lastReleased = Object.keys(RELEASED).sort().pop()!;
	for (const m of NEW_FILES) expect(basename(m.file) > lastReleased).toBe(true);
});

const psqlAvailable = havePsql();
if (!psqlAvailable) console.warn('migrations.test.ts: psql is not on PATH, so the psql migration test is skipped');
const withPsql = psqlAvailable ? test : test.skip;

withPsql('psql -v ON_ERROR_STOP=1 -f each file once, in order: the same schema as the migrator', async () => {
	const empty = await createEmptyDatabase();
	const reference = await openTestDatabase(); // migrated by migrate() in global setup
	try {
		for (const m of MIGRATIONS) psqlApply(empty.url, m.file);
		const dump = await schemaDump(empty.url);
		expect((dump.functions as unknown[]).length).toBeGreaterThan(40);
		expect(dump).toEqual(await schemaDump(reference.url));
	} finally {
		await reference.drop();
		await empty.drop();
	}
});

test('migrate() records every version; a second run applies nothing', async () => {
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

test('every function in the files has set search_path = \'\'', () => {
	const problems: string[] = [];
	let functions = 0;
	for (const m of MIGRATIONS) {
		const lines = readFileSync(m.file, 'utf8').split('\n');
		lines.forEach((line, i) => {
			const match = /^create or replace function (mcp_jobs\w*\.\w+)\s*\(/i.exec(line);
			if (!match) return;
			functions++;
			const body = lines.slice(i, lines.indexOf('$$;', lines.indexOf('as $$', i)) + 1).join('\n');
			if (!/^set search_path = ''$/m.test(body)) problems.push(`${basename(m.file)}:${i + 1} ${match[1]}: no set search_path = ''`);
		});
	}
	expect(functions).toBeGreaterThan(60);
	expect(problems).toEqual([]);
});

describe.each(NEW_FILES.map((m) => [basename(m.file), m.file]))('%s', (_name, file) => {
	const text = readFileSync(file, 'utf8');
	const lines = text.split('\n');

	test('opens with a comment saying what it changes and why, and whether anything breaks', () => {
		expect(lines[0]).toMatch(/^-- \d+\.\d+\.\d+: \S/);
		expect(text).toMatch(/^-- Breaking: /m);
	});

	test('a contract comment above each internal function; a catalog comment for each API function', () => {
		const problems: string[] = [];
		lines.forEach((line, i) => {
			const match = /^create or replace function (mcp_jobs\w*)\.(\w+)\s*\(/i.exec(line);
			if (!match) return;
			const [, schema, name] = match;
			if (schema === 'mcp_jobs') {
				if (!new RegExp(`^comment on function mcp_jobs\\.${name}\\(`, 'm').test(text)) problems.push(`${name}: no comment on function`);
				return;
			}
			let k = i - 1;
			while (k >= 0 && lines[k].startsWith('--')) k--;
			if (!lines[k + 1]?.startsWith(`-- ${name}: `)) problems.push(`${schema}.${name}: no "-- ${name}: ..." comment above it`);
		});
		expect(problems).toEqual([]);
	});

	test('locks down what it defines (ends with secure_functions)', () => {
		expect(text).toMatch(/perform mcp_jobs_private\.secure_functions\(\); end \$\$;\n(\n--[^\n]*\n)?(notify pgrst, 'reload schema';\n)?$/);
	});
});
