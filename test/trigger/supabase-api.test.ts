// Job Trigger over the "Supabase API" connection: claims, heartbeats and finishes through PostgREST RPC
// (our PostgREST-compatible gateway), with LISTEN on the credential's optional Database Connection String.
import type { INodeParameters } from 'n8n-workflow';
import { JobTrigger } from '../../nodes/JobTrigger/JobTrigger.node';
import { closeAllPools, PostgresTransport } from '../../nodes/shared/transport/postgresTransport';
import { SupabaseTransport } from '../../nodes/shared/transport/supabaseTransport';
import { createTestDatabase, TestDatabase } from '../support/database';
import type { PostgrestGateway } from '../support/postgrest-gateway';
import { fakeRun, startTrigger, type StartedTrigger } from '../support/n8n/run-workflow';
import { enqueue, jobsOf, since, waitFor } from './helpers';

let db: TestDatabase;
let gateway: PostgrestGateway;
beforeAll(async () => {
	db = await createTestDatabase();
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { startPostgrestGateway } = require('../support/postgrest-gateway');
	gateway = await startPostgrestGateway({ databaseUrl: db.url, schemas: ['public', 'mcp_jobs'] });
});
afterAll(async () => {
	await gateway.close();
	await closeAllPools();
	await db.drop();
});

const started: StartedTrigger[] = [];
afterEach(async () => {
	const triggers = started.splice(0);
	for (const t of triggers) for (const e of t.emitted) e.donePromise?.resolve(fakeRun('success'));
	await Promise.all(triggers.map((t) => t.close()));
	jest.restoreAllMocks();
});

async function start(parameters: INodeParameters, listenConnectionString = ''): Promise<StartedTrigger> {
	const credentials = {
		supabaseJobsApi: {
			connection: 'supabaseApi',
			supabaseUrl: gateway.url,
			serviceRoleKey: gateway.serviceRoleKey,
			listenConnectionString,
			ssl: 'disable',
		},
	};
	const trigger = await startTrigger(new JobTrigger(), { parameters, credentials });
	started.push(trigger);
	return trigger;
}

test('polling through the API: claims, runs and completes jobs; every queue call goes over RPC', async () => {
	const rpc = jest.spyOn(SupabaseTransport.prototype, 'call');
	const direct = jest.spyOn(PostgresTransport.prototype, 'call');
	const trigger = await start({ queue: 'api-poll', maxConcurrent: 3, options: { listen: false, pollIntervalSeconds: 1 } });
	const ids = await enqueue(db.pool, 'api-poll', [{ payload: { n: 1 } }, { payload: { n: 2 } }, { payload: { n: 3 } }]);
	await trigger.waitForEmits(3, 4000);
	expect(trigger.emitted.map((e) => e.data[0][0].json.id).sort()).toEqual([...ids].sort());

	for (const e of trigger.emitted) e.donePromise?.resolve(fakeRun('success'));
	await waitFor(async () => (await jobsOf(db.pool, 'api-poll')).every((j) => j.status === 'completed') || undefined, 'completed jobs');
	const called = new Set(rpc.mock.calls.map((c) => c[0]));
	expect([...called]).toEqual(expect.arrayContaining(['claim_next_job', 'complete_jobs']));
	expect(direct).not.toHaveBeenCalled();
	const listeners = await db.pool.query(
		`select 1 from pg_stat_activity where datname = current_database() and application_name = 'n8n-nodes-supabase-jobs-trigger'`,
	);
	expect(listeners.rowCount).toBe(0);
});

test('with the optional Database Connection String: LISTEN wakes it within milliseconds, claims go over RPC', async () => {
	const trigger = await start({ queue: 'api-listen', options: { pollIntervalSeconds: 60 } }, db.url);
	await waitFor(
		async () =>
			(await db.pool.query(`select 1 from pg_stat_activity where datname = current_database() and query ilike 'listen%'`)).rowCount ||
			undefined,
		'the LISTEN connection',
	);
	const t0 = performance.now();
	const [id] = await enqueue(db.pool, 'api-listen', [{ payload: { fast: true } }]);
	await trigger.waitForEmits(1, 2000);
	console.log(`Job Trigger latency over the Supabase API with LISTEN, enqueue -> emit: ${since(t0)} ms`);
	expect(trigger.emitted[0].data[0][0].json.id).toBe(id);

	trigger.emitted[0].donePromise?.resolve(fakeRun('error'));
	await waitFor(async () => {
		const [job] = await jobsOf(db.pool, 'api-listen');
		return job.status === 'queued' && job.attempts === 1 && job.error ? job : undefined;
	}, 'the failed job scheduled for retry');
});
