// Jest global setup: one PostgreSQL server for the whole run (embedded, or DATABASE_URL's server),
// and a template database with every migration applied; each test file clones it (fast, isolated).
import { createRequire } from 'node:module';
import { createDatabase, createSupabaseApiRoles, withClient } from '../../scripts/lib/databases.mjs';
import { startEmbeddedPostgres } from '../../scripts/lib/postgres.mjs';

const require = createRequire(import.meta.url);
const { migrate } = require('../../bin/supabase-jobs-migrate.js');

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
	await withClient(adminUrl, createSupabaseApiRoles);
	await migrate({ connectionString: await createDatabase(adminUrl, template) });
	process.env.MCP_JOBS_TEST_ADMIN_URL = adminUrl;
	process.env.MCP_JOBS_TEST_TEMPLATE = template;
	globalThis.__MCP_JOBS_TEMPLATE__ = { adminUrl, template };
}
