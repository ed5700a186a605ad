// `npm start` with a DATABASE_URL that does not work stops before it downloads or starts anything, and says which
// setting, server, database and user failed and what to check, never the password.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createEmptyDatabase, serverUrl } from '../support/database';

const START = join(__dirname, '..', '..', 'scripts', 'start.mjs');
const PASSWORD = 'pw-never-printed-4c1d';
const cacheDir = mkdtempSync(join(tmpdir(), 'npm-start-db-'));

afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/** Runs scripts/start.mjs (what npm start runs after the build) with DATABASE_URL; resolves with its exit code and output. */
function npmStart(databaseUrl: string): Promise<{ code: number; output: string }> {
	return new Promise((resolve) => {
		const env = { PATH: process.env.PATH ?? '', HOME: cacheDir, N8N_JOBS_CACHE_DIR: cacheDir, DATABASE_URL: databaseUrl };
		execFile(process.execPath, [START], { env, timeout: 60_000 }, (error, stdout, stderr) => {
			resolve({ code: error ? Number(error.code) : 0, output: `${stdout}${stderr}` });
		});
	});
}

test('a value that is not a postgres URL is rejected by name', async () => {
	const result = await npmStart(`mysql://user:${PASSWORD}@db.example.com/app`);
	expect(result.code).toBe(1);
	expect(result.output).toContain('DATABASE_URL must be a PostgreSQL URL like postgres://user:password@host:5432/database, not mysql://');
	expect(result.output).not.toContain(PASSWORD);
});

test('a host that does not resolve: the setting, host, database and user, and to check the host', async () => {
	const result = await npmStart(`postgres://app:${PASSWORD}@db.example.invalid:5432/appdb`);
	expect(result.code).toBe(1);
	expect(result.output).toContain('DATABASE_URL: cannot connect to PostgreSQL at db.example.invalid:5432, database appdb, user app:');
	expect(result.output).toMatch(/check the host in the URL|no answer: check the host and port/);
	expect(result.output).not.toContain(PASSWORD);
});

test('an unknown user (or a wrong password): the setting, server, database and user, and to check them', async () => {
	const url = serverUrl({ username: 'nobody', password: PASSWORD, database: 'postgres' });
	const { hostname: host, port } = new URL(url);
	const result = await npmStart(url);
	expect(result.code).toBe(1);
	expect(result.output).toContain(`DATABASE_URL: cannot connect to PostgreSQL at ${host}:${port}, database postgres, user nobody:`);
	expect(result.output).toContain('check the user name and password in the URL');
	expect(result.output).not.toContain(PASSWORD);
});

test('a user that may connect but not create the queue schema: the setting, server, database and user', async () => {
	const empty = await createEmptyDatabase();
	const role = `npm_start_limited_${process.pid}`;
	const admin = new Client({ connectionString: process.env.MCP_JOBS_TEST_ADMIN_URL });
	await admin.connect();
	try {
		await admin.query(`create role ${role} login password '${PASSWORD}'`);
		const url = serverUrl({ username: role, password: PASSWORD, database: new URL(empty.url).pathname.slice(1) });
		const { hostname: host, port, pathname } = new URL(url);
		const result = await npmStart(url);
		expect(result.code).toBe(1);
		expect(result.output).toContain(`DATABASE_URL (${host}:${port}, database ${pathname.slice(1)}, user ${role}): migration`);
		expect(result.output).toContain('permission denied');
		expect(result.output).not.toContain(PASSWORD);
	} finally {
		await empty.drop();
		await admin.query(`drop role if exists ${role}`);
		await admin.end();
	}
});
