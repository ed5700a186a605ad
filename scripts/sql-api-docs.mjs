#!/usr/bin/env node
// Writes docs/sql-api.md from the catalog of a freshly migrated database (an embedded PostgreSQL, or DATABASE_URL's
// server with a throwaway database): `npm run docs:sql-api`.
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, dropDatabase, withClient } from './lib/databases.mjs';
import { startEmbeddedPostgres } from './lib/postgres.mjs';

const require = createRequire(import.meta.url);
const { migrate } = require('../bin/supabase-jobs-migrate.js');
const { renderSqlApi } = require('./lib/sql-api-doc.cjs');
const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'sql-api.md');

const server = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
const serverUrl = process.env.DATABASE_URL ?? server.url;
const database = `mcp_jobs_docs_${process.pid}`;
try {
	const url = await createDatabase(serverUrl, database);
	await migrate({ connectionString: url });
	await writeFile(target, await withClient(url, renderSqlApi));
	console.log(`wrote ${target}`);
} finally {
	await dropDatabase(serverUrl, database).catch(() => undefined);
	await server?.stop();
}
