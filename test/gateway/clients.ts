// Clients of the PostgREST stand-in for its tests: supabase-js, as our nodes use it, and raw fetch for the
// status codes and headers supabase-js hides.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { PostgrestGateway } from '../support/postgrest-gateway';

/** supabase-js ≥2.10x refuses to start on Node 20 without a WebSocket for realtime, which these tests never open. */
class NoWebSocket {
	constructor() {
		throw new Error('realtime is not used in these tests');
	}
}

export function supabaseClient(gw: PostgrestGateway, key: string, schema: string, headers: Record<string, string> = {}): SupabaseClient<any, any, any> {
	return createClient(gw.url, key, {
		db: { schema },
		auth: { persistSession: false, autoRefreshToken: false },
		global: { headers },
		realtime: { transport: NoWebSocket as any },
	});
}

/** Raw HTTP to the gateway (POST unless told otherwise), with the service-role key unless told otherwise; an empty header value removes the header. */
export function rawRpc(gw: PostgrestGateway, fn: string, init: RequestInit & { path?: string } = {}): Promise<Response> {
	const headers = new Headers(init.headers);
	if (!headers.has('apikey')) headers.set('apikey', gw.serviceRoleKey);
	if (init.body !== undefined && !headers.has('content-type')) headers.set('Content-Type', 'application/json');
	for (const [k, v] of headers) if (v === '') headers.delete(k);
	return fetch(`${gw.url}${init.path ?? `/rest/v1/rpc/${fn}`}`, { method: 'POST', ...init, headers });
}

/** POSTs `body` as JSON to `schema`.`fn`. */
export function postJson(gw: PostgrestGateway, schema: string, fn: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
	return rawRpc(gw, fn, { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', 'Content-Profile': schema, ...headers } });
}
