// The shipped migrate command (bin/supabase-jobs-migrate.js, `npx supabase-jobs-migrate`) as a user runs it: it
// applies what is pending, and bad input or a failed connection says what failed and what to check, never the password.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../support/ports';
import { createEmptyDatabase, serverUrl } from '../support/database';

const CLI = join(__dirname, '..', '..', 'bin', 'supabase-jobs-migrate.js');
const PASSWORD = 'pw-never-printed-7f3a';

/** Runs the command with only PATH (and `env`) set; resolves with its exit code and output. */
function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
	return new Promise((resolve) => {
		execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (error, stdout, stderr) => {
			resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
		});
	});
}

test('applies every migration once, then reports nothing to apply', async () => {
	const empty = await createEmptyDatabase();
	try {
		const first = await runCli(['--database-url', empty.url]);
		expect(first).toMatchObject({ code: 0, stderr: '' });
		expect(first.stdout).toMatch(/done: \d+ migration\(s\) applied\n$/);
		expect(await runCli([], { DATABASE_URL: empty.url })).toEqual({ code: 0, stdout: 'up to date: nothing to apply\n', stderr: '' });
	} finally {
		await empty.drop();
	}
});

test('a value that is not a postgres:// URL is rejected by the name it came from', async () => {
	const mysql = await runCli(['--database-url', `mysql://user:${PASSWORD}@db.example.com/app`]);
	expect(mysql.code).toBe(2);
	expect(mysql.stderr).toMatch(/^--database-url must be a PostgreSQL URL like postgres:\/\/.*, not mysql:\/\/…\n$/);
	const keywords = await runCli([], { DATABASE_URL: `host=db.example.com password=${PASSWORD}` });
	expect(keywords.code).toBe(2);
	expect(keywords.stderr).toMatch(/^DATABASE_URL must be a PostgreSQL URL/);
	expect(mysql.stderr + keywords.stderr).not.toContain(PASSWORD);
});

test('--all is gone: files are never applied twice', async () => {
	const result = await runCli(['--all'], { DATABASE_URL: serverUrl({}) });
	expect(result.code).toBe(2);
	expect(result.stderr).toMatch(/^unknown argument --all\./);
});

test('a failed connection names the server, database and user, and what to check, but not the password', async () => {
	const { hostname, port } = new URL(serverUrl({}));
	const wrongPassword = await runCli([], { DATABASE_URL: serverUrl({ password: PASSWORD, database: 'postgres' }) });
	expect(wrongPassword.code).toBe(1);
	expect(wrongPassword.stderr).toContain(`migrate failed (DATABASE_URL): cannot connect to PostgreSQL at ${hostname}:${port}, database postgres`);
	expect(wrongPassword.stderr).toContain('check the user name and password');

	const noDatabase = await runCli(['--database-url', serverUrl({ database: 'no_such_database' })]);
	expect(noDatabase.code).toBe(1);
	expect(noDatabase.stderr).toMatch(/^migrate failed \(--database-url\): .*database no_such_database.*create that database first/);

	const closedPort = await freePort();
	const refused = await runCli([], { DATABASE_URL: `postgres://queue_user:${PASSWORD}@127.0.0.1:${closedPort}/queue` });
	expect(refused.code).toBe(1);
	expect(refused.stderr).toContain(`at 127.0.0.1:${closedPort}, database queue, user queue_user: connect ECONNREFUSED`);
	expect(refused.stderr).toContain('is the server running, and is the port right?');

	expect(wrongPassword.stderr + noDatabase.stderr + refused.stderr).not.toContain(PASSWORD);
});
