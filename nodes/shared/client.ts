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
function transportFor(credentials: JobsCredentials): RpcTransport {
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

/** Supabase's default Max Rows (PostgREST's db-max-rows): the most rows one API call returns. */
const DEFAULT_MAX_ROWS = 1000;

/** The most rows one call returns: the credential's Max Rows per Call over the Supabase API; pg returns all. */
function maxRowsPerCall(credentials: JobsCredentials): number {
	if (credentials.connection === 'postgres') return Infinity;
	const value = credentials.maxRowsPerCall ?? DEFAULT_MAX_ROWS;
	if (!Number.isInteger(value) || value < 1) {
		throw new CredentialFieldError(
			`Max Rows per Call must be a whole number of at least 1 (the project's Max Rows, ${DEFAULT_MAX_ROWS} unless changed), got ${value}`,
		);
	}
	return value;
}

/**
 * A batch call answered with fewer (or more) rows than the items it sent: the items ran, but their results cannot be
 * matched to them. Over the Supabase API this means the project's Max Rows is below the credential's Max Rows per Call.
 */
export class RowCountError extends Error {
	constructor(
		readonly fn: string,
		readonly sent: number,
		readonly received: number,
		readonly description: string,
	) {
		super(`${fn} returned ${count(received, 'row')} for the ${count(sent, 'item')} sent in one call`);
		this.name = 'RowCountError';
	}
}

/** Arguments may be left out when the function has no required one. */
type ArgsParameter<F extends SqlFunctionName> = object extends ArgsOf<F> ? [args?: ArgsOf<F>] : [args: ArgsOf<F>];

/**
 * The queue's SQL API (migrations/*.sql) as described in transport/functions.ts: `call` checks the arguments and
 * types the result of every function at compile time. One call, one round trip.
 */
export class JobsClient {
	constructor(
		private readonly transport: RpcTransport,
		/** The most rows one call returns (Infinity: no limit); claims ask for no more, batches are sent in chunks of it. */
		readonly maxRowsPerCall = Infinity,
	) {}

	static fromCredentials(credentials: JobsCredentials): JobsClient {
		return new JobsClient(transportFor(credentials), maxRowsPerCall(credentials));
	}

	async call<F extends SqlFunctionName>(fn: F, ...[args]: ArgsParameter<F>): Promise<ResultOf<F>> {
		return (await this.transport.call(fn, (args ?? {}) as Record<string, unknown>, SQL_FUNCTIONS[fn])) as ResultOf<F>;
	}

	/** How many items one call of `fn` may carry: its per-call maximum, and no more than one answer can return. */
	chunkSize(fn: BatchFunctionName): number {
		return Math.min(SQL_FUNCTIONS[fn].maxItems, this.maxRowsPerCall);
	}

	/**
	 * Calls a batch function with `items` as its array argument (p_jobs, p_items or p_events), in chunks of
	 * chunkSize(fn) items, one call each; returns one row per item, in order. A chunk answered with another number of
	 * rows than it sent throws RowCountError (its items ran; chunks before it ran too, those after it did not).
	 */
	async callBatch<F extends BatchFunctionName, Item extends ItemOf<F>>(
		fn: F,
		items: Array<Exactly<ItemOf<F>, Item>>,
	): Promise<Array<RowOf<F>>> {
		const spec = SQL_FUNCTIONS[fn];
		const rows: Array<RowOf<F>> = [];
		for (const chunk of chunks(items, this.chunkSize(fn))) {
			const answer = (await this.transport.call(fn, { [spec.items]: chunk }, spec)) as Array<RowOf<F>>;
			if (answer.length !== chunk.length) throw this.rowCountError(fn, chunk.length, answer.length);
			rows.push(...answer);
		}
		return rows;
	}

	private rowCountError(fn: string, sent: number, received: number): RowCountError {
		const description =
			this.maxRowsPerCall === Infinity
				? 'The database answered a batch call with another number of rows than items; no result can be matched to its item.'
				: `The Supabase API returns at most the project's Max Rows per call (Project Settings > Data API). Set Max Rows ` +
					`per Call in the credential to that number (now ${this.maxRowsPerCall}) or lower. The ${sent} items were ` +
					'processed; only the answer was cut short, so check them before running the workflow again.';
		return new RowCountError(fn, sent, received, description);
	}
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** `items` in consecutive slices of at most `size` (none for no items, one when size is Infinity). */
function chunks<T>(items: T[], size: number): T[][] {
	if (items.length === 0) return [];
	if (items.length <= size) return [items];
	const out: T[][] = [];
	for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
	return out;
}
