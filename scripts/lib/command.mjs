// Runs a command to its end (npm, tar): stdout as the result, the tail of its output in the error.
import { spawn } from 'node:child_process';

/** `npm` as a command name on this platform. */
export const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Runs `cmd args` and resolves with its stdout. Rejects with the last 30 output lines when it fails, cannot
 * start or runs longer than `timeoutMs` (then it is killed). The command is killed too if this process exits.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, what?: string, timeoutMs?: number, onStderrLine?: (line: string) => void,
 *           quiet?: (line: string) => boolean }} [options]
 *   onStderrLine: sees every stderr line as it comes (progress); quiet: lines left out of the error's output tail
 * @returns {Promise<string>}
 */
export function runCommand(
	cmd,
	args,
	{ cwd, env = process.env, what = `${cmd} ${args[0]}`, timeoutMs = 10 * 60_000, onStderrLine, quiet } = {},
) {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
		const killChild = () => child.kill('SIGKILL');
		process.once('exit', killChild);
		let stdout = '';
		let stderrTail = '';
		let partial = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => {
			const lines = (partial + chunk).split('\n');
			partial = lines.pop();
			for (const line of lines) {
				onStderrLine?.(line);
				if (!quiet?.(line)) stderrTail = `${stderrTail}${line}\n`.slice(-8000);
			}
		});
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			child.kill('SIGKILL');
		}, timeoutMs);
		const finish = () => {
			clearTimeout(timer);
			process.removeListener('exit', killChild);
		};
		child.on('error', (err) => {
			finish();
			reject(new Error(`${what} could not start: ${err.message}`));
		});
		child.on('close', (code, signal) => {
			finish();
			if (code === 0) return resolve(stdout);
			const why = timedOut ? `killed after ${Math.round(timeoutMs / 60_000)} min` : (signal ?? `exit ${code}`);
			const output = `${stderrTail}${partial}`.trim() || stdout.trim();
			reject(new Error(`${what} failed (${why}):\n${output.split('\n').slice(-30).join('\n')}`));
		});
	});
}
