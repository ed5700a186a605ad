/**
 * Recognises an execution that ended with HTTP 429 Too Many Requests, and finds how long the server asked to wait
 * when the error still says so.
 *
 * n8n copies a node's error into the execution's result without its `cause`, which holds the response. What is
 * left: httpCode '429' always; for nodes using n8n's httpRequest helper (most nodes) the JSON body in
 * context.data, so a wait named there (retry_after / retryAfter, as Discord, Telegram and others send it) is
 * found; for the HTTP Request node (n8n's legacy request helper) neither the headers nor the body. A Retry-After
 * header is found only in an error that carries it (e.g. thrown by a Code node as { httpCode, headers }).
 */

const RETRY_AFTER_KEYS = new Set(['retry-after', 'retry_after', 'retryafter']);
const MAX_DEPTH = 5;

/** The wait in seconds a 429 asked for (undefined: none given); undefined when the error is not a 429. */
export function tooManyRequests(error: unknown): { retryAfterSeconds?: number } | undefined {
	if (!error || typeof error !== 'object' || !isTooManyRequests(error as Record<string, unknown>)) return undefined;
	return { retryAfterSeconds: retryAfterIn(error, 0) };
}

function isTooManyRequests(error: Record<string, unknown>): boolean {
	const cause = (error.cause ?? {}) as Record<string, unknown>;
	const codes = [error.httpCode, error.statusCode, error.status, cause.status, cause.statusCode];
	if (codes.some((code) => String(code) === '429')) return true;
	const texts = [error.message, cause.message, ...(Array.isArray(error.messages) ? error.messages : [])];
	return texts.some((text) => typeof text === 'string' && /^429\b/.test(text));
}

/** Depth-first search for a Retry-After value: in objects, and in JSON bodies inside '<status> - <body>' texts. */
function retryAfterIn(value: unknown, depth: number): number | undefined {
	if (depth > MAX_DEPTH || value === null || value === undefined) return undefined;
	if (typeof value === 'string') {
		const body = /^\d{3} - (\{.*\})$/s.exec(value)?.[1];
		return body ? retryAfterIn(parseJson(body), depth + 1) : undefined;
	}
	if (typeof value !== 'object') return undefined;
	const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
	for (const [key, inner] of entries) {
		if (RETRY_AFTER_KEYS.has(key.toLowerCase())) {
			const seconds = secondsOf(inner);
			if (seconds !== undefined) return seconds;
		}
	}
	const cause = (value as { cause?: unknown }).cause; // not enumerable on an Error
	for (const inner of [...entries.map(([, v]) => v), cause]) {
		const seconds = retryAfterIn(inner, depth + 1);
		if (seconds !== undefined) return seconds;
	}
	return undefined;
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), as whole seconds from now (at least 0). */
function secondsOf(value: unknown): number | undefined {
	const text = String(Array.isArray(value) ? value[0] : value).trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text));
	const at = Date.parse(text);
	return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
