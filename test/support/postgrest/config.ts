// The gateway's options: PostgREST's configuration (PGRST: Config.hs) as Supabase sets it, and what it
// makes of the connections and per-request role settings.
import type { ClientConfig } from 'pg';

export interface PostgrestGatewayOptions {
	/** Connection string of a role that may SET ROLE to the API roles (a superuser in tests). */
	databaseUrl: string;
	/** The exposed schemas (db-schemas); the first is the default. */
	schemas: string[];
	jwtSecret?: string;
	/** db-anon-role, used when the JWT has no role claim. Default 'anon'. */
	anonRole?: string;
	/** db-extra-search-path. Default ['public', 'extensions'], as on Supabase. */
	extraSearchPath?: string[];
	/** db-max-rows (Supabase's "Max rows"): at most this many rows of a set-returning function are returned. Default 1000, as on Supabase; null: no limit. */
	maxRows?: number | null;
	/**
	 * statement_timeout in milliseconds by role, as Supabase sets them with ALTER ROLE … SET statement_timeout.
	 * `authenticator` is the login role's own: it holds for every request whose role has none (service_role
	 * on Supabase). Merged over SUPABASE_STATEMENT_TIMEOUTS; null removes a role's setting.
	 */
	statementTimeouts?: Record<string, number | null>;
}

/** Supabase's role timeouts: authenticator 8 s, anon 3 s, authenticated 8 s, service_role none (so the authenticator's 8 s). */
export const SUPABASE_STATEMENT_TIMEOUTS: Readonly<Record<string, number>> = { authenticator: 8000, anon: 3000, authenticated: 8000 };

/** db-hoisted-tx-settings: function SET clauses PostgREST applies to the whole request (its default list). */
export const HOISTED_SETTINGS = ['statement_timeout', 'plan_filter.statement_cost_limit', 'default_transaction_isolation'];

export interface DatabaseSettings {
	maxRows: number | null;
	/** How to connect: the session settings of PostgREST's connections on Supabase. */
	connection: ClientConfig;
	/** The impersonated roles' settings (PostgREST's configRoleSettings), applied per request. */
	roleSettings: Map<string, Array<[string, string]>>;
}

/** Checks the options and resolves them over Supabase's defaults. */
export function databaseSettings(opts: PostgrestGatewayOptions): DatabaseSettings {
	const maxRows = opts.maxRows === undefined ? 1000 : opts.maxRows;
	if (maxRows !== null && !(Number.isInteger(maxRows) && maxRows >= 0)) {
		throw new Error(`startPostgrestGateway: maxRows must be a whole number ≥ 0, or null for no limit (got ${maxRows})`);
	}
	const timeouts = { ...SUPABASE_STATEMENT_TIMEOUTS, ...opts.statementTimeouts };
	for (const [role, ms] of Object.entries(timeouts)) {
		if (ms !== null && !(Number.isInteger(ms) && ms >= 0)) {
			throw new Error(`startPostgrestGateway: statementTimeouts.${role} must be a whole number of milliseconds ≥ 0, or null for none (got ${ms})`);
		}
	}
	const { authenticator, ...perRole } = timeouts;
	// Supabase's databases run in UTC, and PostgREST logs in as authenticator, whose statement_timeout holds
	const session: Array<[string, string]> = [['TimeZone', 'UTC']];
	if (typeof authenticator === 'number') session.push(['statement_timeout', String(authenticator)]);
	return {
		maxRows,
		connection: {
			connectionString: opts.databaseUrl,
			application_name: 'postgrest-gateway',
			options: session.map(([name, value]) => `-c ${name}=${value}`).join(' '),
		},
		roleSettings: new Map(
			Object.entries(perRole)
				.filter((entry): entry is [string, number] => typeof entry[1] === 'number')
				.map(([role, ms]) => [role, [['statement_timeout', String(ms)]]]),
		),
	};
}
