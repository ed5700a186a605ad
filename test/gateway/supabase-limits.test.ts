// The PostgREST stand-in configured as Supabase configures PostgREST: Max Rows, the roles' statement
// timeouts, and UTC sessions.
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type PostgrestGateway, type PostgrestGatewayOptions, startPostgrestGateway } from '../support/postgrest-gateway';
import { postJson, supabaseClient } from './clients';

const SCHEMA_SQL = `
create schema gw_limits;
grant usage on schema gw_limits to anon, authenticated, service_role;
create table gw_limits.made (n int);
grant all on gw_limits.made to service_role;

create function gw_limits.series(n int) returns setof int language sql as 'select generate_series(1, n)';
create function gw_limits.make(n int) returns setof gw_limits.made language sql
  as 'insert into gw_limits.made select generate_series(1, n) returning *';
create function gw_limits.add(a int, b int) returns int language sql as 'select a + b';
create function gw_limits.session() returns jsonb stable language sql as $$
  select jsonb_build_object('user', current_user, 'statement_timeout', current_setting('statement_timeout'),
    'timezone', current_setting('TimeZone'), 'midnight', '2024-01-02 00:00'::timestamptz)$$;
create function gw_limits.sleep(seconds float) returns int stable language sql as 'select 1 from pg_sleep(seconds)';
create function gw_limits.patient_sleep(seconds float) returns int stable language sql
  set statement_timeout = '5s' as 'select 1 from pg_sleep(seconds)';
`;

let db: TestDatabase;
let gw: PostgrestGateway;

beforeAll(async () => {
	db = await createTestDatabase();
	await db.pool.query(SCHEMA_SQL);
	// a database that is not in UTC, unlike Supabase's, so the gateway's own TimeZone shows
	await db.pool.query(`alter database ${new URL(db.url).pathname.slice(1)} set timezone to 'Asia/Kathmandu'`);
	gw = await startPostgrestGateway({ databaseUrl: db.url, schemas: ['gw_limits'] });
});
afterAll(async () => {
	await gw?.close();
	await db?.drop();
});

/** Runs `test` against a gateway started with `options`, closed afterwards. */
async function withGateway(options: Partial<PostgrestGatewayOptions>, test: (other: PostgrestGateway) => Promise<void>) {
	const other = await startPostgrestGateway({ databaseUrl: db.url, schemas: ['gw_limits'], ...options });
	try {
		await test(other);
	} finally {
		await other.close();
	}
}

const asRole = (on: PostgrestGateway, role: 'anon' | 'authenticated' | 'service_role') =>
	role === 'anon'
		? supabaseClient(on, on.anonKey, 'gw_limits')
		: supabaseClient(on, on.anonKey, 'gw_limits', { Authorization: `Bearer ${on.signJwt({ role })}` });

describe('db-max-rows (Supabase "Max rows", 1000 by default)', () => {
	it('returns at most 1000 rows of a set-returning function, and says so in Content-Range', async () => {
		const res = await postJson(gw, 'gw_limits', 'series', { n: 1500 });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-range')).toBe('0-999/*');
		const rows = (await res.json()) as number[];
		expect([rows.length, rows[0], rows[999]]).toEqual([1000, 1, 1000]);
		expect((await postJson(gw, 'gw_limits', 'series', { n: 1000 })).headers.get('content-range')).toBe('0-999/*');
	});

	it('answers 206 with the full count under Prefer: count=exact', async () => {
		const res = await postJson(gw, 'gw_limits', 'series', { n: 1500 }, { Prefer: 'count=exact' });
		expect([res.status, res.headers.get('content-range')]).toEqual([206, '0-999/1500']);
		const { data, count, status } = await supabaseClient(gw, gw.serviceRoleKey, 'gw_limits').rpc('series', { n: 1500 }, { count: 'exact' });
		expect([data?.length, count, status]).toEqual([1000, 1500, 206]);
		const all = await postJson(gw, 'gw_limits', 'series', { n: 1000 }, { Prefer: 'count=exact' });
		expect([all.status, all.headers.get('content-range')]).toEqual([200, '0-999/1000']);
	});

	it('runs the function to the end: a write of 1500 rows keeps all of them, the response shows 1000', async () => {
		const { data, error } = await supabaseClient(gw, gw.serviceRoleKey, 'gw_limits').rpc('make', { n: 1500 });
		expect(error).toBeNull();
		expect(data).toHaveLength(1000);
		expect((await db.pool.query('select count(*)::int as n from gw_limits.made')).rows[0].n).toBe(1500);
	});

	it('takes the limit from the maxRows option; null means no limit; scalars are not affected', async () => {
		await withGateway({ maxRows: 2 }, async (other) => {
			const res = await postJson(other, 'gw_limits', 'series', { n: 5 });
			expect([res.headers.get('content-range'), await res.json()]).toEqual(['0-1/*', [1, 2]]);
			expect(await (await postJson(other, 'gw_limits', 'add', { a: 2, b: 3 })).json()).toBe(5);
		});
		await withGateway({ maxRows: null }, async (other) => {
			const res = await postJson(other, 'gw_limits', 'series', { n: 1500 });
			expect([res.headers.get('content-range'), ((await res.json()) as number[]).length]).toEqual(['0-1499/*', 1500]);
		});
		await expect(startPostgrestGateway({ databaseUrl: db.url, schemas: ['gw_limits'], maxRows: -1 })).rejects.toThrow(
			'startPostgrestGateway: maxRows must be a whole number ≥ 0, or null for no limit (got -1)',
		);
	});
});

describe('statement_timeout per role', () => {
	it("uses Supabase's: anon 3 s, authenticated 8 s, service_role the authenticator's 8 s", async () => {
		const timeouts = await Promise.all((['anon', 'authenticated', 'service_role'] as const).map(async (role) => (await asRole(gw, role).rpc('session')).data));
		expect(timeouts).toEqual([
			expect.objectContaining({ user: 'anon', statement_timeout: '3s' }),
			expect.objectContaining({ user: 'authenticated', statement_timeout: '8s' }),
			expect.objectContaining({ user: 'service_role', statement_timeout: '8s' }),
		]);
	});

	it('takes the timeouts from the options, and cancels a call over its role\'s limit with 500 57014, as PostgREST', async () => {
		await withGateway({ statementTimeouts: { authenticator: 600, anon: 200, authenticated: 400 } }, async (other) => {
			expect((await asRole(other, 'anon').rpc('session')).data.statement_timeout).toBe('200ms');
			expect((await asRole(other, 'authenticated').rpc('session')).data.statement_timeout).toBe('400ms');
			expect((await asRole(other, 'service_role').rpc('session')).data.statement_timeout).toBe('600ms');
			const canceled = { code: '57014', message: 'canceling statement due to statement timeout', details: null, hint: null };
			expect(await asRole(other, 'anon').rpc('sleep', { seconds: 2 })).toMatchObject({ status: 500, error: canceled, data: null });
			expect(await asRole(other, 'service_role').rpc('sleep', { seconds: 2 })).toMatchObject({ status: 500, error: canceled });
		});
	});

	it("applies a function's own SET statement_timeout to the whole request (a hoisted setting)", async () => {
		await withGateway({ statementTimeouts: { anon: 200 } }, async (other) => {
			expect(await asRole(other, 'anon').rpc('patient_sleep', { seconds: 0.5 })).toMatchObject({ status: 200, data: 1 });
			expect((await asRole(other, 'anon').rpc('sleep', { seconds: 0.5 })).error?.code).toBe('57014');
		});
	});

	it('refuses a timeout that is not a whole number of milliseconds, naming the role', async () => {
		await expect(startPostgrestGateway({ databaseUrl: db.url, schemas: ['gw_limits'], statementTimeouts: { anon: 1.5 } })).rejects.toThrow(
			'startPostgrestGateway: statementTimeouts.anon must be a whole number of milliseconds ≥ 0, or null for none (got 1.5)',
		);
	});
});

describe('time zone', () => {
	it('runs every request in UTC, whatever the database default', async () => {
		const direct = new Client({ connectionString: db.url });
		await direct.connect();
		try {
			expect((await direct.query(`select current_setting('TimeZone') as tz`)).rows[0].tz).toBe('Asia/Kathmandu');
		} finally {
			await direct.end();
		}
		const { data } = await supabaseClient(gw, gw.serviceRoleKey, 'gw_limits').rpc('session');
		expect(data).toMatchObject({ timezone: 'UTC', midnight: '2024-01-02T00:00:00+00:00' });
	});
});
