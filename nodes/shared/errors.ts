import { NodeApiError, NodeOperationError, type INode, type INodeExecutionData, type JsonObject } from 'n8n-workflow';
import { RowCountError } from './client';
import { QUEUE_SCHEMA } from './transport/functions';
import { RpcError } from './transport/rpcError';
import type { RpcFailure } from './transport/types';

export interface FailureExplanation {
	message: string;
	description: string;
	httpCode?: string;
}

const NETWORK_CODES = new Set(['NETWORK', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']);

/** Turns a database/API failure into what happened plus what to do, for the n8n error panel. */
export function explainFailure(failure: RpcFailure, fn: string): FailureExplanation {
	const { code, message } = failure;
	const status = failure.httpStatus;
	const migrate =
		'Apply the migrations of n8n-nodes-supabase-jobs to this database: `supabase db push` with the files from its ' +
		'migrations/ folder, or `npx supabase-jobs-migrate --database-url <postgres url>`. On Supabase, if you just ' +
		"applied them, reload the API schema cache with: NOTIFY pgrst, 'reload schema';";

	if (code === 'PGRST106') {
		return {
			message: `The Supabase API does not expose the schema "${QUEUE_SCHEMA}"`,
			description:
				`Add ${QUEUE_SCHEMA} to "Exposed schemas" in Supabase (Project Settings > Data API), or for the CLI to ` +
				`[api] schemas in supabase/config.toml, then retry. (${message})`,
			httpCode: '406',
		};
	}
	if (code === 'PGRST202' || code === '42883' || code === '3F000' || code === '42P01') {
		return {
			message: `The queue function ${QUEUE_SCHEMA}.${fn} was not found: the migrations are not applied`,
			description: `${migrate} (${message})`,
			httpCode: '404',
		};
	}
	if (code === '42501') {
		return {
			message: `Permission denied on schema ${QUEUE_SCHEMA}`,
			description:
				'The key or database user is not allowed to use the queue. Use the service_role key (not anon) or a ' +
				`database owner, and make sure the last migration (its grants) ran. (${message})`,
			httpCode: '403',
		};
	}
	if (code === 'PGRST301' || code === 'PGRST302' || code === 'PGRST303' || (status === 401 && !code.startsWith('P'))) {
		return {
			message: 'Supabase rejected the API key (401)',
			description:
				'Use the service_role secret of this project (Project Settings > API Keys) in the credential, and check ' +
				`that the Supabase URL is the same project. (${message})`,
			httpCode: '401',
		};
	}
	if (code === '28P01') {
		return {
			message: 'Postgres rejected the password',
			description: 'Check the user and password in the connection string (Supabase: Database settings > Reset password).',
		};
	}
	if (code === '28000' || /pg_hba|SSL off|does not support SSL|certificate|SSL/i.test(message)) {
		return {
			message: `Postgres refused the connection: ${message}`,
			description:
				'Check the SSL setting of the credential: Supabase needs "Require"; a local server without SSL needs "Disable"; ' +
				'"Verify Full" needs a certificate your system trusts.',
		};
	}
	if (NETWORK_CODES.has(code) || status === 0 || /fetch failed|timeout expired|ECONNREFUSED|ENOTFOUND/i.test(message)) {
		return {
			message: `Could not reach the database or API (${code})`,
			description:
				'Check the Supabase URL (https://<project>.supabase.co) or the host and port of the connection string, ' +
				`and that n8n can reach it over the network. (${message})`,
		};
	}
	if (code === '22023' || code === '22P02' || code === 'PGRST102') {
		return { message, description: failure.hint || 'Fix the field named in the message and run again.', httpCode: '400' };
	}
	if (code === 'PT404') {
		return { message, description: 'Check the job id: it may belong to another project or have been cleaned up.', httpCode: '404' };
	}
	if (code === 'PT409') {
		return {
			message,
			description:
				'The job is no longer held by this worker (cancelled, finished, or its lease expired and it was claimed again). ' +
				'Raise the lease seconds or report progress more often for long jobs.',
			httpCode: '409',
		};
	}
	return {
		message: `${fn} failed: ${message}`,
		description: [failure.details, failure.hint].filter(Boolean).join(' ') || `Error code ${code}.`,
		httpCode: status ? String(status) : undefined,
	};
}

/** Wraps any error from a queue call into a NodeApiError with an explained message. */
export function toNodeError(
	node: INode,
	error: unknown,
	itemIndex?: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	if (error instanceof RowCountError) {
		const { message, description } = error;
		const { fn, sent, received } = error;
		return new NodeApiError(node, { message, fn, sent, received }, { message, description, itemIndex });
	}
	if (error instanceof RpcError) {
		const explained = explainFailure(error.failure, error.fn);
		return new NodeApiError(node, { ...error.failure } as unknown as JsonObject, {
			message: explained.message,
			description: explained.description,
			httpCode: explained.httpCode,
			itemIndex,
		});
	}
	const message = error instanceof Error ? error.message : String(error);
	return new NodeApiError(node, { message } as JsonObject, { message, itemIndex });
}

/** An error item: json with only `error`, so n8n sends it to the error output with "Continue (using error output)". */
export function errorItem(error: NodeApiError | NodeOperationError, itemIndex: number): INodeExecutionData {
	return { json: { error: error.message }, error, pairedItem: { item: itemIndex } };
}
