import { PostgresTransport } from './transport/postgresTransport';
import { SupabaseTransport } from './transport/supabaseTransport';
import {
	SQL_FUNCTIONS,
	type ArgsOf,
	type BatchFunctionName,
	type Exactly,
	type ItemOf,
	type ResultOf,
	type RowOf,
	type SqlFunctionName,
} from './transport/functions';
import type { JobsCredentials, RpcTransport } from './transport/types';

/** A credential field that is missing or malformed; the message names the field and the fix. */
export class CredentialFieldError extends Error {}

/** Builds the transport a credential describes, validating its fields. */
export function transportFor(credentials: JobsCredentials): RpcTransport {
	if (credentials.connection === 'postgres') {
		const cs = (credentials.connectionString || '').trim();
		if (!/^postgres(ql)?:\/\//.test(cs)) {
			throw new CredentialFieldError(
				'Connection String must start with postgresql:// (e.g. postgresql://postgres.<ref>:<password>@aws-0-<region>.pooler.supabase.com:5432/postgres)',
			);
		}
		return new PostgresTransport(cs, credentials.ssl);
	}
	const url = (credentials.supabaseUrl || '')
		.trim()
		.replace(/\/+$/, '')
		.replace(/\/rest\/v1$/, '');
	if (!/^https?:\/\/[^/\s]+/.test(url)) {
		throw new CredentialFieldError('Supabase URL must look like https://<project-ref>.supabase.co (without /rest/v1)');
	}
	const key = (credentials.serviceRoleKey || '').trim();
	if (!key) {
		throw new CredentialFieldError('Service Role Secret is empty: paste the service_role key from Project Settings > API Keys');
	}
	return new SupabaseTransport(url, key);
}

/** Arguments may be left out when the function has no required one. */
type ArgsParameter<F extends SqlFunctionName> = object extends ArgsOf<F> ? [args?: ArgsOf<F>] : [args: ArgsOf<F>];

/**
 * The queue's SQL API (migrations/*.sql) as described in transport/functions.ts: `call` checks the arguments and
 * types the result of every function at compile time. One call, one round trip.
 */
export class JobsClient {
	constructor(readonly transport: RpcTransport) {}

	static fromCredentials(credentials: JobsCredentials): JobsClient {
		return new JobsClient(transportFor(credentials));
	}

	async call<F extends SqlFunctionName>(fn: F, ...[args]: ArgsParameter<F>): Promise<ResultOf<F>> {
		return (await this.transport.call(fn, (args ?? {}) as Record<string, unknown>, SQL_FUNCTIONS[fn])) as ResultOf<F>;
	}

	/** Calls a batch function with `items` as its array argument (p_jobs, p_items or p_events). */
	async callBatch<F extends BatchFunctionName, Item extends ItemOf<F>>(
		fn: F,
		items: Array<Exactly<ItemOf<F>, Item>>,
	): Promise<Array<RowOf<F>>> {
		const spec = SQL_FUNCTIONS[fn];
		return (await this.transport.call(fn, { [spec.items]: items }, spec)) as Array<RowOf<F>>;
	}
}
