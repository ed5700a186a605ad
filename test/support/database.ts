// Per-test-file databases cloned from the migrated template that global-setup made.
import { Client, Pool } from 'pg';

let counter = 0;

export interface TestDatabase {
	url: string;
	pool: Pool;
	drop(): Promise<void>;
}

function urlFor(database: string): string {
	const u = new URL(requiredEnv('MCP_JOBS_TEST_ADMIN_URL'));
	u.pathname = `/${database}`;
	return u.toString();
}

/** The test server's URL with another user, password or database. */
export function serverUrl(parts: { username?: string; password?: string; database?: string }): string {
	const url = new URL(requiredEnv('MCP_JOBS_TEST_ADMIN_URL'));
	if (parts.username) url.username = parts.username;
	if (parts.password) url.password = parts.password;
	if (parts.database) url.pathname = `/${parts.database}`;
	return url.toString();
}

function requiredEnv(name: string): string {
	const value = process.env[name];
	if (!value) throw new Error(`${name} is not set: run the tests through jest (npm test), which starts the database`);
	return value;
}

async function adminQuery(sql: string): Promise<void> {
	const admin = new Client({ connectionString: requiredEnv('MCP_JOBS_TEST_ADMIN_URL') });
	await admin.connect();
	try {
		await admin.query(sql);
	} finally {
		await admin.end();
	}
}

/** Creates a fresh database with every migration applied (a copy of the template). */
export async function createTestDatabase(): Promise<TestDatabase> {
	const template = requiredEnv('MCP_JOBS_TEST_TEMPLATE');
	const name = `${template}_t${process.pid}_${++counter}`;
	await adminQuery(`create database ${name} template ${template}`);
	const url = urlFor(name);
	const pool = new Pool({ connectionString: url, max: 20 });
	// idle clients are terminated when the database is dropped at the end
	pool.on('error', () => undefined);
	return {
		url,
		pool,
		async drop() {
			await pool.end();
			await adminQuery(`drop database if exists ${name} with (force)`);
		},
	};
}

/** Creates an empty database (no migrations), for migration tests. */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
	const name = `${requiredEnv('MCP_JOBS_TEST_TEMPLATE')}_t${process.pid}_e${++counter}`;
	await adminQuery(`create database ${name}`);
	return {
		url: urlFor(name),
		drop: () => adminQuery(`drop database if exists ${name} with (force)`),
	};
}
