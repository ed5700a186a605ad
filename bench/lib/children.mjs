// Runs each cell in its own child process group (the cell may fork worker processes of its own) and
// kills every group still alive on exit, error or signal.
import { spawn } from 'node:child_process';

const live = new Set();

/** Kills the process groups of all running children (SIGKILL: they hold no state worth saving). */
export function killAllChildren() {
	for (const child of live) {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}
	live.clear();
}

/**
 * Runs `node script jsonArg` and resolves with the first IPC message of type 'result'
 * (rejects on a non-zero exit without one, an 'error' message, or after timeoutMs).
 */
export function runChild(node, script, arg, { timeoutMs, env = process.env } = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(node, [script, JSON.stringify(arg)], {
			detached: true, // own process group: killAllChildren() reaches its workers too
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
			env,
		});
		live.add(child);
		let settled = false;
		const finish = (fn, value) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			fn(value);
		};
		const timer = setTimeout(() => {
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				// gone
			}
			finish(reject, new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`));
		}, timeoutMs);
		child.on('message', (msg) => {
			if (msg?.type === 'result') finish(resolve, msg.result);
			else if (msg?.type === 'error') finish(reject, new Error(msg.message));
		});
		child.on('error', (err) => finish(reject, err));
		child.on('exit', (code, signal) => {
			live.delete(child);
			// its forked workers share the group: make sure none outlives it
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				// gone
			}
			finish(reject, new Error(`cell process exited (${signal ?? code}) without a result`));
		});
	});
}
