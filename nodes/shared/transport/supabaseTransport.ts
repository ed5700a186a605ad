import { createHash } from 'crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { RealtimeClientOptions } from '@supabase/realtime-js';
import { QUEUE_SCHEMA } from './functions';
import { RpcError, redact } from './rpcError';
import type { RpcTransport } from './types';

type RealtimeTransport = NonNullable<RealtimeClientOptions['transport']>;

const REQUEST_TIMEOUT_MS = 60_000;

// supabase-js builds a Realtime client eagerly and, on Node < 22 (no global WebSocket), throws unless
// given a transport. The nodes only use the REST API, so the transport is never opened.
class RealtimeUnused {
	constructor() {
		throw new Error('Realtime is not used by n8n-nodes-supabase-jobs');
	}
}
const clients = new Map<string, SupabaseClient>();

function clientFor(url: string, key: string): SupabaseClient {
	const id = createHash('sha256').update(`${url}\n${key}`).digest('hex');
	let client = clients.get(id);
	if (!client) {
		client = createClient(url, key, {
			auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
			realtime: { transport: RealtimeUnused as unknown as RealtimeTransport },
			global: {
				fetch: (input, init) =>
					fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
			},
		});
		clients.set(id, client);
	}
	return client;
}

/** The "Supabase API" connection: PostgREST RPC through supabase-js, with the queue's schema as profile. */
export class SupabaseTransport implements RpcTransport {
	constructor(
		private readonly url: string,
		private readonly key: string,
	) {}

	// PostgREST shapes the result itself and reads jsonb arguments from the JSON body: the spec is not needed
	async call(fn: string, args: Record<string, unknown>): Promise<unknown> {
		const { data, error, status } = await clientFor(this.url, this.key).schema(QUEUE_SCHEMA).rpc(fn, args);
		if (!error) return data;
		const message = redact(String(error.message ?? 'request failed'), [this.key]);
		throw new RpcError(fn, {
			code: error.code || (status ? `HTTP${status}` : 'NETWORK'),
			message,
			details: error.details ? redact(String(error.details), [this.key]) : null,
			hint: error.hint ?? null,
			httpStatus: status || undefined,
		});
	}
}
