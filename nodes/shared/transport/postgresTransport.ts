import { createHash } from 'crypto';
import { Pool, type PoolConfig } from 'pg';
import { RpcError, redact } from './rpcError';
import { QUEUE_SCHEMA } from './functions';
import type { CallSpec, RpcTransport, SslMode } from './types';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

// One pool per connection (string + SSL mode), shared by every execution in this n8n process.
// Idle connections close after 30 s; the pool object itself holds nothing then.
const pools = new Map<string, Pool>();

/** The pg `ssl` option for the credential's SSL setting (an sslmode in the connection string takes precedence). */
export function sslOption(ssl: SslMode | undefined): PoolConfig['ssl'] {
	if (ssl === 'require') return { rejectUnauthorized: false };
	if (ssl === 'verify-full') return { rejectUnauthorized: true };
	return undefined;
}

function getPool(connectionString: string, ssl?: SslMode): Pool {
	const key = createHash('sha256').update(`${ssl ?? ''}\n${connectionString}`).digest('hex');
	let pool = pools.get(key);
	if (!pool) {
		pool = new Pool({
			connectionString,
			ssl: sslOption(ssl),
			max: 5,
			idleTimeoutMillis: 30_000,
			connectionTimeoutMillis: 15_000,
			allowExitOnIdle: true,
			application_name: 'n8n-nodes-supabase-jobs',
		});
		// an idle client losing its connection must not crash n8n; the next query reconnects
		pool.on('error', () => undefined);
		pools.set(key, pool);
	}
	return pool;
}

/** Ends every pool (tests and shutdown). */
export async function closeAllPools(): Promise<void> {
	const all = [...pools.values()];
	pools.clear();
	await Promise.all(all.map((p) => p.end().catch(() => undefined)));
}

/** Builds `select to_json(t) from mcp_jobs.fn(p_a => $1, ...) t` with only the given arguments. */
function buildCall(fn: string, args: Record<string, unknown>, { shape, json }: CallSpec) {
	const values: unknown[] = [];
	const named: string[] = [];
	for (const [name, value] of Object.entries(args)) {
		if (value === undefined) continue;
		if (!IDENTIFIER.test(name)) throw new Error(`invalid argument name ${name}`);
		const isJson = json.includes(name);
		values.push(isJson && value !== null ? JSON.stringify(value) : value);
		named.push(`${name} => $${values.length}${isJson ? '::jsonb' : ''}`);
	}
	const call = `"${QUEUE_SCHEMA}"."${fn}"(${named.join(', ')})`;
	// to_json formats values exactly as PostgREST does, so both transports return the same shapes
	const text = shape === 'scalar' ? `select to_json(${call}) as j` : `select to_json(t) as j from ${call} t`;
	return { text, values };
}

/** The "Postgres" connection: a pooled pg connection string (direct, Supavisor session mode, any Postgres). */
export class PostgresTransport implements RpcTransport {
	constructor(
		private readonly connectionString: string,
		private readonly ssl?: SslMode,
	) {}

	async call(fn: string, args: Record<string, unknown>, spec: CallSpec): Promise<unknown> {
		const { text, values } = buildCall(fn, args, spec);
		try {
			const { rows } = await getPool(this.connectionString, this.ssl).query(text, values);
			if (spec.shape === 'rows') return rows.map((r) => r.j);
			return rows.length ? rows[0].j : null;
		} catch (error) {
			throw new RpcError(fn, {
				code: String(error.code ?? 'UNKNOWN'),
				message: redact(String(error.message ?? error), [this.connectionString, passwordOf(this.connectionString)]),
				details: error.detail ?? null,
				hint: error.hint ?? null,
			});
		}
	}
}

export function passwordOf(connectionString: string): string | undefined {
	try {
		const password = new URL(connectionString).password;
		return password ? decodeURIComponent(password) : undefined;
	} catch {
		return undefined;
	}
}
