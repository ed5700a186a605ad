// PostgREST error responses (PGRST: src/library/PostgREST/Error.hs): the {code, message, details, hint}
// body, and the SQLSTATE → HTTP status table (mapSQLtoHTTP) for errors raised by Postgres.

export interface PgrstErrorBody {
	code: string;
	message: string;
	details: string | null;
	hint: string | null;
}

export class PgrstError extends Error {
	constructor(
		readonly status: number,
		readonly body: PgrstErrorBody,
		readonly headers: Record<string, string> = {},
	) {
		super(body.message);
	}
}

export function apiError(status: number, code: string, message: string, details: string | null = null, hint: string | null = null): PgrstError {
	return new PgrstError(status, { code, message, details, hint });
}

/** PostgREST's own "Feature not implemented" (PGRST127), used for what this stand-in leaves out. */
export function notImplemented(what: string): PgrstError {
	return apiError(400, 'PGRST127', 'Feature not implemented', `postgrest-gateway (test stand-in for PostgREST) does not implement ${what}`);
}

/** mapSQLtoHTTP, in PostgREST's match order. `authed`: the request's role is not the anon role. */
export function statusForSqlState(code: string, message: string, authed: boolean): number {
	const startsWith = (...prefixes: string[]) => prefixes.some((p) => code.startsWith(p));
	if (startsWith('08')) return 503;
	if (startsWith('09')) return 500;
	if (startsWith('0L', '0P')) return 403;
	if (code === '23503' || code === '23505') return 409;
	if (code === '25006') return 405;
	if (code === '21000') return message.endsWith('requires a WHERE clause') ? 400 : 500;
	if (code === '22023') return message.startsWith('role') && message.endsWith('does not exist') ? 401 : 400;
	if (startsWith('25')) return 500;
	if (startsWith('28')) return 403;
	if (startsWith('2D', '38', '39', '3B', '40')) return 500;
	if (code === '53400') return 500;
	if (startsWith('53')) return 503;
	if (startsWith('54', '55')) return 500;
	if (code === '57P01') return 503;
	if (startsWith('57', '58', 'F0', 'HV')) return 500;
	if (code === 'P0001') return 400;
	if (startsWith('P0', 'XX')) return 500;
	if (code === '42883') return message.startsWith('function xmlagg(') ? 406 : 404;
	if (code === '42P01') return 404;
	if (code === '42P17') return 500;
	if (code === '42501') return authed ? 403 : 401;
	if (code.startsWith('PT')) {
		const status = /^\d+$/.test(code.slice(2)) ? Number(code.slice(2)) : NaN;
		return status >= 100 && status <= 999 ? status : 500;
	}
	return 400;
}

/** The fields of a node-postgres DatabaseError that PostgREST forwards. */
interface PgErrorLike {
	code?: string;
	message: string;
	detail?: string;
	hint?: string;
}

function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
	if (text === undefined) return undefined;
	try {
		const value = JSON.parse(text);
		return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
	} catch {
		return undefined;
	}
}

const optionalString = (v: unknown): string | null => (v === undefined || v === null ? null : String(v));

/** `raise sqlstate 'PGRST' using message = '{json}', detail = '{json}'`: full control of the response. */
function raisePgrst(err: PgErrorLike): PgrstError {
	const msg = parseJsonObject(err.message);
	if (!msg || typeof msg.code !== 'string' || typeof msg.message !== 'string') {
		return apiError(500, 'PGRST121', `Could not parse JSON in the "RAISE SQLSTATE 'PGRST'" error`, `Invalid JSON value for MESSAGE: '${err.message}'`,
			"MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.");
	}
	const detailHint = "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.";
	if (err.detail === undefined) {
		return apiError(500, 'PGRST121', `Could not parse JSON in the "RAISE SQLSTATE 'PGRST'" error`, 'DETAIL is missing in the RAISE statement', detailHint);
	}
	const det = parseJsonObject(err.detail);
	const headers = det?.headers;
	if (!det || !Number.isInteger(det.status) || headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
		return apiError(500, 'PGRST121', `Could not parse JSON in the "RAISE SQLSTATE 'PGRST'" error`, `Invalid JSON value for DETAIL: '${err.detail}'`, detailHint);
	}
	return new PgrstError(
		det.status as number,
		{ code: msg.code, message: msg.message, details: optionalString(msg.details), hint: optionalString(msg.hint) },
		Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])),
	);
}

/** The response PostgREST gives for an error raised by Postgres while serving the request. */
export function fromPgError(err: PgErrorLike, authed: boolean): PgrstError {
	const code = err.code ?? '';
	if (code === 'PGRST') return raisePgrst(err);
	const status = statusForSqlState(code, err.message, authed);
	return new PgrstError(
		status,
		{ code, message: err.message, details: err.detail ?? null, hint: err.hint ?? null },
		status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {},
	);
}
