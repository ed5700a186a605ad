// Every mapped error message, and the credential test, against real servers.
import type { ICredentialDataDecryptedObject, ICredentialTestFunctions } from 'n8n-workflow';
import { testJobsCredential } from '../../nodes/shared/credentials';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../support/database';
import { freePort } from '../support/ports';
import { runNode } from './support';

const credentialTest = (data: ICredentialDataDecryptedObject) =>
	testJobsCredential.call({} as ICredentialTestFunctions, { id: 't', name: 't', type: 'supabaseJobsApi', data });

const withPassword = (url: string, password: string) => {
	const u = new URL(url);
	u.password = password;
	return u.toString();
};

describe('error messages and credential test (Postgres connection)', () => {
	let db: TestDatabase;
	let empty: { url: string; drop(): Promise<void> };
	beforeAll(async () => {
		db = await createTestDatabase();
		empty = await createEmptyDatabase();
	});
	afterAll(async () => {
		await db.drop();
		await empty.drop();
	});

	const pg = (connectionString: string, extra: ICredentialDataDecryptedObject = {}): ICredentialDataDecryptedObject => ({
		connection: 'postgres', connectionString, ssl: 'disable', ...extra,
	});

	it('passes the credential test on a migrated database', async () => {
		expect(await credentialTest(pg(db.url))).toEqual({ status: 'OK', message: 'Connected: schema mcp_jobs is ready (0 queue(s))' });
	});

	it('says the migrations are missing on an empty database', async () => {
		const result = await credentialTest(pg(empty.url));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^The queue function mcp_jobs\.get_queue_stats was not found: the migrations are not applied\. Apply the migrations/);
		const run = await runNode(pg(empty.url), 'enqueueJob', { source: 'n8n', jobType: 'x' });
		expect(run.errorOf('Node')?.message).toBe('The queue function mcp_jobs.enqueue_jobs was not found: the migrations are not applied');
	});

	it('says the password is wrong, without echoing it', async () => {
		const result = await credentialTest(pg(withPassword(db.url, 'wrong-secret-123')));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^Postgres rejected the password/);
		expect(result.message).not.toContain('wrong-secret-123');
	});

	it('says the host cannot be reached', async () => {
		const url = new URL(db.url);
		url.port = String(await freePort());
		const result = await credentialTest(pg(url.toString()));
		expect(result.message).toMatch(/^Could not reach the database or API \(ECONNREFUSED\)/);
	});

	it('ignores the Schema field that credentials saved by 0.1.0 still hold: the queue is always mcp_jobs', async () => {
		expect(await credentialTest(pg(db.url, { schema: 'other_schema' }))).toEqual({
			status: 'OK',
			message: 'Connected: schema mcp_jobs is ready (0 queue(s))',
		});
		const run = await runNode(pg(db.url, { schema: 'bad-name;' }), 'enqueueJob', { source: 'n8n', jobType: 'x' });
		expect(run.run.status).toBe('success');
		expect((await db.pool.query('select count(*)::int as n from mcp_jobs.jobs')).rows[0].n).toBe(1);
	});

	it('names the credential field for a malformed connection string', async () => {
		expect((await credentialTest(pg('mysql://x'))).message).toMatch(/^Connection String must start with postgresql:\/\//);
		const run = await runNode(pg('http://nope'), 'claimJob', { queue: 'default' });
		expect(run.errorOf('Node')?.message).toMatch(/^Supabase Jobs API credential: Connection String must start with postgresql:\/\//);
	});

	it('says permission denied for a role without grants', async () => {
		await db.pool.query("do $$ begin if not exists (select 1 from pg_roles where rolname = 'no_grants_user') then create role no_grants_user login password 'pw-no-grants'; end if; end $$");
		const url = new URL(db.url);
		url.username = 'no_grants_user';
		url.password = 'pw-no-grants';
		const result = await credentialTest(pg(url.toString()));
		expect(result.message).toMatch(/^Permission denied on schema mcp_jobs/);
	});
});
