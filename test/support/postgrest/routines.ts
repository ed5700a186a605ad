// PostgREST's view of the functions in the exposed schemas (PGRST: SchemaCache.hs allFunctions/funcsSqlQuery,
// SchemaCache/Routine.hs) and its overload resolution (Plan.hs findProc), with the PGRST202/PGRST203 errors
// (Error.hs NoRpc/AmbiguousRpc).
import type { PoolClient } from 'pg';
import { apiError, PgrstError } from './errors';

export interface RoutineParam {
	name: string; // '' when unnamed
	type: string; // regtype text, e.g. "integer", "jsonb"
	irType: string; // the type used to read the argument (bit/character widened like PostgREST does)
	required: boolean;
	variadic: boolean;
}

export type ReturnShape = 'void' | 'scalar' | 'setof scalar' | 'composite' | 'setof composite';

export interface Routine {
	schema: string;
	name: string;
	params: RoutineParam[];
	returns: ReturnShape;
	volatility: 'volatile' | 'stable' | 'immutable';
	/** The function's own SET clauses that PostgREST hoists into the request transaction (db-hoisted-tx-settings). */
	hoistedSettings: Array<[string, string]>;
}

// Only input parameters (IN, INOUT, VARIADIC) are keys. The return type is looked through domains; OUT,
// INOUT and TABLE parameters make the result composite (rettype_is_composite). Procedures, aggregates
// and trigger functions are not callable. A SET clause is hoisted when it matches a name of $2 as a regex
// (`setting ~ ANY($2)`, as PostgREST matches it).
const ROUTINES_SQL = `
select n.nspname as schema, p.proname as name, p.pronargs as nargs, p.pronargdefaults as ndefaults, p.proargnames as argnames,
       p.proargmodes::text[] as argmodes,
       array(select t::regtype::text from unnest(p.proargtypes::oid[]) with ordinality a(t, i) order by i) as argtypes,
       p.proretset as setof, rt.oid = 'pg_catalog.void'::regtype as void,
       (rt.typtype = 'c' or coalesce(p.proargmodes::text[] && '{t,b,o}', false)) as composite,
       p.provolatile as volatility,
       array(select s from unnest(p.proconfig) s where s ~ any($2::text[])) as hoisted
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace
  cross join lateral (
    with recursive d(oid) as (
      select p.prorettype
      union all
      select t.typbasetype from pg_type t join d on t.oid = d.oid where t.typtype = 'd'
    )
    select t.oid, t.typtype from d join pg_type t on t.oid = d.oid where t.typtype <> 'd'
  ) rt
 where n.nspname = any($1::text[]) and p.prokind = 'f' and rt.oid <> 'pg_catalog.trigger'::regtype`;

interface RoutineRow {
	schema: string;
	name: string;
	nargs: number;
	ndefaults: number;
	argnames: string[] | null;
	argmodes: string[] | null;
	argtypes: string[];
	setof: boolean;
	void: boolean;
	composite: boolean;
	volatility: 'v' | 's' | 'i';
	hoisted: string[];
}

const WIDENED: Record<string, string> = {
	bit: 'bit varying',
	'bit[]': 'bit varying[]',
	character: 'character varying',
	'character[]': 'character varying[]',
};

function toRoutine(row: RoutineRow): Routine | undefined {
	const modes = row.argmodes ?? row.argtypes.map(() => 'i');
	const inputs = modes
		.map((mode, i) => ({ mode, name: row.argnames?.[i] ?? '' }))
		.filter((a) => a.mode === 'i' || a.mode === 'b' || a.mode === 'v');
	const params = inputs.map((a, i): RoutineParam => ({
		name: a.name,
		type: row.argtypes[i],
		irType: WIDENED[row.argtypes[i]] ?? row.argtypes[i],
		required: i + 1 <= row.nargs - row.ndefaults,
		variadic: a.mode === 'v',
	}));
	// PostgREST leaves out functions it could not call: more than one unnamed parameter, or one of a type it cannot pass whole
	const unnamed = params.filter((p) => p.name === '');
	if (unnamed.length > 1 || (unnamed.length === 1 && !['bytea', 'json', 'jsonb', 'text', 'xml'].includes(unnamed[0].type))) return undefined;
	const single = row.composite ? 'composite' : 'scalar';
	return {
		schema: row.schema,
		name: row.name,
		params,
		returns: row.void && !row.setof ? 'void' : row.setof ? `setof ${single}` : single,
		volatility: ({ v: 'volatile', s: 'stable', i: 'immutable' } as const)[row.volatility],
		hoistedSettings: row.hoisted.map((setting) => {
			const i = setting.indexOf('=');
			return [setting.slice(0, i), setting.slice(i + 1)];
		}),
	};
}

/**
 * Every function of `schemas` PostgREST would have in its schema cache, by schema, overloads with fewer
 * parameters first. Run it with an empty search_path (as querySchemaCache does), so type names come out
 * schema-qualified.
 */
export async function loadRoutines(client: PoolClient, schemas: string[], hoistedSettings: string[]): Promise<Map<string, Routine[]>> {
	const { rows } = await client.query<RoutineRow>(ROUTINES_SQL, [schemas, hoistedSettings]);
	const bySchema = new Map<string, Routine[]>(schemas.map((schema) => [schema, []]));
	for (const routine of rows.map(toRoutine)) {
		if (routine !== undefined) bySchema.get(routine.schema)?.push(routine);
	}
	for (const routines of bySchema.values()) routines.sort((a, b) => a.params.length - b.params.length);
	return bySchema;
}

const setEquals = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((k) => b.has(k));

function matchesParams(r: Routine, keys: Set<string>): boolean {
	if (r.params.length === 0) return keys.size === 0;
	const required = new Set(r.params.filter((p) => p.required).map((p) => p.name));
	const optional = new Set(r.params.filter((p) => !p.required).map((p) => p.name));
	if (optional.size === 0) return setEquals(keys, required);
	if (required.size === 0) return [...keys].every((k) => optional.has(k));
	return setEquals(new Set([...keys].filter((k) => !optional.has(k))), required);
}

/** The single unnamed json/jsonb parameter a POSTed JSON body can be passed to as a whole. */
export function takesWholeBody(r: Routine): boolean {
	return r.params.length === 1 && r.params[0].name === '' && (r.params[0].type === 'json' || r.params[0].type === 'jsonb');
}

/** findProc: the routine `schema.name` the argument keys select, or the PGRST202/PGRST203 error. */
export function findProc(schema: string, name: string, keys: Set<string>, routines: Routine[], isInvPost: boolean): Routine {
	const candidates = routines.filter((r) => r.name === name);
	const matching = candidates.filter((r) => matchesParams(r, keys));
	const fallback = candidates.filter((r) => !matchesParams(r, keys) && isInvPost && takesWholeBody(r));
	const found = matching.length > 0 ? matching : fallback;
	if (found.length === 1) return found[0];
	if (found.length > 1) throw ambiguous(found);
	throw noRpc(schema, name, [...keys].sort(), routines, candidates, isInvPost);
}

function ambiguous(routines: Routine[]): PgrstError {
	const list = routines.map((r) => `${r.schema}.${r.name}(${r.params.map((p) => `${p.name} => ${p.type}`).join(', ')})`);
	return new PgrstError(300, {
		code: 'PGRST203',
		message: `Could not choose the best candidate function between: ${list.join(', ')}`,
		details: null,
		hint: 'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
	});
}

function noRpc(schema: string, name: string, keys: string[], all: Routine[], overloads: Routine[], isInvPost: boolean): PgrstError {
	const func = `${schema}.${name}`;
	const withParams = keys.length === 0 ? ' without parameters' : ` with parameter${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
	return apiError(
		404,
		'PGRST202',
		`Could not find the function ${func}${keys.length === 0 ? ' without parameters' : `(${keys.join(', ')})`} in the schema cache`,
		`Searched for the function ${func}${withParams}${isInvPost ? ' or with a single unnamed json/jsonb parameter' : ''}, but no matches were found in the schema cache.`,
		noRpcHint(schema, name, keys, all, overloads),
	);
}

/**
 * "Perhaps you meant …": PostgREST picks the closest function name (score ≥ 0.75), or when the name exists,
 * the closest parameter list (score ≥ 0.33), with a fuzzy set. This approximates its score with the
 * normalised Levenshtein similarity the fuzzy set ranks by.
 */
function noRpcHint(schema: string, name: string, keys: string[], all: Routine[], overloads: Routine[]): string | null {
	const prefix = `Perhaps you meant to call the function ${schema}.`;
	if (overloads.length === 0) {
		const best = closest(name, [...new Set(all.map((r) => r.name))], 0.75);
		return best === undefined ? null : prefix + best;
	}
	const asText = (names: string[]) => `(${[...names].sort().join(', ')})`;
	const best = closest(asText(keys), overloads.map((r) => asText(r.params.map((p) => p.name))), 0.33);
	return best === undefined ? null : `${prefix}${name}${best}`;
}

function closest(target: string, candidates: string[], minScore: number): string | undefined {
	let best: { value: string; score: number } | undefined;
	for (const value of candidates) {
		const score = 1 - levenshtein(target.toLowerCase(), value.toLowerCase()) / Math.max(target.length, value.length, 1);
		if (score >= minScore && (!best || score > best.score)) best = { value, score };
	}
	return best?.value;
}

function levenshtein(a: string, b: string): number {
	let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		const current = [i];
		for (let j = 1; j <= b.length; j++) {
			current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
		}
		previous = current;
	}
	return previous[b.length];
}
