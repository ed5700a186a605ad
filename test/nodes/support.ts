// Runs our nodes in n8n's real engine against a real database, over either transport.
import type { ICredentialDataDecryptedObject, IDataObject, INode, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { SupabaseJobsApi } from '../../credentials/SupabaseJobsApi.credentials';
import { ClaimJob } from '../../nodes/ClaimJob/ClaimJob.node';
import { CompleteFailJob } from '../../nodes/CompleteFailJob/CompleteFailJob.node';
import { EnqueueJob } from '../../nodes/EnqueueJob/EnqueueJob.node';
import { JobQueue } from '../../nodes/JobQueue/JobQueue.node';
import { PostgresTransport } from '../../nodes/shared/transport/postgresTransport';
import { SupabaseTransport } from '../../nodes/shared/transport/supabaseTransport';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { runWorkflow, type WorkflowRun } from '../support/n8n/run-workflow';

export type TransportName = 'postgres' | 'supabaseApi';
export const TRANSPORTS: TransportName[] = ['postgres', 'supabaseApi'];

export const nodeTypes = {
	'n8n-nodes-supabase-jobs.enqueueJob': new EnqueueJob(),
	'n8n-nodes-supabase-jobs.claimJob': new ClaimJob(),
	'n8n-nodes-supabase-jobs.completeFailJob': new CompleteFailJob(),
	'n8n-nodes-supabase-jobs.jobQueue': new JobQueue(),
};

export type NodeName = 'enqueueJob' | 'claimJob' | 'completeFailJob' | 'jobQueue';

export interface Connection {
	credentials: ICredentialDataDecryptedObject;
	/** For asserting batching: how many RPC calls the transports made since the last reset. */
	calls: jest.SpyInstance[];
	close(): Promise<void>;
}

/** Credentials for a transport to `db`; for the Supabase API a PostgREST-compatible gateway is started. */
export async function connect(name: TransportName, db: TestDatabase): Promise<Connection> {
	const calls = [jest.spyOn(PostgresTransport.prototype, 'call'), jest.spyOn(SupabaseTransport.prototype, 'call')];
	if (name === 'postgres') {
		return {
			credentials: { connection: 'postgres', connectionString: db.url, ssl: 'disable' },
			calls,
			close: async () => calls.forEach((c) => c.mockRestore()),
		};
	}
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { startPostgrestGateway } = require('../support/postgrest-gateway');
	const gateway = await startPostgrestGateway({ databaseUrl: db.url, schemas: ['public', 'mcp_jobs'] });
	return {
		credentials: { connection: 'supabaseApi', supabaseUrl: gateway.url, serviceRoleKey: gateway.serviceRoleKey },
		calls,
		close: async () => {
			calls.forEach((c) => c.mockRestore());
			await gateway.close();
		},
	};
}

export function rpcCallCount(conn: Connection): number {
	return conn.calls.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
}

export function resetCalls(conn: Connection): void {
	conn.calls.forEach((spy) => spy.mockClear());
}

/** Runs one of our nodes on the given input items. */
export async function runNode(
	conn: Connection | ICredentialDataDecryptedObject,
	node: NodeName,
	parameters: INodeParameters,
	input: IDataObject[] = [{}],
	extra: Partial<INode> = {},
): Promise<WorkflowRun> {
	const credentials = 'credentials' in conn ? (conn as Connection).credentials : conn;
	return runWorkflow({
		nodeTypes,
		credentials: { supabaseJobsApi: credentials as ICredentialDataDecryptedObject },
		credentialTypes: { supabaseJobsApi: new SupabaseJobsApi() },
		workflow: {
			nodes: [{ name: 'Node', type: `n8n-nodes-supabase-jobs.${node}`, parameters, ...extra }],
			connections: {},
		},
		input: input.map((json): INodeExecutionData => ({ json })),
	});
}

export const jsons = (items: INodeExecutionData[]) => items.map((i) => i.json);
export const paired = (items: INodeExecutionData[]) => items.map((i) => i.pairedItem);

/**
 * For a describe block: a fresh test database and a connection over `transport` (closed after), with `tables`
 * truncated and the RPC call counter reset before each test. Read db/conn inside hooks and tests.
 */
export function useConnection(transport: TransportName, tables: string): { db: TestDatabase; conn: Connection } {
	const ctx = {} as { db: TestDatabase; conn: Connection };
	beforeAll(async () => {
		ctx.db = await createTestDatabase();
		ctx.conn = await connect(transport, ctx.db);
	});
	afterAll(async () => {
		await ctx.conn.close();
		await ctx.db.drop();
	});
	beforeEach(async () => {
		await ctx.db.pool.query(`truncate ${tables} cascade`);
		resetCalls(ctx.conn);
	});
	return ctx;
}
