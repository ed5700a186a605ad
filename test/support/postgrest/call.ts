// The SQL PostgREST runs for an RPC (PGRST: Query/QueryBuilder.hs callPlanToQuery, Query/Statements.hs
// mainCall, Query/SqlFragment.hs fromJsonBodyF/asJsonF/asJsonSingleF, Query/PreQuery.hs txVarQuery).
import type { Routine, RoutineParam } from './routines';

/** How the arguments arrive: the JSON body of a POST, or query-string values of a GET/HEAD. */
export type CallArgs = { kind: 'json'; body: string } | { kind: 'query'; values: Map<string, string | string[]> };

/** BuiltinOvAggJson / BuiltinAggArrayJsonStrip / BuiltinAggSingleJson of Plan/Negotiate.hs. */
export type Aggregate = { single: boolean; stripNulls: boolean };

export const ident = (name: string) => `"${name.replace(/\0/g, '').replace(/"/g, '""')}"`;

export interface SqlQuery {
	text: string;
	values: unknown[];
}

/**
 * `select set_config(...)` in PostgREST's order (Query.hs setPgLocals): search path, the impersonated
 * role's settings (e.g. its statement_timeout), role, claims, request GUCs, the function's hoisted settings.
 */
export function txVarQuery(settings: {
	searchPath: string[];
	roleSettings: Array<[string, string]>;
	role: string;
	claims: Record<string, unknown>;
	method: string;
	path: string;
	headers: Record<string, string>;
	cookies: Record<string, string>;
	functionSettings: Array<[string, string]>;
}): SqlQuery {
	const pairs: Array<[string, string]> = [
		['search_path', settings.searchPath.map(ident).join(', ')],
		...settings.roleSettings,
		['role', settings.role],
		['request.jwt.claims', JSON.stringify({ ...settings.claims, role: settings.role })],
		['request.method', settings.method],
		['request.path', settings.path],
		['request.headers', JSON.stringify(settings.headers)],
		['request.cookies', JSON.stringify(settings.cookies)],
		...settings.functionSettings,
	];
	const values = pairs.flat();
	return { text: `select ${pairs.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, true)`).join(', ')}`, values };
}

/**
 * The main statement (Statements.hs prepareCall): call the routine with the given arguments (only the
 * parameters named in the request, so omitted ones take their DEFAULT), and aggregate at most `maxRows` of
 * its rows (db-max-rows; the routine itself runs to the end) to the JSON body. Columns: total_result_set
 * (all rows, when counted), page_total (rows in the body), body (text), response_headers / response_status.
 */
export function mainCallQuery(routine: Routine, args: CallArgs, keys: Set<string>, aggregate: Aggregate, page: { maxRows: number | null; count: boolean }): SqlQuery {
	const values: unknown[] = [];
	const param = (value: unknown) => `$${values.push(value)}`;
	const fn = `${ident(routine.schema)}.${ident(routine.name)}`;
	const returnsScalar = routine.returns === 'scalar' || routine.returns === 'void';
	const scalarLike = returnsScalar || routine.returns === 'setof scalar';
	const callIt = (argList: string) =>
		scalarLike ? `(SELECT ${fn}(${argList}) pgrst_scalar) pgrst_call` : `${fn}(${argList}) pgrst_call`;
	const named = (p: RoutineParam, value: string) => `${p.variadic ? 'VARIADIC ' : ''}${ident(p.name)} := ${value}`;
	const given = routine.params.filter((p) => keys.has(p.name));

	let from: string;
	if (routine.params.length === 1 && routine.params[0].name === '') {
		// OnePosParam: the whole body as the single unnamed json/jsonb argument
		from = `FROM ${callIt(`${param(args.kind === 'json' ? args.body : JSON.stringify(Object.fromEntries(args.values)))}::${routine.params[0].type}`)}`;
	} else if (given.length === 0) {
		from = `FROM ${callIt('')}`;
	} else if (args.kind === 'query') {
		// DirectArgs: each value is an untyped literal cast to the parameter type
		from = `FROM ${callIt(given.map((p) => named(p, `${param(args.values.get(p.name))}::${p.irType}`)).join(', '))}`;
	} else {
		// JsonArgs: json_to_record(set) reads the arguments, which gives Postgres's own coercions (e.g. "abc" → int fails with 22P02)
		const isObject = args.body.trimStart().startsWith('{');
		from =
			`FROM (SELECT ${param(args.body)}::json AS json_data) pgrst_payload, ` +
			`LATERAL (SELECT ${given.map((p) => ident(p.name)).join(', ')} FROM ${isObject ? 'json_to_record' : 'json_to_recordset'}(pgrst_payload.json_data) ` +
			`AS _(${given.map((p) => `${ident(p.name)} ${p.irType}`).join(', ')}) LIMIT 1) pgrst_body, ` +
			`LATERAL ${callIt(given.map((p) => named(p, `pgrst_body.${ident(p.name)}`)).join(', '))}`;
	}
	const source = `SELECT ${scalarLike ? 'pgrst_call.pgrst_scalar' : '"pgrst_call".*'} ${from}`;

	// asJsonSingleF (singular media type) / asJsonF: note a singular SETOF scalar aggregates the row, as PostgREST does
	const strip = (sql: string) => (aggregate.stripNulls ? `json_strip_nulls(${sql})` : sql);
	const agg = (column: string, single: boolean) =>
		single ? `coalesce(${strip(`json_agg(${column})->0`)}, 'null')` : `coalesce(${strip(`json_agg(${column})`)}, '[]')`;
	const body = aggregate.single
		? agg(returnsScalar ? '_postgrest_t.pgrst_scalar' : '_postgrest_t', true)
		: routine.returns === 'composite'
			? agg('_postgrest_t', true)
			: agg(scalarLike ? '_postgrest_t.pgrst_scalar' : '_postgrest_t', returnsScalar);
	const returnsSingle = returnsScalar || routine.returns === 'composite';
	// readPlanToQuery's LIMIT/OFFSET: the request's range (always all rows here) restricted to db-max-rows
	const limit = page.maxRows === null ? '' : ` LIMIT ${param(String(page.maxRows))} OFFSET ${param('0')}`;
	const text =
		`WITH pgrst_source AS (${source})` +
		(page.count ? `, pgrst_source_count AS (SELECT 1 FROM "pgrst_source") ` : ' ') +
		`SELECT ${page.count ? '(SELECT pg_catalog.count(*) FROM pgrst_source_count)' : 'null::bigint'} AS total_result_set, ` +
		`${returnsSingle ? '1' : 'pg_catalog.count(_postgrest_t)'} AS page_total, ` +
		`(${body})::text AS body, ` +
		`nullif(current_setting('response.headers', true), '') AS response_headers, ` +
		`nullif(current_setting('response.status', true), '') AS response_status ` +
		`FROM (SELECT "pgrst_source".* FROM "pgrst_source"${limit}) _postgrest_t`;
	return { text, values };
}
