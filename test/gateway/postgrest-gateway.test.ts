// The PostgREST stand-in (test/support/postgrest-gateway.ts) against real SQL, through real HTTP:
// supabase-js where it shows what our nodes see, raw fetch for status codes and headers it hides.
import { randomBytes } from 'crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type PostgrestGateway, startPostgrestGateway } from '../support/postgrest-gateway';
import { postJson as postJsonTo, rawRpc, supabaseClient } from './clients';

const SCHEMA_SQL = `
create schema gw_test;
create schema gw_other;
create schema gw_hidden;
grant usage on schema gw_test, gw_other to anon, authenticated, service_role;

create table gw_test.item (id int primary key, name text, created_at timestamptz);
insert into gw_test.item values (1, 'one', '2024-01-02 03:04:05.123+00'), (2, 'two', null), (3, 'three', null);
create table gw_test.log (note text);
create table gw_test.private_rows (id int);
insert into gw_test.private_rows values (1), (2);
alter table gw_test.private_rows enable row level security;
grant all on all tables in schema gw_test to service_role;
grant select on gw_test.private_rows to authenticated;

create function gw_test.add(a int, b int default 1) returns int language sql as 'select a + b';
create function gw_test.hello(name text) returns text stable language sql as $$select 'hello ' || name$$;
create function gw_test.echo(doc jsonb) returns jsonb language sql as 'select doc';
create function gw_test.nothing() returns text language sql as 'select null::text';
create function gw_test.series(n int) returns setof int language sql as 'select generate_series(1, n)';
create function gw_test.get_item(item_id int) returns gw_test.item language sql as 'select * from gw_test.item where id = item_id';
create function gw_test.items(max_id int default 100) returns setof gw_test.item language sql
  as 'select * from gw_test.item where id <= max_id order by id';
create function gw_test.item_names(min_id int) returns table(id int, name text) language sql
  as 'select id, name from gw_test.item where id >= min_id order by id';
create function gw_test.out_params(x int, out doubled int, out label text) language sql as $$select x * 2, 'x' || x$$;
create function gw_test.touch(note text) returns void language sql as 'insert into gw_test.log values (note)';
create function gw_test.overloaded(a int) returns text language sql as $$select 'int'$$;
create function gw_test.overloaded(a text) returns text language sql as $$select 'text'$$;
create function gw_test.whole(jsonb) returns jsonb language sql as 'select $1';
create function gw_test.total(variadic nums int[]) returns int language sql as 'select sum(n)::int from unnest(nums) n';
create function gw_test.conflict() returns void language plpgsql as $$
begin raise sqlstate 'PT409' using message = 'already exists', detail = 'job 7', hint = 'use another key'; end $$;
create function gw_test.bad_input(v int) returns int language plpgsql as $$
begin raise exception 'v must be positive' using detail = 'got ' || v, hint = 'pass v > 0'; end $$;
create function gw_test.no_data() returns int language plpgsql as $$begin raise sqlstate 'P0002' using message = 'none'; end $$;
create function gw_test.duplicate() returns int language plpgsql as $$begin raise unique_violation using message = 'dup'; end $$;
create function gw_test.write_then_fail(note text) returns int language plpgsql as $$
begin insert into gw_test.log values (note); raise exception 'failed after write'; end $$;
create function gw_test.stable_write() returns int stable language plpgsql as $$
begin perform gw_test.touch('stable'); return 1; end $$;
create function gw_test.secret() returns int language sql as 'select 42';
revoke execute on function gw_test.secret() from public;
grant execute on function gw_test.secret() to service_role;
create function gw_test.count_private() returns bigint language sql as 'select count(*) from gw_test.private_rows';
create function gw_test.whoami() returns jsonb language sql as $$
  select jsonb_build_object('user', current_user, 'claims', current_setting('request.jwt.claims', true)::jsonb,
    'method', current_setting('request.method', true), 'path', current_setting('request.path', true),
    'headers', current_setting('request.headers', true)::jsonb, 'search_path', current_setting('search_path'),
    'read_only', current_setting('transaction_read_only'))$$;
create function gw_test.custom_response() returns text language plpgsql as $$
begin
  perform set_config('response.status', '202', true), set_config('response.headers', '[{"X-Job":"queued"}]', true);
  return 'ok';
end $$;
create function gw_test.pgrst_raise() returns void language plpgsql as $$
begin raise sqlstate 'PGRST' using message = '{"code":"QJ404","message":"no such queue","hint":"create it"}',
  detail = '{"status":404,"headers":{"X-Queue":"missing"}}'; end $$;
create function gw_other.ping() returns text language sql as $$select 'pong'$$;
create function gw_hidden.ping() returns text language sql as $$select 'hidden'$$;
`;

let db: TestDatabase;
let gw: PostgrestGateway;
let sb: SupabaseClient<any, any, any>;

const clientFor = (key: string, headers: Record<string, string> = {}) => supabaseClient(gw, key, 'gw_test', headers);
const rpc = (fn: string, init: RequestInit & { path?: string } = {}) => rawRpc(gw, fn, init);

const json = (res: Response): Promise<any> => res.json();

const postJson = (fn: string, body: unknown, headers: Record<string, string> = {}) => postJsonTo(gw, 'gw_test', fn, body, headers);

beforeAll(async () => {
	db = await createTestDatabase();
	await db.pool.query(SCHEMA_SQL);
	gw = await startPostgrestGateway({ databaseUrl: db.url, schemas: ['gw_test', 'gw_other'] });
	sb = clientFor(gw.serviceRoleKey);
});
afterAll(async () => {
	await gw?.close();
	await db?.drop();
});

describe('result shapes', () => {
	it('returns a scalar as the bare JSON value, using the defaults of omitted parameters', async () => {
		expect(await sb.rpc('add', { a: 2 })).toMatchObject({ data: 3, error: null, status: 200 });
		expect((await sb.rpc('add', { a: 2, b: 5 })).data).toBe(7);
		expect((await sb.rpc('hello', { name: 'n8n' })).data).toBe('hello n8n');
		expect((await sb.rpc('echo', { doc: { a: [1, { b: null }] } })).data).toEqual({ a: [1, { b: null }] });
		expect((await sb.rpc('nothing')).data).toBeNull();
		const res = await postJson('add', { a: 1 });
		expect(res.status).toBe(200);
		expect(await res.text()).toBe('2');
		expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
		expect(res.headers.get('content-range')).toBe('0-0/*');
	});

	it('returns SETOF scalar as an array, [] when empty, with the Content-Range of the rows', async () => {
		expect((await sb.rpc('series', { n: 3 })).data).toEqual([1, 2, 3]);
		expect((await sb.rpc('series', { n: 0 })).data).toEqual([]);
		expect((await postJson('series', { n: 3 })).headers.get('content-range')).toBe('0-2/*');
		expect((await postJson('series', { n: 0 })).headers.get('content-range')).toBe('*/*');
	});

	it('returns a single composite as an object, and NULL as an object of nulls', async () => {
		expect((await sb.rpc('get_item', { item_id: 1 })).data).toEqual({ id: 1, name: 'one', created_at: '2024-01-02T03:04:05.123+00:00' });
		expect((await sb.rpc('get_item', { item_id: 999 })).data).toEqual({ id: null, name: null, created_at: null });
		expect((await sb.rpc('out_params', { x: 4 })).data).toEqual({ doubled: 8, label: 'x4' });
	});

	it('returns SETOF table and RETURNS TABLE as arrays of objects, [] when empty', async () => {
		expect((await sb.rpc('items', { max_id: 2 })).data).toEqual([
			{ id: 1, name: 'one', created_at: '2024-01-02T03:04:05.123+00:00' },
			{ id: 2, name: 'two', created_at: null },
		]);
		expect((await sb.rpc('items', { max_id: 0 })).data).toEqual([]);
		expect((await sb.rpc('item_names', { min_id: 3 })).data).toEqual([{ id: 3, name: 'three' }]);
		expect((await sb.rpc('item_names', { min_id: 9 })).data).toEqual([]);
	});

	it('answers a void function with 204 and no body, and commits its writes', async () => {
		const res = await postJson('touch', { note: 'raw' });
		expect(res.status).toBe(204);
		expect(await res.text()).toBe('');
		expect(res.headers.get('content-type')).toBeNull();
		expect(await sb.rpc('touch', { note: 'js' })).toMatchObject({ data: null, error: null, status: 204 });
		const { rows } = await db.pool.query(`select note from gw_test.log where note in ('raw', 'js') order by note`);
		expect(rows).toEqual([{ note: 'js' }, { note: 'raw' }]);
	});

	it('passes the whole body to a single unnamed jsonb parameter, and arrays to VARIADIC', async () => {
		expect((await sb.rpc('whole', { any: 'thing', n: 1 })).data).toEqual({ any: 'thing', n: 1 });
		expect((await sb.rpc('total', { nums: [1, 2, 3] })).data).toBe(6);
		expect(await json(await rpc('total', { method: 'GET', path: '/rest/v1/rpc/total?nums=4&nums=5' }))).toBe(9);
	});

	it('serves the singular media type (.single()) and refuses it when there is not exactly one row', async () => {
		expect((await sb.rpc('items', { max_id: 1 }).single()).data).toEqual({ id: 1, name: 'one', created_at: '2024-01-02T03:04:05.123+00:00' });
		const many = await sb.rpc('items', { max_id: 2 }).single();
		expect(many.status).toBe(406);
		expect(many.error).toMatchObject({ code: 'PGRST116', message: 'Cannot coerce the result to a single JSON object', details: 'The result contains 2 rows' });
		const res = await postJson('add', { a: 1 }, { Accept: 'application/vnd.pgrst.object+json' });
		expect(res.headers.get('content-type')).toBe('application/vnd.pgrst.object+json; charset=utf-8');
		expect(await res.text()).toBe('2');
		const none = await postJson('items', { max_id: 0 }, { Accept: 'text/html' });
		expect(none.status).toBe(406);
		expect((await json(none)).code).toBe('PGRST107');
	});

	it('reports the total with Prefer: count=exact', async () => {
		const { data, count } = await sb.rpc('series', { n: 3 }, { count: 'exact' });
		expect([data, count]).toEqual([[1, 2, 3], 3]);
		expect((await postJson('series', { n: 3 }, { Prefer: 'count=exact' })).headers.get('content-range')).toBe('0-2/3');
	});

	it('lets a function set the response status and headers through the response.* GUCs', async () => {
		const res = await postJson('custom_response', {});
		expect([res.status, res.headers.get('x-job'), await json(res)]).toEqual([202, 'queued', 'ok']);
	});
});

describe('methods, paths and schemas', () => {
	it('takes GET arguments from the query string (Accept-Profile), in a read-only transaction', async () => {
		expect(await sb.rpc('add', { a: 2, b: 3 }, { get: true })).toMatchObject({ data: 5, error: null });
		const res = await rpc('whoami', { method: 'GET', headers: { 'Accept-Profile': 'gw_test' } });
		expect((await json(res)).read_only).toBe('on');
		expect((await json(await postJson('whoami', {}))).read_only).toBe('off');
		const head = await rpc('add', { method: 'HEAD', path: '/rest/v1/rpc/add?a=1' });
		expect([head.status, await head.text(), head.headers.get('content-range')]).toEqual([200, '', '0-0/*']);
	});

	it('answers OPTIONS with the allowed methods', async () => {
		expect((await rpc('add', { method: 'OPTIONS', path: '/rest/v1/rpc/add?a=1' })).headers.get('allow')).toBe('OPTIONS,POST');
		expect((await rpc('hello', { method: 'OPTIONS', path: '/rest/v1/rpc/hello?name=x' })).headers.get('allow')).toBe('OPTIONS,GET,HEAD,POST');
	});

	it('refuses other methods with 405 PGRST101', async () => {
		for (const method of ['PUT', 'PATCH', 'DELETE']) {
			const res = await rpc('add', { method, body: '{"a":1}' });
			expect(res.status).toBe(405);
			expect(await json(res)).toEqual({ code: 'PGRST101', message: `Cannot use the ${method} method on RPC`, details: null, hint: null });
		}
	});

	it('answers paths other than /rpc/<fn> with 404 PGRST125, and unrouted paths like the gateway', async () => {
		for (const path of ['/rest/v1/rpc', '/rest/v1/rpc/add/extra', '/rest/v1/']) {
			const res = await rpc('', { path });
			expect(res.status).toBe(404);
			expect((await json(res)).code).toBe('PGRST125');
		}
		const res = await rpc('', { path: '/elsewhere/rpc/add' });
		expect([res.status, await json(res)]).toEqual([404, { message: 'no Route matched with those values' }]);
	});

	it('selects the schema with Content-Profile and says which one in the response', async () => {
		const { data, error } = await sb.schema('gw_other').rpc('ping');
		expect([data, error]).toEqual(['pong', null]);
		const res = await rpc('ping', { headers: { 'Content-Profile': 'gw_other' } });
		expect(res.headers.get('content-profile')).toBe('gw_other');
		expect((await json(await postJson('whoami', {}))).search_path).toBe('"gw_test", "public", "extensions"');
	});

	it("refuses a schema that is not exposed with 406 PGRST106, in PostgREST 12's words (as Supabase answers)", async () => {
		const { error, status } = await sb.schema('gw_hidden').rpc('ping');
		expect(status).toBe(406);
		expect(error).toEqual({
			code: 'PGRST106',
			message: 'The schema must be one of the following: gw_test, gw_other',
			details: null,
			hint: null,
		});
		const get = await rpc('ping', { method: 'GET', headers: { 'Accept-Profile': 'gw_hidden' } });
		expect(get.status).toBe(406);
	});
});

describe('function resolution', () => {
	it('answers an unknown function with 404 PGRST202 and a hint', async () => {
		const { error, status } = await sb.rpc('hellp', { name: 'x' });
		expect(status).toBe(404);
		expect(error).toEqual({
			code: 'PGRST202',
			message: 'Could not find the function gw_test.hellp(name) in the schema cache',
			details: 'Searched for the function gw_test.hellp with parameter name or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
			hint: 'Perhaps you meant to call the function gw_test.hello',
		});
		expect((await sb.rpc('no_such_function_at_all')).error).toMatchObject({
			message: 'Could not find the function gw_test.no_such_function_at_all without parameters in the schema cache',
			hint: null,
		});
	});

	it('answers an extra or a missing key with 404 PGRST202', async () => {
		const extra = await sb.rpc('add', { a: 1, c: 2 });
		expect(extra.status).toBe(404);
		expect(extra.error).toMatchObject({
			code: 'PGRST202',
			message: 'Could not find the function gw_test.add(a, c) in the schema cache',
			details: 'Searched for the function gw_test.add with parameters a, c or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
		});
		expect((await sb.rpc('add', { b: 1 })).error?.code).toBe('PGRST202');
		expect((await sb.rpc('add', { a: 1, b: 2 }, { get: true })).data).toBe(3);
		expect((await sb.rpc('add', { a: 1, c: 2 }, { get: true })).error?.details).toBe(
			'Searched for the function gw_test.add with parameters a, c, but no matches were found in the schema cache.',
		);
	});

	it('answers an ambiguous overload with 300 PGRST203', async () => {
		const { error, status } = await sb.rpc('overloaded', { a: 1 });
		expect(status).toBe(300);
		expect(error).toEqual({
			code: 'PGRST203',
			message: 'Could not choose the best candidate function between: gw_test.overloaded(a => integer), gw_test.overloaded(a => text)',
			details: null,
			hint: 'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
		});
	});

	it('treats an empty body as {} and refuses invalid JSON with 400 PGRST102', async () => {
		const empty = await rpc('items', { headers: { 'Content-Profile': 'gw_test' } });
		expect((await json(empty)).map((i: { id: number }) => i.id)).toEqual([1, 2, 3]);
		const bad = await rpc('items', { body: '{"max_id":', headers: { 'Content-Type': 'application/json' } });
		expect(bad.status).toBe(400);
		expect(await json(bad)).toEqual({ code: 'PGRST102', message: 'Empty or invalid json', details: null, hint: null });
	});
});

describe('errors', () => {
	it('maps RAISE EXCEPTION (P0001) to 400 with the message, detail and hint', async () => {
		const { error, status } = await sb.rpc('bad_input', { v: -1 });
		expect(status).toBe(400);
		expect(error).toEqual({ code: 'P0001', message: 'v must be positive', details: 'got -1', hint: 'pass v > 0' });
	});

	it('maps PTxyz to HTTP xyz, other P0 codes to 500, unique violations to 409', async () => {
		const conflict = await sb.rpc('conflict');
		expect(conflict.status).toBe(409);
		expect(conflict.error).toEqual({ code: 'PT409', message: 'already exists', details: 'job 7', hint: 'use another key' });
		expect(await sb.rpc('no_data')).toMatchObject({ status: 500, error: { code: 'P0002', message: 'none' } });
		expect(await sb.rpc('duplicate')).toMatchObject({ status: 409, error: { code: '23505' } });
		const res = await postJson('conflict', {});
		expect(res.headers.get('proxy-status')).toBe('PostgREST; error=PT409');
	});

	it('gives the full response of RAISE SQLSTATE PGRST', async () => {
		const res = await postJson('pgrst_raise', {});
		expect([res.status, res.headers.get('x-queue')]).toEqual([404, 'missing']);
		expect(await json(res)).toEqual({ code: 'QJ404', message: 'no such queue', details: null, hint: 'create it' });
	});

	it('maps a bad coercion to 400 22P02', async () => {
		expect(await sb.rpc('add', { a: 'abc' })).toMatchObject({ status: 400, error: { code: '22P02', message: 'invalid input syntax for type integer: "abc"' } });
		expect((await sb.rpc('add', { a: '41' })).data).toBe(42);
	});

	it('runs STABLE functions and GET read-only: a write is 405 25006', async () => {
		expect(await sb.rpc('stable_write')).toMatchObject({ status: 405, error: { code: '25006' } });
		expect(await sb.rpc('touch', { note: 'via get' }, { get: true })).toMatchObject({ status: 405, error: { code: '25006' } });
		expect((await db.pool.query(`select count(*)::int n from gw_test.log where note in ('stable', 'via get')`)).rows[0].n).toBe(0);
	});

	it('rolls back the request transaction on error, and ignores Prefer: tx=rollback', async () => {
		expect((await sb.rpc('write_then_fail', { note: 'lost' })).status).toBe(400);
		expect((await postJson('touch', { note: 'kept' }, { Prefer: 'tx=rollback' })).status).toBe(204);
		const { rows } = await db.pool.query(`select note from gw_test.log where note in ('lost', 'kept')`);
		expect(rows).toEqual([{ note: 'kept' }]);
	});
});

describe('auth', () => {
	it('requires an apikey (header or query parameter) that the gateway issued', async () => {
		const missing = await rpc('add', { body: '{"a":1}', headers: { apikey: '' } });
		expect([missing.status, await json(missing)]).toEqual([
			401,
			{ message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' },
		]);
		const invalid = await rpc('add', { body: '{"a":1}', headers: { apikey: 'not-a-key' } });
		expect([invalid.status, await json(invalid)]).toEqual([
			401,
			{ message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' },
		]);
		expect((await clientFor('wrong').rpc('add', { a: 1 })).status).toBe(401);
		const viaQuery = await rpc('add', { path: `/rest/v1/rpc/add?apikey=${gw.serviceRoleKey}`, body: '{"a":1}', headers: { apikey: '' } });
		expect([viaQuery.status, await json(viaQuery)]).toEqual([200, 2]);
	});

	it('verifies the Bearer JWT: bad signature is 401 PGRST301, expired is 401 PGRST303', async () => {
		const other = await startPostgrestGateway({ databaseUrl: db.url, schemas: ['gw_test'], jwtSecret: randomBytes(32).toString('hex') });
		try {
			const forged = await rpc('add', { body: '{"a":1}', headers: { Authorization: `Bearer ${other.serviceRoleKey}` } });
			expect(forged.status).toBe(401);
			expect(forged.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="No suitable key or wrong key type"');
			expect(await json(forged)).toEqual({
				code: 'PGRST301',
				message: 'No suitable key or wrong key type',
				details: 'None of the keys was able to decode the JWT',
				hint: null,
			});
		} finally {
			await other.close();
		}
		const expired = gw.signJwt({ role: 'service_role', exp: Math.floor(Date.now() / 1000) - 120 });
		const { error, status } = await clientFor(gw.anonKey, { Authorization: `Bearer ${expired}` }).rpc('add', { a: 1 });
		expect([status, error]).toEqual([401, { code: 'PGRST303', message: 'JWT expired', details: null, hint: null }]);
		const garbage = await rpc('add', { body: '{"a":1}', headers: { Authorization: 'Bearer abc' } });
		expect((await json(garbage)).message).toBe('Expected 3 parts in JWT; got 1');
	});

	it('runs as the JWT role with PostgREST GUCs set', async () => {
		const { data } = await sb.rpc('whoami');
		expect(data).toMatchObject({ user: 'service_role', method: 'POST', path: '/rpc/whoami', claims: { role: 'service_role', iss: 'supabase' } });
		expect(data.headers).toMatchObject({ 'content-profile': 'gw_test', 'content-type': 'application/json', apikey: gw.serviceRoleKey });
		const user = clientFor(gw.anonKey, { Authorization: `Bearer ${gw.signJwt({ role: 'authenticated', sub: 'u-1' })}` });
		expect((await user.rpc('whoami')).data).toMatchObject({ user: 'authenticated', claims: { role: 'authenticated', sub: 'u-1' } });
		expect((await clientFor(gw.anonKey).rpc('whoami')).data.user).toBe('anon');
		const noRole = clientFor(gw.anonKey, { Authorization: `Bearer ${gw.signJwt({ sub: 'x' })}` });
		expect((await noRole.rpc('whoami')).data).toMatchObject({ user: 'anon', claims: { role: 'anon', sub: 'x' } });
	});

	it('enforces grants: 42501 is 401 for anon and 403 for other roles', async () => {
		expect((await sb.rpc('secret')).data).toBe(42);
		const anon = await clientFor(gw.anonKey).rpc('secret');
		expect(anon).toMatchObject({ status: 401, error: { code: '42501', message: 'permission denied for function secret' } });
		const raw = await rpc('secret', { headers: { apikey: gw.anonKey } });
		expect(raw.headers.get('www-authenticate')).toBe('Bearer');
		const user = clientFor(gw.anonKey, { Authorization: `Bearer ${gw.signJwt({ role: 'authenticated' })}` });
		expect(await user.rpc('secret')).toMatchObject({ status: 403, error: { code: '42501' } });
		const unknownRole = clientFor(gw.anonKey, { Authorization: `Bearer ${gw.signJwt({ role: 'nobody' })}` });
		expect(await unknownRole.rpc('add', { a: 1 })).toMatchObject({ status: 401, error: { code: '22023', message: 'role "nobody" does not exist' } });
	});

	it('enforces row level security for the role (service_role bypasses it)', async () => {
		expect((await sb.rpc('count_private')).data).toBe(2);
		const user = clientFor(gw.anonKey, { Authorization: `Bearer ${gw.signJwt({ role: 'authenticated' })}` });
		expect((await user.rpc('count_private')).data).toBe(0);
	});
});
