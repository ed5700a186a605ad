// The PostgREST stand-in's schema cache: functions as they were at start or at the last
// NOTIFY pgrst, 'reload schema', as PostgREST serves them.
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type PostgrestGateway, startPostgrestGateway } from '../support/postgrest-gateway';
import { postJson } from './clients';

let db: TestDatabase;
let gw: PostgrestGateway;

beforeAll(async () => {
	db = await createTestDatabase();
	await db.pool.query(`
		create schema gw_cache;
		grant usage on schema gw_cache to service_role;
		create function gw_cache.present() returns text language sql as $$select 'here'$$;
		create function gw_cache.doomed() returns text language sql as $$select 'still here'$$;`);
	gw = await startPostgrestGateway({ databaseUrl: db.url, schemas: ['gw_cache'] });
});
afterAll(async () => {
	await gw?.close();
	await db?.drop();
});

const call = async (fn: string) => {
	const res = await postJson(gw, 'gw_cache', fn, {});
	return { status: res.status, body: await res.json() };
};

/** Runs `sql` and waits until the schema cache load it causes has finished. */
async function reloadingWith(sql: string): Promise<void> {
	const loaded = gw.nextSchemaCacheLoad();
	await db.pool.query(sql);
	await loaded;
}

it("answers a function created after start with 404 PGRST202 until NOTIFY pgrst, 'reload schema'", async () => {
	await db.pool.query(`create function gw_cache.late() returns text language sql as $$select 'late'$$`);
	expect(await call('late')).toEqual({
		status: 404,
		body: {
			code: 'PGRST202',
			message: 'Could not find the function gw_cache.late without parameters in the schema cache',
			details: 'Searched for the function gw_cache.late without parameters or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.',
			hint: null,
		},
	});
	await reloadingWith(`notify pgrst, 'reload schema'`);
	expect(await call('late')).toEqual({ status: 200, body: 'late' });
});

it('reloads on a notification without payload too', async () => {
	await db.pool.query(`create function gw_cache.later() returns text language sql as $$select 'later'$$`);
	expect((await call('later')).status).toBe(404);
	await reloadingWith('notify pgrst');
	expect(await call('later')).toEqual({ status: 200, body: 'later' });
});

it('still calls a function dropped after start, which Postgres then answers with 42883 (404)', async () => {
	await db.pool.query('drop function gw_cache.doomed()');
	expect(await call('doomed')).toEqual({
		status: 404,
		body: { code: '42883', message: 'function gw_cache.doomed() does not exist', details: null, hint: expect.any(String) },
	});
	expect(await call('present')).toEqual({ status: 200, body: 'here' });
});

it('listens again after losing its LISTEN connection, and reloads in case it missed a notification', async () => {
	await db.pool.query(`create function gw_cache.while_away() returns text language sql as $$select 'back'$$`);
	const loaded = gw.nextSchemaCacheLoad();
	const { rows } = await db.pool.query(
		`select pg_terminate_backend(pid) as ok from pg_stat_activity
		  where datname = current_database() and application_name = 'postgrest-gateway' and query = 'LISTEN pgrst'`,
	);
	expect(rows).toEqual([{ ok: true }]);
	await loaded;
	expect(await call('while_away')).toEqual({ status: 200, body: 'back' });
	await reloadingWith(`create function gw_cache.after() returns int language sql as 'select 1'; notify pgrst, 'reload schema'`);
	expect(await call('after')).toEqual({ status: 200, body: 1 });
});
