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
	process.env.MCP_JOBS_TEST_JIT_URL = (await jitDatabase(adminUrl, template)) ?? '';
}

/**
 * For test/sql/jit.test.ts, a migrated database on a server whose planner can JIT: a copy of the template when the
 * test server can (the embedded one cannot: it ships no LLVM provider), else a new one on JIT_DATABASE_URL's server.
 */
async function jitDatabase(adminUrl, template) {
	const canJit = async (url) => (await withClient(url, (c) => c.query('select pg_jit_available() as ok'))).rows[0].ok;
	const name = `${template}_jit`;
	if (await canJit(adminUrl)) return await createDatabase(adminUrl, name, { template });
	const jitServer = process.env.JIT_DATABASE_URL;
	if (!jitServer) return undefined;
	if (!(await canJit(jitServer))) throw new Error('JIT_DATABASE_URL: that server cannot JIT (pg_jit_available() is false)');
	await withClient(jitServer, createSupabaseApiRoles);
	const url = await createDatabase(jitServer, name);
	await migrate({ connectionString: url });
	globalThis.__MCP_JOBS_JIT__ = { serverUrl: jitServer, name };
	return url;
}
