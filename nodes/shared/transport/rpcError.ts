import type { RpcFailure } from './types';

/** Thrown by both transports; carries the normalised failure. Its message never holds secrets. */
export class RpcError extends Error {
	constructor(
		readonly fn: string,
		readonly failure: RpcFailure,
	) {
		super(failure.message);
		this.name = 'RpcError';
	}
}

/** Replaces every occurrence of each secret in text (messages echoed from servers or libraries). */
export function redact(text: string, secrets: Array<string | undefined>): string {
	let out = text;
	for (const secret of secrets) {
		if (secret && secret.length >= 4) out = out.split(secret).join('***');
	}
	return out;
}
