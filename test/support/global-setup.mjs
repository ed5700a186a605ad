// Jest global setup: one PostgreSQL server for the whole run (embedded, or DATABASE_URL's server),
// and a template database with every migration applied; each test file clones it (fast, isolated).
import { createRequire } from 'node:module';
import pg from 'pg';
import { startEmbeddedPostgres, withDatabase } from '../../scripts/lib/postgres.mjs';

const require = createRequire(import.meta.url);
const { migrate } = require('../../scripts/migrate.js');

export default async function globalSetup() {
	let adminUrl;
	if (process.env.DATABASE_URL) {
		adminUrl = process.env.DATABASE_URL;
	} else {
		const server = await startEmbeddedPostgres();
		globalThis.__MCP_JOBS_PG__ = server;
		adminUrl = server.url;
	}
	const template = `mcp_jobs_tpl_${process.pid}_${Date.now()}`;
	const admin = new pg.Client({ connectionString: adminUrl });
	await admin.connect();
	try {
		// Supabase's API roles, as on a Supabase project (absent on plain Postgres): the tests check
		// that anon/authenticated are denied and service_role (BYPASSRLS) works.
		await admin.query(`
			do $$ begin
				if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
				if not exists (select 1 from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
				if not exists (select 1 from pg_roles where rolname = 'service_role') then create role service_role nologin noinherit bypassrls; end if;
			end $$;`);
		await admin.query(`create database ${template}`);
	} finally {
		await admin.end();
	}
	await migrate({ connectionString: withDatabase(adminUrl, template) });
	process.env.MCP_JOBS_TEST_ADMIN_URL = adminUrl;
	process.env.MCP_JOBS_TEST_TEMPLATE = template;
	globalThis.__MCP_JOBS_TEMPLATE__ = { adminUrl, template };
}
