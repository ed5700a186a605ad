// Supabase API error messages and the credential test, through the PostgREST-compatible gateway.
import type { ICredentialDataDecryptedObject, ICredentialTestFunctions } from 'n8n-workflow';
import { testJobsCredential } from '../../nodes/shared/credentials';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../support/database';
import { startPostgrestGateway, type PostgrestGateway } from '../support/postgrest-gateway';
import { freePort } from '../support/ports';
import { runNode } from './support';

const credentialTest = (data: ICredentialDataDecryptedObject) =>
	testJobsCredential.call({} as ICredentialTestFunctions, { id: 't', name: 't', type: 'supabaseJobsApi', data });

describe('error messages and credential test (Supabase API connection)', () => {
	let db: TestDatabase;
	let empty: { url: string; drop(): Promise<void> };
	let exposed: PostgrestGateway;
	let notExposed: PostgrestGateway;
	let emptyGateway: PostgrestGateway;
	beforeAll(async () => {
		db = await createTestDatabase();
		empty = await createEmptyDatabase();
		exposed = await startPostgrestGateway({ databaseUrl: db.url, schemas: ['public', 'mcp_jobs'] });
		notExposed = await startPostgrestGateway({ databaseUrl: db.url, schemas: ['public', 'graphql_public'] });
		emptyGateway = await startPostgrestGateway({ databaseUrl: empty.url, schemas: ['public', 'mcp_jobs'] });
	});
	afterAll(async () => {
		await Promise.all([exposed.close(), notExposed.close(), emptyGateway.close()]);
		await db.drop();
		await empty.drop();
	});

	const api = (gw: { url: string; serviceRoleKey: string }, extra: ICredentialDataDecryptedObject = {}) => ({
		connection: 'supabaseApi', supabaseUrl: gw.url, serviceRoleKey: gw.serviceRoleKey, ...extra,
	});

	it('passes with the service role key on an exposed, migrated schema (also with /rest/v1 pasted in the URL)', async () => {
		expect((await credentialTest(api(exposed))).status).toBe('OK');
		expect((await credentialTest(api({ url: `${exposed.url}/rest/v1/`, serviceRoleKey: exposed.serviceRoleKey }))).status).toBe('OK');
	});

	it('PGRST106: tells the user to expose the schema', async () => {
		const result = await credentialTest(api(notExposed));
		expect(result.message).toMatch(/^The Supabase API does not expose the schema "mcp_jobs"\. Add mcp_jobs to "Exposed schemas"/);
		const run = await runNode(api(notExposed), 'claimJob', { queue: 'default' });
		expect(run.errorOf('Node')).toMatchObject({
			message: 'The Supabase API does not expose the schema "mcp_jobs"',
			httpCode: '406',
		});
	});

	it('PGRST202: tells the user to run the migrations', async () => {
		const result = await credentialTest(api(emptyGateway));
		expect(result.message).toMatch(/^The queue function mcp_jobs\.get_queue_stats was not found: the migrations are not applied/);
		const run = await runNode(api(emptyGateway), 'enqueueJob', { source: 'n8n', jobType: 'x' });
		expect(run.errorOf('Node')?.message).toBe('The queue function mcp_jobs.enqueue_jobs was not found: the migrations are not applied');
	});

	it('401: a key of another project is rejected with a clear message, never echoed', async () => {
		const otherProjectKey = exposed.signJwt({ role: 'service_role' }).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
		const result = await credentialTest(api({ url: exposed.url, serviceRoleKey: otherProjectKey }));
		expect(result.message).toMatch(/^Supabase rejected the API key \(401\)/);
		expect(result.message).not.toContain(otherProjectKey);
	});

	it('anon key: permission denied, use the service role', async () => {
		const result = await credentialTest(api({ url: exposed.url, serviceRoleKey: exposed.anonKey }));
		expect(result.message).toMatch(/^Permission denied on schema mcp_jobs\. The key or database user is not allowed to use the queue\. Use the service_role key \(not anon\)/);
	});

	it('unreachable URL and malformed URL', async () => {
		const port = await freePort();
		expect((await credentialTest(api({ url: `http://127.0.0.1:${port}`, serviceRoleKey: 'k'.repeat(40) }))).message).toMatch(
			/^Could not reach the database or API/,
		);
		expect((await credentialTest(api({ url: 'supabase.co', serviceRoleKey: 'x' }))).message).toMatch(/^Supabase URL must look like https:\/\//);
		expect((await credentialTest(api({ url: exposed.url, serviceRoleKey: '' }))).message).toMatch(/^Service Role Secret is empty/);
	});
});
