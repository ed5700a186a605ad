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

/** `select set_config(...)` for the search path, role, claims and request GUCs, in PostgREST's order. */
export function txVarQuery(settings: {
	searchPath: string[];
	role: string;
	claims: Record<string, unknown>;
	method: string;
	path: string;
	headers: Record<string, string>;
	cookies: Record<string, string>;
}): SqlQuery {
	const values = [
		settings.searchPath.map(ident).join(', '),
		settings.role,
		JSON.stringify({ ...settings.claims, role: settings.role }),
		settings.method,
		settings.path,
		JSON.stringify(settings.headers),
		JSON.stringify(settings.cookies),
	];
	const names = ['search_path', 'role', 'request.jwt.claims', 'request.method', 'request.path', 'request.headers', 'request.cookies'];
	return { text: `select ${names.map((n, i) => `set_config('${n}', $${i + 1}, true)`).join(', ')}`, values };
}

/**
 * The main statement: call the routine with the given arguments (only the parameters named in the
 * request, so omitted ones take their DEFAULT), and aggregate the result to the JSON body.
 * Columns: page_total (rows), body (text), response_headers / response_status (the GUCs).
 */
export function mainCallQuery(routine: Routine, args: CallArgs, keys: Set<string>, aggregate: Aggregate): SqlQuery {
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
	const text =
		`WITH pgrst_source AS (${source}) ` +
		`SELECT ${returnsSingle ? '1' : 'pg_catalog.count(_postgrest_t)'} AS page_total, ` +
		`(${body})::text AS body, ` +
		`nullif(current_setting('response.headers', true), '') AS response_headers, ` +
		`nullif(current_setting('response.status', true), '') AS response_status ` +
		`FROM (SELECT "pgrst_source".* FROM "pgrst_source") _postgrest_t`;
	return { text, values };
}
