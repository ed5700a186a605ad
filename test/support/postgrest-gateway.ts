// An in-process stand-in for PostgREST (and the Supabase API gateway in front of it) for tests, so that
// @supabase/supabase-js talks real HTTP to real SQL: no PostgREST binary exists on the test machines. It
// serves RPC only: /rest/v1/rpc/<fn>, and follows ../shared/reference/supabase-postgrest.md section 1
// (routing, arguments, overload resolution, result shapes, profiles, errors, auth/role switching,
// transactions, the gateway's apikey check), which was read from PostgREST's source; the helpers in
// ./postgrest/ name the PostgREST modules they mirror.
//
// Per request: gateway apikey check → JWT → path → schema (profile headers) → method → query string →
// body → function lookup in the schema cache → one transaction as the JWT's role → response. It connects
// with the given connection string (a superuser in tests) and switches role with set_config('role', …,
// true), so grants and RLS apply as on Supabase. Configured as PostgREST is on Supabase:
// - db-max-rows (option maxRows, default 1000): a set-returning function runs to the end, but at most that
//   many of its rows are returned; Content-Range says which (`0-999/*`; with Prefer: count=exact
//   `0-999/1500` and status 206).
// - statement_timeout (option statementTimeouts, default authenticator 8 s, anon 3 s, authenticated 8 s,
//   service_role none so the authenticator's 8 s): the authenticator's on every connection, the request
//   role's set per request as PostgREST sets impersonated-role settings, and a function's own
//   `set statement_timeout` hoisted to the whole request. Over the limit: 500 with SQLSTATE 57014.
// - TimeZone UTC on every connection, as Supabase's databases run in UTC.
// - A schema cache (./postgrest/schema-cache.ts): functions are looked up in what was loaded at start or at
//   the last `NOTIFY pgrst, 'reload schema'`; a function created since answers 404 PGRST202.
//
// Not implemented (answered with PostgREST's 400 PGRST127 "Feature not implemented" so tests notice):
// table and root endpoints (404 PGRST125 here), ?select=<columns>, filters, order/limit/offset and
// the Range header on results, non-JSON bodies (text/plain, xml, bytea, form, csv) and CSV/GeoJSON output.
// Also left out: db-pre-request, Prefer handling=strict/timezone/max-affected and count=planned|estimated
// (count=exact is supported), new-style sb_publishable_/sb_secret_ keys, the Supabase API's 60 s cap on a
// request, PostgREST's pool acquisition timeout (504 PGRST003: requests here wait for one of 10 connections).
// Prefer: tx=rollback is ignored, as on hosted Supabase.
// Differs from PostgREST:
// - Role settings come from the options, not from the roles' ALTER ROLE … SET in the database, and only
//   statement_timeout is modelled; NOTIFY pgrst, 'reload config' is accepted and changes nothing. A
//   function's or role's default_transaction_isolation does not change the request's isolation level
//   (always READ COMMITTED).
// - If the first schema cache load fails, starting fails (PostgREST keeps retrying and answers 503
//   PGRST002 meanwhile, as this one does when a reload fails). A missing exposed schema is not an error
//   (as in PostgREST 12; 13+ refuses to load).
// - Error texts are PostgREST 12's for PGRST106 ("The schema must be one of the following: …", what
//   Supabase answers) but newer PostgREST's (13+) for PGRST116 ("Cannot coerce the result to a single JSON
//   object"; 12: "JSON object requested, multiple (or no) rows returned") and for JWT claim errors
//   (PGRST303 "JWT expired"; 12: PGRST301).
import { randomBytes } from 'crypto';
import http from 'http';
import type { AddressInfo } from 'net';
import { DatabaseError, Pool, type PoolClient } from 'pg';
import { type Aggregate, type CallArgs, mainCallQuery, txVarQuery } from './postgrest/call';
import { databaseSettings, HOISTED_SETTINGS, type PostgrestGatewayOptions } from './postgrest/config';
import { apiError, fromPgError, notImplemented, PgrstError } from './postgrest/errors';
import { signJwt, verifyJwt } from './postgrest/jwt';
import { findProc } from './postgrest/routines';
import { SchemaCache } from './postgrest/schema-cache';

export { type PostgrestGatewayOptions, SUPABASE_STATEMENT_TIMEOUTS } from './postgrest/config';

export interface PostgrestGateway {
	/** http://127.0.0.1:PORT, the "Supabase URL" to pass to createClient. */
	url: string;
	anonKey: string;
	serviceRoleKey: string;
	/** Signs a JWT with the gateway's secret (e.g. { role: 'authenticated', sub }). */
	signJwt(claims: object): string;
	/** Resolves when the schema cache load that starts next (e.g. after NOTIFY pgrst, 'reload schema') has finished. */
	nextSchemaCacheLoad(): Promise<void>;
	close(): Promise<void>;
}

interface Reply {
	status: number;
	headers: Record<string, string>;
	body: string;
}

interface Config extends Required<Omit<PostgrestGatewayOptions, 'databaseUrl' | 'statementTimeouts'>> {
	pool: Pool;
	schemaCache: SchemaCache;
	apiKeys: Set<string>;
	/** The impersonated roles' settings (PostgREST's configRoleSettings), applied per request. */
	roleSettings: Map<string, Array<[string, string]>>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const GUC_HEADERS_ERROR = 'response.headers guc must be a JSON array composed of objects with a single key and a string value';

export async function startPostgrestGateway(opts: PostgrestGatewayOptions): Promise<PostgrestGateway> {
	if (opts.schemas.length === 0) throw new Error('startPostgrestGateway: at least one schema must be exposed');
	const { maxRows, connection, roleSettings } = databaseSettings(opts);
	const jwtSecret = opts.jwtSecret ?? randomBytes(32).toString('hex');
	const iat = Math.floor(Date.now() / 1000);
	const exp = iat + 10 * 365 * 24 * 3600;
	const anonKey = signJwt({ role: 'anon', iss: 'supabase', iat, exp }, jwtSecret);
	const serviceRoleKey = signJwt({ role: 'service_role', iss: 'supabase', iat, exp }, jwtSecret);
	const pool = new Pool({ ...connection, max: 10 });
	pool.on('error', () => undefined); // an idle connection dropped (e.g. the test database went away)
	let schemaCache: SchemaCache | undefined;
	try {
		schemaCache = await SchemaCache.start(pool, connection, opts.schemas, HOISTED_SETTINGS);
	} finally {
		if (schemaCache === undefined) await pool.end();
	}
	const config: Config = {
		schemas: opts.schemas,
		jwtSecret,
		anonRole: opts.anonRole ?? 'anon',
		extraSearchPath: opts.extraSearchPath ?? ['public', 'extensions'],
		maxRows,
		pool,
		schemaCache,
		apiKeys: new Set([anonKey, serviceRoleKey]),
		roleSettings,
	};

	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			handle(config, req, Buffer.concat(chunks).toString('utf8'))
				.catch((err) => errorReply(err instanceof PgrstError ? err : apiError(500, 'PGRSTX00', `postgrest-gateway: ${err?.stack ?? err}`)))
				.then((reply) => {
					res.writeHead(reply.status, reply.headers);
					res.end(req.method === 'HEAD' ? undefined : reply.body);
				});
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		anonKey,
		serviceRoleKey,
		signJwt: (claims) => signJwt(claims, jwtSecret),
		nextSchemaCacheLoad: () => schemaCache.nextLoad(),
		async close() {
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
			await schemaCache.close();
			await pool.end();
		},
	};
}

function jsonReply(status: number, body: object, headers: Record<string, string> = {}): Reply {
	const text = JSON.stringify(body);
	return { status, body: text, headers: { 'Content-Type': JSON_TYPE, 'Content-Length': String(Buffer.byteLength(text)), ...headers } };
}

function errorReply(err: PgrstError): Reply {
	return jsonReply(err.status, err.body, { 'Proxy-Status': `PostgREST; error=${err.body.code}`, ...err.headers });
}

function safeDecode(s: string): string {
	try {
		return decodeURIComponent(s);
	} catch {
		return s;
	}
}

/** WAI-style query string: `+` is a space, a key without `=` has no value and is dropped. */
function queryParams(search: string): Array<[string, string]> {
	const decode = (s: string) => safeDecode(s.replace(/\+/g, ' '));
	return search
		.split('&')
		.filter((pair) => pair.includes('='))
		.map((pair) => {
			const i = pair.indexOf('=');
			return [decode(pair.slice(0, i)), decode(pair.slice(i + 1))];
		});
}

const FILTER = /^(not\.)?(eq|neq|gt|gte|lt|lte|like|ilike|match|imatch|in|is|isdistinct|fts|plfts|phfts|wfts|cs|cd|ov|sl|sr|nxr|nxl|adj)(\([a-z]+\))?\./;
const RESERVED = new Set(['select', 'columns', 'on_conflict']);
const RESERVED_ENDINGS = new Set(['order', 'limit', 'offset', 'and', 'or']);

/** The RPC arguments of a GET/HEAD query string (QueryParams.hs qsParams); shaping parameters are refused. */
function rpcParams(params: Array<[string, string]>, isRead: boolean): Array<[string, string]> {
	const args: Array<[string, string]> = [];
	for (const [key, value] of params) {
		if (key === 'select' && value === '*') continue;
		if (RESERVED.has(key) || RESERVED_ENDINGS.has(key.split('.').pop() as string)) throw notImplemented(`the "${key}" query parameter`);
		if (!isRead || FILTER.test(value)) throw notImplemented(`filters on RPC results ("${key}=${value}")`);
		args.push([key, value]);
	}
	return args;
}

/** Accept negotiation for the built-in JSON handlers (MediaType.hs decodeMediaType, Plan/Negotiate.hs). */
function negotiate(accept: string | undefined): { aggregate: Aggregate; contentType: string } {
	const ranges = (accept ?? '*/*')
		.split(',')
		.map((entry, index) => {
			const [type, ...params] = entry.split(';').map((s) => s.trim());
			const q = params.find((p) => /^q=/i.test(p));
			const rest = params.filter((p) => p !== q).map((p) => p.toLowerCase().replace(/\s+/g, ''));
			return { type: type.toLowerCase(), stripped: rest.includes('nulls=stripped'), q: q ? Number(q.slice(2)) : 1, index, raw: entry.trim() };
		})
		.filter((r) => r.type !== '')
		.sort((a, b) => b.q - a.q || a.index - b.index);
	for (const r of ranges) {
		if (r.type === 'application/json' || r.type === '*/*' || ((r.type === 'application/vnd.pgrst.array+json' || r.type === 'application/vnd.pgrst.array') && !r.stripped)) {
			return { aggregate: { single: false, stripNulls: false }, contentType: JSON_TYPE };
		}
		if (r.type === 'application/vnd.pgrst.array+json' || r.type === 'application/vnd.pgrst.array') {
			return { aggregate: { single: false, stripNulls: true }, contentType: 'application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8' };
		}
		if (r.type === 'application/vnd.pgrst.object+json' || r.type === 'application/vnd.pgrst.object') {
			const mime = `application/vnd.pgrst.object+json${r.stripped ? ';nulls=stripped' : ''}`;
			return { aggregate: { single: true, stripNulls: r.stripped }, contentType: `${mime}; charset=utf-8` };
		}
		if (r.type === 'text/csv' || r.type === 'application/geo+json') throw notImplemented(`${r.type} responses`);
	}
	throw apiError(406, 'PGRST107', `None of these media types are available: ${ranges.map((r) => r.raw).join(', ')}`);
}

/** The JSON body of an RPC POST (ApiRequest/Payload.hs): its argument keys, and the text passed to Postgres. */
function jsonPayload(raw: string): { keys: Set<string>; body: string } {
	if (raw.length === 0) return { keys: new Set(), body: '{}' };
	let value: unknown;
	try {
		value = JSON.parse(raw);
	} catch {
		throw apiError(400, 'PGRST102', 'Empty or invalid json');
	}
	const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
	if (isObject(value)) return { keys: new Set(Object.keys(value)), body: raw };
	if (!Array.isArray(value) || value.length === 0) return { keys: new Set(), body: '[]' };
	const keys = isObject(value[0]) ? Object.keys(value[0]).sort().join('\0') : undefined;
	if (keys === undefined || !value.every((v) => isObject(v) && Object.keys(v).sort().join('\0') === keys)) {
		throw apiError(400, 'PGRST102', 'All object keys must match');
	}
	return { keys: new Set(Object.keys(value[0])), body: raw };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
	const value = req.headers[name];
	return Array.isArray(value) ? value.join(', ') : value;
}

/** What PostgREST makes of a request before it touches the database (ApiRequest.hs userApiRequest). */
interface RpcRequest {
	method: string;
	path: string; // as PostgREST sees it, without /rest/v1
	fnName: string;
	schema: string;
	profileHeaders: Record<string, string>;
	role: string;
	claims: Record<string, unknown>;
	keys: Set<string>;
	body?: string; // POST: the JSON passed to Postgres
	queryArgs: Array<[string, string]>; // GET/HEAD/OPTIONS: the arguments in the query string
}

/** Errors from Postgres become PostgREST's response for them; anything else means the connection is unusable. */
function asPgrstError(err: unknown, authed: boolean): PgrstError {
	if (err instanceof PgrstError) return err;
	if (err instanceof DatabaseError) return fromPgError(err, authed);
	return apiError(503, 'PGRST001', 'Database client error. Retrying the connection.', String((err as Error)?.message ?? err));
}

async function handle(config: Config, req: http.IncomingMessage, rawBody: string): Promise<Reply> {
	const [rawPath, rawQuery = ''] = (req.url ?? '/').split(/\?(.*)/s);
	// --- Supabase API gateway: the /rest/v1/ route, guarded by the apikey (header or query parameter)
	if (!rawPath.startsWith('/rest/v1/')) return jsonReply(404, { message: 'no Route matched with those values' });
	const query = queryParams(rawQuery);
	const apiKey = header(req, 'apikey') ?? query.find(([k]) => k === 'apikey')?.[1];
	if (apiKey === undefined) {
		return jsonReply(401, { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' });
	}
	if (!config.apiKeys.has(apiKey)) {
		return jsonReply(401, { message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' });
	}
	// --- PostgREST, behind the gateway (which strips /rest/v1 and hides the apikey parameter)
	const request = apiRequest(config, req, rawBody, apiKey, rawPath.slice('/rest/v1'.length), query.filter(([k]) => k !== 'apikey'));
	let client: PoolClient;
	try {
		client = await config.pool.connect();
	} catch (err) {
		throw apiError(503, 'PGRST000', 'Database connection error.', String(err?.message ?? err));
	}
	let broken = false;
	try {
		return await execute(config, client, request, req);
	} catch (err) {
		broken = !(err instanceof PgrstError || err instanceof DatabaseError);
		throw asPgrstError(err, request.role !== config.anonRole);
	} finally {
		client.release(broken);
	}
}

function apiRequest(config: Config, req: http.IncomingMessage, rawBody: string, apiKey: string, path: string, params: Array<[string, string]>): RpcRequest {
	const method = req.method ?? 'GET';
	// auth (Auth.hs): the Bearer token (case-insensitive scheme), else the apikey's JWT; no role claim → anon role
	const authorization = header(req, 'authorization');
	const bearer = authorization === undefined ? apiKey : /^bearer(\s|$)/i.test(authorization) ? authorization.slice(6).trim() : undefined;
	const claims = bearer === undefined ? {} : verifyJwt(bearer, config.jwtSecret);
	const role = claims.role === undefined ? config.anonRole : typeof claims.role === 'string' ? claims.role : JSON.stringify(claims.role);

	const segments = path === '/' ? [] : path.split('/').slice(1).map(safeDecode);
	if (segments.length !== 2 || segments[0] !== 'rpc') throw apiError(404, 'PGRST125', 'Invalid path specified in request URL');

	const profile = header(req, ['POST', 'PATCH', 'PUT', 'DELETE'].includes(method) ? 'content-profile' : 'accept-profile');
	if (profile !== undefined && !config.schemas.includes(profile)) {
		throw apiError(406, 'PGRST106', `The schema must be one of the following: ${config.schemas.join(', ')}`);
	}
	const schema = profile ?? config.schemas[0];
	// the schema counts as negotiated when a profile header chose it, or when several schemas are exposed
	const profileHeaders: Record<string, string> = profile !== undefined || config.schemas.length !== 1 ? { 'Content-Profile': schema } : {};

	if (!['GET', 'HEAD', 'POST', 'OPTIONS'].includes(method)) throw apiError(405, 'PGRST101', `Cannot use the ${method} method on RPC`);
	const isPost = method === 'POST';
	if (method === 'GET' && header(req, 'range') !== undefined) throw notImplemented('the Range header');
	const queryArgs = rpcParams(params, !isPost);
	const base = { method, path, fnName: segments[1], schema, profileHeaders, role, claims, queryArgs };
	if (!isPost) return { ...base, keys: new Set(queryArgs.map(([k]) => k)) };

	const contentType = header(req, 'content-type');
	const mime = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
	if (['text/csv', 'application/x-www-form-urlencoded', 'text/plain', 'text/xml', 'application/octet-stream'].includes(mime)) {
		throw notImplemented(`${mime} request bodies`);
	}
	if (mime !== 'application/json') throw apiError(400, 'PGRST102', `Content-Type not acceptable: ${contentType}`);
	return { ...base, ...jsonPayload(rawBody) };
}

/** Finds the function, runs it in one transaction as the request's role, and builds the response. */
async function execute(config: Config, client: PoolClient, request: RpcRequest, req: http.IncomingMessage): Promise<Reply> {
	const { method, schema, role } = request;
	const isPost = method === 'POST';
	const routine = findProc(schema, request.fnName, request.keys, config.schemaCache.routinesIn(schema), isPost);
	if (method === 'OPTIONS') {
		const allow = routine.volatility === 'volatile' ? 'OPTIONS,POST' : 'OPTIONS,GET,HEAD,POST';
		return { status: 200, body: '', headers: { 'Content-Length': '0', 'Access-Control-Allow-Origin': '*', Allow: allow, Vary: 'Accept, Prefer, Range' } };
	}
	let args: CallArgs;
	if (isPost) {
		args = { kind: 'json', body: request.body as string };
	} else {
		// a VARIADIC parameter collects repeated keys into an array; otherwise the last value wins
		const values = new Map<string, string | string[]>();
		for (const [k, v] of request.queryArgs) {
			const variadic = routine.params.some((p) => p.name === k && p.variadic);
			values.set(k, variadic ? [...((values.get(k) as string[] | undefined) ?? []), v] : v);
		}
		args = { kind: 'query', values };
	}
	const { aggregate, contentType } = negotiate(header(req, 'accept'));
	const countExact = (header(req, 'prefer') ?? '').split(',').some((p) => p.trim() === 'count=exact');

	// GET/HEAD, and STABLE/IMMUTABLE functions, run READ ONLY (Plan.hs txMode)
	const readOnly = !isPost || routine.volatility !== 'volatile';
	let row: { total_result_set: string | null; page_total: string; body: string; response_headers: string | null; response_status: string | null };
	let committed = false;
	try {
		await client.query(`BEGIN ISOLATION LEVEL READ COMMITTED ${readOnly ? 'READ ONLY' : 'READ WRITE'}`);
		const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'cookie').map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
		const cookies = Object.fromEntries((header(req, 'cookie') ?? '').split(';').filter((c) => c.includes('=')).map((c) => c.trim().split(/=(.*)/s).slice(0, 2)));
		const vars = txVarQuery({
			searchPath: [schema, ...config.extraSearchPath],
			roleSettings: config.roleSettings.get(role) ?? [],
			role,
			claims: request.claims,
			method,
			path: request.path,
			headers,
			cookies,
			functionSettings: routine.hoistedSettings,
		});
		await client.query(vars.text, vars.values);
		const main = mainCallQuery(routine, args, request.keys, aggregate, { maxRows: config.maxRows, count: countExact });
		row = (await client.query(main.text, main.values)).rows[0];
		if (aggregate.single && Number(row.page_total) !== 1) {
			throw apiError(406, 'PGRST116', 'Cannot coerce the result to a single JSON object', `The result contains ${row.page_total} rows`);
		}
		await client.query('COMMIT');
		committed = true;
	} finally {
		// on any error; a broken connection fails here too, and is discarded by handle()
		if (!committed) await client.query('ROLLBACK').catch(() => undefined);
	}

	const range = rangeStatusHeader(Number(row.page_total), row.total_result_set === null ? undefined : Number(row.total_result_set));
	const headers: Record<string, string> = { 'Content-Range': range.contentRange, Vary: 'Accept, Prefer, Range' };
	if (countExact) headers['Preference-Applied'] = 'count=exact';
	let reply: Reply;
	if (routine.returns === 'void') {
		reply = { status: 204, headers, body: '' };
	} else if (method === 'HEAD') {
		reply = { status: range.status, headers: { ...headers, 'Content-Type': contentType, ...request.profileHeaders }, body: '' };
	} else {
		const length = String(Buffer.byteLength(row.body));
		reply = { status: range.status, headers: { ...headers, 'Content-Length': length, 'Content-Type': contentType, ...request.profileHeaders }, body: row.body };
	}
	return overrideStatusHeaders(reply, row.response_status, row.response_headers);
}

/**
 * RangeQuery.hs rangeStatusHeader for the whole-result range (no Range header or limit/offset here): the rows
 * returned, of the total when it was counted; 206 Partial Content when db-max-rows cut the counted result.
 */
function rangeStatusHeader(pageTotal: number, tableTotal: number | undefined): { status: number; contentRange: string } {
	const upper = pageTotal - 1;
	const rows = tableTotal !== 0 && upper >= 0 ? `0-${upper}` : '*';
	const status = tableTotal !== undefined && pageTotal < tableTotal ? 206 : 200;
	return { status, contentRange: `${rows}/${tableTotal ?? '*'}` };
}

/** A function may set the response.status and response.headers GUCs (Response.hs overrideStatusHeaders). */
function overrideStatusHeaders(reply: Reply, status: string | null, headers: string | null): Reply {
	let result = reply;
	if (status !== null) {
		const code = Number(/^\d+/.exec(status)?.[0]);
		if (!(code >= 100 && code <= 999)) throw apiError(500, 'PGRST112', 'response.status guc must be a valid status code');
		result = { ...result, status: code };
	}
	if (headers !== null) {
		let parsed: unknown;
		try {
			parsed = JSON.parse(headers);
		} catch {
			parsed = undefined;
		}
		const valid = Array.isArray(parsed) && parsed.every((h) => h && typeof h === 'object' && Object.keys(h).length === 1 && typeof Object.values(h)[0] === 'string');
		if (!valid) throw apiError(500, 'PGRST111', GUC_HEADERS_ERROR);
		const extra = Object.fromEntries((parsed as Array<Record<string, string>>).map((h) => Object.entries(h)[0]));
		const kept = Object.entries(result.headers).filter(([k]) => !Object.keys(extra).some((e) => e.toLowerCase() === k.toLowerCase()));
		result = { ...result, headers: { ...Object.fromEntries(kept), ...extra } };
	}
	return result;
}
