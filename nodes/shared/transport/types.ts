/** What the "Supabase Jobs API" credential holds (see credentials/SupabaseJobsApi.credentials.ts). */
export interface JobsCredentials {
	connection: 'supabaseApi' | 'postgres';
	supabaseUrl?: string;
	serviceRoleKey?: string;
	/** Postgres connection string: the main one for "postgres", optional (for LISTEN) for "supabaseApi". */
	connectionString?: string;
	ssl?: SslMode;
}

export type SslMode = 'disable' | 'require' | 'verify-full';

/** How a SQL function's result comes back, as PostgREST shapes it (section 1.4 of our PostgREST notes). */
export type ResultShape = 'scalar' | 'row' | 'rows';

/** Calls one SQL function of the queue by name with named arguments. */
export interface RpcTransport {
	readonly kind: 'supabaseApi' | 'postgres';
	call(fn: string, args: Record<string, unknown>, shape: ResultShape): Promise<unknown>;
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
