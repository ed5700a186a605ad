// HS256 JWTs as PostgREST checks them (PGRST: src/library/PostgREST/Auth/Jwt.hs): three parts, signature
// with the shared secret, then exp/nbf/iat with 30 s of clock skew. Error codes and messages are
// PostgREST's (Error.hs JwtError): PGRST301 for tokens that cannot be decoded, PGRST303 for bad claims.
import { createHmac, timingSafeEqual } from 'crypto';
import { PgrstError } from './errors';

const SKEW_SECONDS = 30;

export function signJwt(claims: object, secret: string): string {
	const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
	const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
	return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** PostgREST's `WWW-Authenticate` for a rejected token (`error_description` is Haskell's `show` of the message). */
function jwtError(code: 'PGRST301' | 'PGRST303', message: string, details: string | null = null): PgrstError {
	return new PgrstError(401, { code, message, details, hint: null }, {
		'WWW-Authenticate': `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
	});
}

function decodePart(part: string): unknown {
	try {
		return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
	} catch {
		return undefined;
	}
}

/** The verified claims of `token`, or throws the PostgREST 401. */
export function verifyJwt(token: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): Record<string, unknown> {
	if (token === '') throw jwtError('PGRST301', 'Empty JWT is sent in Authorization header');
	const parts = token.split('.');
	if (parts.length !== 3) throw jwtError('PGRST301', `Expected 3 parts in JWT; got ${parts.length}`);
	const [header, payload, signature] = parts;
	const alg = (decodePart(header) as { alg?: unknown } | undefined)?.alg;
	const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
	const given = Buffer.from(signature, 'base64url');
	if (alg !== 'HS256' || given.length !== expected.length || !timingSafeEqual(given, expected)) {
		// what jose reports when no configured key verifies the token (PostgREST test/spec ErrorSpec.hs)
		throw jwtError('PGRST301', 'No suitable key or wrong key type', 'None of the keys was able to decode the JWT');
	}
	const claims = decodePart(payload);
	if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
		throw jwtError('PGRST303', 'Parsing claims failed');
	}
	const c = claims as Record<string, unknown>;
	const checks: Array<[string, (t: number) => boolean, string]> = [
		['exp', (t) => nowSeconds - SKEW_SECONDS > t, 'JWT expired'],
		['nbf', (t) => nowSeconds + SKEW_SECONDS < t, 'JWT not yet valid'],
		['iat', (t) => nowSeconds + SKEW_SECONDS < t, 'JWT issued at future'],
	];
	for (const [claim, invalid, message] of checks) {
		if (c[claim] === undefined || c[claim] === null) continue;
		if (typeof c[claim] !== 'number') throw jwtError('PGRST303', `The JWT '${claim}' claim must be a number`);
		if (invalid(Math.floor(c[claim] as number))) throw jwtError('PGRST303', message);
	}
	const aud = c.aud;
	if (aud !== undefined && aud !== null && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) {
		throw jwtError('PGRST303', "The JWT 'aud' claim must be a string or an array of strings");
	}
	return c;
}
