// Waiting on a condition instead of sleeping a fixed time: poll until it holds, fail with what was awaited.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` until it returns a truthy value, or throws after `timeoutMs` with `details()` appended.
 * `check` may throw a fatal() error to abort early (e.g. when the process it waits for died); other errors
 * count as "not yet" and the last one is reported on timeout.
 * @template T
 * @param {() => Promise<T> | T} check
 * @param {{ timeoutMs: number, intervalMs?: number, what: string, details?: () => string }} options
 * @returns {Promise<T>}
 */
export async function waitUntil(check, { timeoutMs, intervalMs = 500, what, details = () => '' }) {
	const deadline = Date.now() + timeoutMs;
	let lastError;
	for (;;) {
		try {
			const value = await check();
			if (value) return value;
		} catch (err) {
			if (err?.fatal) throw err;
			lastError = err;
		}
		if (Date.now() > deadline) {
			const lastErrorNote = lastError ? ` (last error: ${lastError.message})` : '';
			const extra = details();
			throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${lastErrorNote}${extra ? `\n${extra}` : ''}`);
		}
		await sleep(intervalMs);
	}
}

/** An error that waitUntil does not swallow. */
export function fatal(message) {
	const err = new Error(message);
	err.fatal = true;
	return err;
}
