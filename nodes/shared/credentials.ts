import {
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type ICredentialsDecrypted,
	type ICredentialTestFunctions,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
	type INodeCredentialTestResult,
	type ITriggerFunctions,
} from 'n8n-workflow';
import { CredentialFieldError, JobsClient } from './client';
import { explainFailure } from './errors';
import { RpcError } from './transport/rpcError';
import { QUEUE_SCHEMA } from './transport/functions';
import type { JobsCredentials } from './transport/types';

const CREDENTIAL_TYPE = 'supabaseJobsApi';

function credentialsFrom(data: ICredentialDataDecryptedObject): JobsCredentials {
	return {
		connection: data.connection === 'postgres' ? 'postgres' : 'supabaseApi',
		supabaseUrl: data.supabaseUrl as string | undefined,
		serviceRoleKey: data.serviceRoleKey as string | undefined,
		connectionString: (data.connection === 'postgres' ? data.connectionString : data.listenConnectionString) as
			| string
			| undefined,
		ssl: (data.ssl as JobsCredentials['ssl']) ?? 'require',
		maxRowsPerCall: data.maxRowsPerCall as number | undefined,
	};
}

/** The queue client for this node's "Supabase Jobs API" credential. */
export async function getJobsClient(
	ctx: IExecuteFunctions | ITriggerFunctions | ILoadOptionsFunctions,
): Promise<{ client: JobsClient; credentials: JobsCredentials }> {
	const credentials = credentialsFrom(await ctx.getCredentials(CREDENTIAL_TYPE));
	try {
		return { client: JobsClient.fromCredentials(credentials), credentials };
	} catch (error) {
		if (error instanceof CredentialFieldError) {
			throw new NodeOperationError(ctx.getNode(), `Supabase Jobs API credential: ${error.message}`, {
				description: 'Open the credential and correct the field named above.',
			});
		}
		throw new NodeOperationError(ctx.getNode(), error as Error);
	}
}

/** Credential test shared by every node: calls the queue itself, so it proves URL, key, exposed schema and migrations. */
export async function testJobsCredential(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const credentials = credentialsFrom(credential.data ?? {});
	let client: JobsClient;
	try {
		client = JobsClient.fromCredentials(credentials);
	} catch (error) {
		return { status: 'Error', message: error.message };
	}
	try {
		const stats = await client.call('get_queue_stats');
		return { status: 'OK', message: `Connected: schema ${QUEUE_SCHEMA} is ready (${stats.length} queue(s))` };
	} catch (error) {
		if (error instanceof RpcError) {
			const explained = explainFailure(error.failure, error.fn);
			return { status: 'Error', message: `${explained.message}. ${explained.description}` };
		}
		return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
	}
}
