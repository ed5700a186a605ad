#!/usr/bin/env node
// Writes docs/sql-api.md from the catalog of a freshly migrated database (an embedded PostgreSQL, or DATABASE_URL's
// server with a throwaway database): `npm run docs:sql-api`.
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres, withDatabase } from './lib/postgres.mjs';

const require = createRequire(import.meta.url);
const { migrate } = require('./migrate.js');
const { renderSqlApi } = require('./lib/sql-api-doc.cjs');
const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'sql-api.md');

const server = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
const adminUrl = process.env.DATABASE_URL ?? server.url;
const database = `mcp_jobs_docs_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
try {
	await admin.query(`create database ${database}`);
	const url = withDatabase(adminUrl, database);
	await migrate({ connectionString: url });
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		await writeFile(target, await renderSqlApi(client));
	} finally {
		await client.end();
	}
	console.log(`wrote ${target}`);
} finally {
	await admin.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
	await admin.end();
	await server?.stop();
}
