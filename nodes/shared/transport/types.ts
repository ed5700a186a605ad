/** What the "Supabase Jobs API" credential holds (see credentials/SupabaseJobsApi.credentials.ts). */
export interface JobsCredentials {
	connection: 'supabaseApi' | 'postgres';
	supabaseUrl?: string;
	serviceRoleKey?: string;
	/** Postgres connection string: the main one for "postgres", optional (for LISTEN) for "supabaseApi". */
	connectionString?: string;
	ssl?: SslMode;
	/** Supabase API only: the project's Max Rows, the most rows one call returns. */
	maxRowsPerCall?: number;
}

export type SslMode = 'disable' | 'require' | 'verify-full';

/**
 * How a SQL function's result comes back, as PostgREST returns it: 'scalar' for a function returning a base type
 * (the value), 'row' for one returning a single composite (an object), 'rows' for setof / returns table (an array).
 */
export type ResultShape = 'scalar' | 'row' | 'rows';

/** What a transport needs to know about a function to call it (see functions.ts). */
export interface CallSpec {
	readonly shape: ResultShape;
	/** The arguments of type jsonb. */
	readonly json: readonly string[];
}

/** Calls one SQL function of the queue by name with named arguments (undefined ones are left out). */
export interface RpcTransport {
	call(fn: string, args: Record<string, unknown>, spec: CallSpec): Promise<unknown>;
}

/** An error from the database or the API, normalised across both transports. */
export interface RpcFailure {
	/** SQLSTATE, PostgREST code (PGRST…), or a network code (ECONNREFUSED…). */
	code: string;
	message: string;
	details?: string | null;
	hint?: string | null;
	/** HTTP status for the Supabase API transport; undefined for Postgres. */
	httpStatus?: number;
}
