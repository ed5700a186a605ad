// Small shared helpers for the n8n harness: free ports, bounded polling, log tails.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Finds `count` distinct free TCP ports on 127.0.0.1 (all held open while choosing, so they differ).
 * @param {number} [count]
 * @returns {Promise<number[]>}
 */
export async function freePorts(count = 1) {
	const servers = [];
	try {
		for (let i = 0; i < count; i++) {
			servers.push(
				await new Promise((resolve, reject) => {
					const server = net.createServer();
					server.unref();
					server.on('error', reject);
					server.listen(0, '127.0.0.1', () => resolve(server));
				}),
			);
		}
		return servers.map((s) => s.address().port);
	} finally {
		await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
	}
}

/**
 * Polls `check` until it returns a truthy value, or throws after `timeoutMs` with `message()` appended.
 * `check` may throw to abort early (e.g. when the process died).
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

/** Last `lines` lines of a text. */
export function tail(text, lines = 60) {
	return text.split('\n').slice(-lines).join('\n');
}

/** Error that waitUntil does not swallow. */
export function fatal(message) {
	const err = new Error(message);
	err.fatal = true;
	return err;
}

/** GET a URL with a timeout; resolves { status, body } or rejects. */
export async function httpGet(url, { timeoutMs = 5000, headers } = {}) {
	const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
	return { status: res.status, body: await res.text() };
}

/**
 * Throws `message` (plus the port) when something already listens on 127.0.0.1:port.
 * @param {number} port
 * @param {string} hint  what to do about it, e.g. "set N8N_PORT to another port"
 */
export async function assertPortFree(port, hint) {
	await new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', (err) =>
			reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} on 127.0.0.1 is already in use: ${hint}`) : err),
		);
		server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
	});
}
