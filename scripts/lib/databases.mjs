// Databases on a Postgres server, for the tests, the bench and the n8n harness: the roles a Supabase
// project has.

/** Supabase's API roles and how Supabase creates them; plain Postgres has none of them. */
const SUPABASE_API_ROLES = {
	anon: 'nologin noinherit',
	authenticated: 'nologin noinherit',
	service_role: 'nologin noinherit bypassrls',
};

/**
 * Creates Supabase's API roles where missing, as on a Supabase project: the migrations grant to them when they
 * exist, and the tests check that anon/authenticated are denied and service_role works.
 * @param {{ query: (sql: string) => Promise<unknown> }} client  a connected pg client of a superuser
 */
export async function createSupabaseApiRoles(client) {
	const statements = Object.entries(SUPABASE_API_ROLES).map(
		([role, options]) => `if not exists (select 1 from pg_roles where rolname = '${role}') then create role ${role} ${options}; end if;`,
	);
	await client.query(`do $$ begin ${statements.join(' ')} end $$`);
}
