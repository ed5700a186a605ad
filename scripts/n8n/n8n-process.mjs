// One n8n OS process (main or a worker), restartable: started under the Node binary n8n runs on in its own process
// group (so its task-runner children die with it), writing straight into its log file, which is tailed here for
// readiness checks and waitForLog. Every group still alive is killed when this process exits.
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { signalGroup } from '../lib/processes.mjs';
import { fatal, waitUntil } from '../lib/wait.mjs';

// loaded into every n8n process first: n8n stops itself when the harness dies without stopping it (kill -9)
const GUARD = new URL('./child-guard.mjs', import.meta.url).href;
const MAX_LOG_CHARS = 4_000_000; // in-memory log per process (the files keep everything)
/** process-group ids of the n8n processes still running */
const groups = new Set();
let lineSeq = 0; // numbers every log line of every process, for waitForLog({ since })

/** The number of the newest log line read so far (of any process). */
export const lastLineSeq = () => lineSeq;

/** Last `lines` lines of a text. */
export const tail = (text, lines = 60) => text.split('\n').slice(-lines).join('\n');

process.on('exit', () => {
	for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
});

export class N8nProcess {
	/**
	 * @param {{ name: string, install: import('./install.mjs').N8nInstall, args: string[], cwd: string, env: NodeJS.ProcessEnv,
	 *           logFile: string, log: (line: string) => void, echo: boolean, readyLine: RegExp, healthUrl: string }} options
	 *   readyLine and healthUrl: the log line and the /healthz/readiness URL that say it is ready
	 */
	constructor({ name, install, args, cwd, env, logFile, log, echo, readyLine, healthUrl }) {
		Object.assign(this, { name, install, args, cwd, env, logFile, log, echo, readyLine, healthUrl });
		/** @type {{ seq: number, text: string }[]} */
		this.lines = [];
		this.chars = 0;
		this.child = undefined;
		this.running = false;
		this.exitInfo = '';
		this.exited = Promise.resolve();
		this.offset = 0;
		this.partial = '';
		this.tailTimer = undefined;
		this.startSeq = 0;
	}

	get pid() {
		return this.running ? this.child.pid : undefined;
	}

	start() {
		appendFileSync(this.logFile, `\n===== ${new Date().toISOString()} start ${this.name}: n8n ${this.args.join(' ')} =====\n`);
		const fd = openSync(this.logFile, 'a');
		let child;
		try {
			// n8n writes into the file, not a pipe to us: it never blocks or spins on EPIPE when the harness dies
			child = spawn(this.install.nodeBin, ['--import', GUARD, this.install.n8nBin, ...this.args], {
				cwd: this.cwd,
				env: this.env,
				detached: true, // own process group: kill(-pid) also reaches n8n's task-runner children
				stdio: ['ignore', fd, fd],
			});
		} finally {
			closeSync(fd);
		}
		this.child = child;
		this.running = true;
		this.exitInfo = '';
		this.readNew();
		this.startSeq = lineSeq; // readiness only counts lines of this start (restartWorker)
		groups.add(child.pid);
		if (!this.tailTimer) {
			this.tailTimer = setInterval(() => this.readNew(), 150);
			this.tailTimer.unref();
		}
		this.exited = new Promise((resolveExit) => {
			child.on('exit', (code, signal) => {
				this.running = false;
				this.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
				signalGroup(child.pid, 'SIGKILL'); // sweep leftovers in its group (task runners), then forget the group
				groups.delete(child.pid);
				appendFileSync(this.logFile, `===== ${new Date().toISOString()} ${this.name} (pid ${child.pid}) exited: ${this.exitInfo} =====\n`);
				this.readNew();
				resolveExit();
			});
			child.on('error', (err) => {
				this.running = false;
				this.exitInfo = `spawn error: ${err.message}`;
				appendFileSync(this.logFile, `[harness] could not start ${this.install.nodeBin}: ${err.message}\n`);
				this.readNew();
				resolveExit();
			});
		});
	}

	/** Waits until it logged its ready line since its start and its /healthz/readiness answers 200. */
	async waitReady(timeoutMs) {
		await waitUntil(
			async () => {
				if (!this.running) throw fatal(`n8n ${this.name} exited (${this.exitInfo}) before it was ready\n${this.logTail()}`);
				if (!this.sawSinceStart(this.readyLine)) return false;
				const res = await fetch(this.healthUrl, { signal: AbortSignal.timeout(3000) });
				return res.status === 200;
			},
			{ timeoutMs, intervalMs: 500, what: `n8n ${this.name} (${this.readyLine} + ${this.healthUrl})`, details: () => this.logTail() },
		).catch((err) => {
			throw new Error(err.message.replace(/^timed out/, `n8n ${this.name} did not start: timed out`));
		});
	}

	/** Reads what n8n appended to the log file since the last call. */
	readNew() {
		let fd;
		try {
			fd = openSync(this.logFile, 'r');
			const size = fstatSync(fd).size;
			if (size <= this.offset) return;
			const buf = Buffer.alloc(Math.min(size - this.offset, 8 * 1024 * 1024));
			const n = readSync(fd, buf, 0, buf.length, this.offset);
			this.offset += n;
			const parts = (this.partial + buf.subarray(0, n).toString('utf8')).split('\n');
			this.partial = parts.pop();
			for (const line of parts) this.push(line);
		} catch {
			/* file not there yet */
		} finally {
			if (fd !== undefined) closeSync(fd);
		}
	}

	push(line) {
		const clean = stripVTControlCharacters(line);
		this.lines.push({ seq: ++lineSeq, text: clean });
		this.chars += clean.length + 1;
		while (this.chars > MAX_LOG_CHARS && this.lines.length > 1) this.chars -= this.lines.shift().text.length + 1;
		if (this.echo) this.log(`[${this.name}] ${clean}`);
	}

	/** True when a line of the current start matches. */
	sawSinceStart(pattern) {
		this.readNew();
		return this.lines.some((l) => l.seq > this.startSeq && pattern.test(l.text));
	}

	/** The first line newer than line number `since` that matches `pattern`, if any. */
	findLine(pattern, since) {
		this.readNew();
		return this.lines.find((l) => l.seq > since && pattern.test(l.text))?.text;
	}

	text() {
		this.readNew();
		return this.lines.map((l) => l.text).join('\n');
	}

	/** The last lines of its log, headed by the log file's name. */
	logTail(lines = 60) {
		return `--- n8n log tail (${this.logFile}) ---\n${tail(this.text(), lines)}`;
	}

	prefixedText() {
		this.readNew();
		return this.lines.map((l) => `[${this.name}] ${l.text}`).join('\n');
	}

	/** Sends a signal to the process group and waits for the exit. */
	async signal(sig) {
		if (!this.running) return;
		signalGroup(this.child.pid, sig);
		await this.exited;
	}

	/** SIGTERM, then SIGKILL after timeoutMs. */
	async stop(timeoutMs = 45_000) {
		if (this.running) {
			signalGroup(this.child.pid, 'SIGTERM');
			// the timer is cancelled once n8n exited: a pending one would keep this process alive for the whole timeout
			const timer = new AbortController();
			const timedOut = await Promise.race([
				this.exited.then(() => false),
				sleep(timeoutMs, true, { signal: timer.signal }).catch(() => false),
			]);
			timer.abort();
			if (timedOut && this.running) {
				appendFileSync(this.logFile, `[harness] ${this.name} did not stop within ${timeoutMs / 1000}s, sending SIGKILL\n`);
				signalGroup(this.child.pid, 'SIGKILL');
				await this.exited;
			}
		}
		this.readNew();
		clearInterval(this.tailTimer);
		this.tailTimer = undefined;
	}
}
