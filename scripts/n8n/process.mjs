// Starts n8n (regular mode, or queue mode = main + workers over Redis) under the Node >= 24 binary from
// ensureN8n(), with a Postgres database, an env-managed owner and logs in the user folder.
// Every process runs in its own process group (so its task-runner children die with it), is killed on
// harness exit/SIGINT/SIGTERM, and preloads child-guard.cjs so it also stops if the harness is killed -9.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { fatal, freePorts, httpGet, tail, waitUntil } from './util.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const GUARD = join(HERE, 'child-guard.cjs');
const MAX_LOG_CHARS = 4_000_000; // in-memory log per process (the files keep everything)
let lineSeq = 0; // global line counter for logMark()/waitForLog({ since })

/** @typedef {import('./install.mjs').N8nInstall} N8nInstall */

/**
 * @typedef {object} StartOptions
 * @property {N8nInstall} install          result of ensureN8n()
 * @property {string} userFolder           N8N_USER_FOLDER (n8n keeps its files in `<userFolder>/.n8n`); created if missing
 * @property {string} databaseUrl          postgres://user:pass@host:port/db for n8n's own tables
 * @property {string} [database]           database name to use instead of the URL's; default: the URL's,
 *                                         or `n8n` when the URL names `postgres` or none. Created if missing.
 * @property {string} [schema]             DB_POSTGRESDB_SCHEMA (default `public`; created if missing)
 * @property {number} [port]               main HTTP port (default: a free one)
 * @property {'regular'|'queue'} [mode]
 * @property {number} [workers]            queue mode: number of `n8n worker` processes (default 1 in queue mode)
 * @property {number} [workerConcurrency]  `n8n worker --concurrency` (default 5)
 * @property {{ host?: string, port?: number, db?: number }} [redis]  queue mode Redis (default 127.0.0.1:6379)
 * @property {string} [queuePrefix]        QUEUE_BULL_PREFIX and N8N_REDIS_KEY_PREFIX (default unique per start, so runs
 *                                         sharing a Redis don't collide; a generated prefix's keys are deleted on stop())
 * @property {{ email?: string, password?: string, firstName?: string, lastName?: string }} [owner]
 *                                         instance owner (default owner@example.com + a random password kept in
 *                                         `<userFolder>/.harness/owner.json`); returned as result.owner
 * @property {Record<string, string|undefined>} [env]  extra env for all processes (undefined deletes a var)
 * @property {Record<string, string|undefined>} [workerEnv]  extra env for workers only
 * @property {(line: string) => void} [log]  harness progress lines (never secrets)
 * @property {boolean} [echo]              also pass every n8n output line to log (prefixed)
 * @property {number} [startTimeoutMs]     per process (default 240 s; the first start runs ~400 migrations)
 */

/**
 * @typedef {object} N8nHandle
 * @property {string} url        editor URL, `http://127.0.0.1:<port>/`
 * @property {string} baseUrl    `http://127.0.0.1:<port>` (append /rest, /api/v1, /webhook/<path>)
 * @property {number} port
 * @property {'regular'|'queue'} mode
 * @property {{ email: string, password: string }} owner
 * @property {{ main: number, workers: number[] }} pids   (workers[i] is undefined while worker i is down)
 * @property {string[]} logFiles  main first, then workers
 * @property {string} queuePrefix
 * @property {() => Promise<void>} stop  graceful stop of all processes (SIGTERM, then SIGKILL after the timeout)
 * @property {(workerIndex: number, signal?: NodeJS.Signals) => Promise<void>} kill
 *           signal a worker (default SIGKILL) and wait for it to exit
 * @property {(workerIndex: number) => Promise<void>} restartWorker  start worker i again and wait until ready
 * @property {() => string} logs  all output so far, lines prefixed `[main]` / `[worker-i]`
 * @property {(pattern: RegExp, options?: { timeoutMs?: number, source?: 'main'|'any'|number, since?: number }) => Promise<string>}
 *           waitForLog
 *           wait for a line matching pattern (source: 'main', a worker index or 'any'); returns the line
 * @property {() => number} logMark  a position for waitForLog({ since }) to only match newer lines
 */

/**
 * Starts n8n and waits until the editor (and every worker) is ready.
 * @param {StartOptions} options
 * @returns {Promise<N8nHandle>}
 */
export async function startN8n(options) {
	const {
		install,
		databaseUrl,
		mode = 'regular',
		workerConcurrency = 5,
		redis = {},
		env: extraEnv = {},
		workerEnv = {},
		log = (line) => console.log(line),
		echo = false,
		startTimeoutMs = 240_000,
	} = options;
	if (!install?.nodeBin || !install?.n8nBin) throw new Error('startN8n: pass install = await ensureN8n()');
	if (!options.userFolder) throw new Error('startN8n: userFolder is required');
	if (!databaseUrl) throw new Error('startN8n: databaseUrl is required');
	if (mode !== 'regular' && mode !== 'queue') throw new Error(`startN8n: mode must be 'regular' or 'queue', got ${mode}`);
	const workerCount = mode === 'queue' ? (options.workers ?? 1) : 0;
	if (mode === 'regular' && options.workers) throw new Error('startN8n: workers need mode: "queue"');

	const userFolder = resolve(options.userFolder);
	await mkdir(join(userFolder, '.n8n'), { recursive: true });
	await mkdir(join(userFolder, 'logs'), { recursive: true });

	const db = await prepareDatabase({ install, databaseUrl, database: options.database, schema: options.schema, log });
	if (mode === 'queue') await checkRedis({ install, redis });
	const encryptionKey = await ensureEncryptionKey(userFolder);
	const owner = await ensureOwner(userFolder, install, options.owner);

	// main: HTTP + task broker; each worker: health server + task broker
	const ports = await freePorts(2 + workerCount * 2);
	const port = options.port ?? ports[0];
	const url = `http://127.0.0.1:${port}/`;
	const baseUrl = `http://127.0.0.1:${port}`;
	const queuePrefix = options.queuePrefix ?? `n8njobs${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
	const runId = new Date().toISOString().replace(/[:.]/g, '-');

	const common = {
		N8N_USER_FOLDER: userFolder,
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		N8N_PORT: String(port),
		N8N_WEBHOOK_URL: url,
		N8N_EDITOR_BASE_URL: url,
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: db.host,
		DB_POSTGRESDB_PORT: String(db.port),
		DB_POSTGRESDB_USER: db.user,
		DB_POSTGRESDB_PASSWORD: db.password,
		DB_POSTGRESDB_DATABASE: db.database,
		DB_POSTGRESDB_SCHEMA: db.schema,
		N8N_ENCRYPTION_KEY: encryptionKey,
		N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
		N8N_INSTANCE_OWNER_EMAIL: owner.email,
		N8N_INSTANCE_OWNER_PASSWORD_HASH: owner.passwordHash,
		N8N_INSTANCE_OWNER_FIRST_NAME: owner.firstName,
		N8N_INSTANCE_OWNER_LAST_NAME: owner.lastName,
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		// its refresh task calls api.n8n.io every start and logs a stack trace when offline
		N8N_DISABLED_MODULES: 'mcp-registry',
		N8N_LOG_OUTPUT: 'console',
		N8N_HARNESS_PARENT_PID: String(process.pid),
		// n8n spawns its JS task runner as plain `node` from PATH: make that the Node >= 24 binary
		PATH: [dirname(install.nodeBin), process.env.PATH].filter(Boolean).join(delimiter),
		NO_COLOR: '1',
	};
	if (mode === 'queue') {
		Object.assign(common, {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: redis.host ?? '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redis.port ?? 6379),
			QUEUE_BULL_REDIS_DB: String(redis.db ?? 0),
			QUEUE_BULL_PREFIX: queuePrefix,
			// n8n's own Redis keys (cache incl. webhook lookups, pub/sub channels, instance registry) default
			// to the shared prefix `n8n`: a stale cached webhook from another run causes "409 conflict with one
			// of the webhooks" on publish, and pub/sub would cross runs. Bull keys are `<prefix>:jobs:*`, n8n's
			// are `<prefix>:cache:*`, `<prefix>:{instance:}*`, `<prefix>:n8n.*`, so one prefix serves both.
			N8N_REDIS_KEY_PREFIX: queuePrefix,
			// manual (editor) runs on workers too, as n8n says will become the default
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		});
	}

	/** @type {Proc[]} */
	const procs = [];
	const allText = () => procs.map((p) => p.prefixedText()).join('\n');

	const mainProc = new Proc({
		name: 'main',
		install,
		args: ['start'],
		cwd: userFolder,
		env: buildEnv({ ...common, N8N_RUNNERS_BROKER_PORT: String(ports[1]) }, extraEnv),
		logFile: join(userFolder, 'logs', `${runId}-main.log`),
		readyLine: /Editor is now accessible via/,
		healthUrl: `${baseUrl}/healthz/readiness`,
		log,
		echo,
	});
	procs.push(mainProc);
	const workerProcs = [];
	for (let i = 0; i < workerCount; i++) {
		const w = new Proc({
			name: `worker-${i}`,
			install,
			args: ['worker', `--concurrency=${workerConcurrency}`],
			cwd: userFolder,
			env: buildEnv(
				{
					...common,
					N8N_RUNNERS_BROKER_PORT: String(ports[2 + i * 2]),
					QUEUE_HEALTH_CHECK_ACTIVE: 'true',
					QUEUE_HEALTH_CHECK_PORT: String(ports[3 + i * 2]),
					N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
				},
				{ ...extraEnv, ...workerEnv },
			),
			logFile: join(userFolder, 'logs', `${runId}-worker-${i}.log`),
			log,
			echo,
			readyLine: /n8n worker is now ready/,
			healthUrl: `http://127.0.0.1:${ports[3 + i * 2]}/healthz/readiness`,
		});
		procs.push(w);
		workerProcs.push(w);
	}

	let stopping;
	const handle = {
		url,
		baseUrl,
		port,
		mode,
		owner: { email: owner.email, password: owner.password },
		queuePrefix,
		get pids() {
			return { main: mainProc.pid, workers: workerProcs.map((w) => w.pid) };
		},
		logFiles: procs.map((p) => p.logFile),
		logs: allText,
		logMark: () => {
			for (const p of procs) p.readNew();
			return lineSeq;
		},
		stop() {
			// several callers (signal handlers, test teardown) may stop it at once: one stop, one log line
			stopping ??= (async () => {
				live.delete(handle);
				await Promise.all(procs.map((p) => p.stop()));
				// generated prefixes are single-use: drop their keys (a caller-chosen prefix keeps its queue)
				if (mode === 'queue' && !options.queuePrefix)
					await cleanupRedisKeys({ install, redis, prefix: queuePrefix }).catch(() => undefined);
				log(`[n8n] stopped (${mode})`);
			})();
			return stopping;
		},
		async kill(workerIndex, signal = 'SIGKILL') {
			const w = workerProcs[workerIndex];
			if (!w) throw new Error(`no worker ${workerIndex} (have ${workerProcs.length})`);
			await w.signal(signal);
		},
		async restartWorker(workerIndex) {
			const w = workerProcs[workerIndex];
			if (!w) throw new Error(`no worker ${workerIndex} (have ${workerProcs.length})`);
			if (w.running) throw new Error(`worker ${workerIndex} is still running (pid ${w.pid}); kill it first`);
			const started = Date.now();
			w.start();
			await waitReady(w, startTimeoutMs);
			log(`[n8n] worker-${workerIndex} restarted in ${((Date.now() - started) / 1000).toFixed(1)}s (pid ${w.pid})`);
		},
		async waitForLog(pattern, { timeoutMs = 60_000, source = 'any', since = 0 } = {}) {
			const pick = source === 'any' ? procs : source === 'main' ? [mainProc] : [workerProcs[source]];
			if (!pick[0]) throw new Error(`waitForLog: no process ${source}`);
			return waitUntil(
				() => {
					for (const p of pick) {
						p.readNew();
						const hit = p.lines.find((l) => l.seq > since && pattern.test(l.text));
						if (hit) return hit.text;
					}
					return undefined;
				},
				{ timeoutMs, intervalMs: 200, what: `log line ${pattern}`, details: () => `--- n8n log tail ---\n${tail(allText(), 40)}` },
			);
		},
	};
	live.add(handle);
	installExitHandlers();

	try {
		const t0 = Date.now();
		const dbName = `${db.database}${db.schema !== 'public' ? `.${db.schema}` : ''}`;
		const redisNote =
			mode === 'queue'
				? `, redis ${common.QUEUE_BULL_REDIS_HOST}:${common.QUEUE_BULL_REDIS_PORT} prefix ${queuePrefix}, ${workerCount} worker(s)`
				: '';
		log(
			`[n8n] starting ${mode} mode on ${baseUrl} (n8n ${install.version}, node ${install.nodeVersion}, db ${dbName}${redisNote}); ` +
				`logs: ${join(userFolder, 'logs')}`,
		);
		mainProc.start();
		await waitReady(mainProc, startTimeoutMs);
		log(`[n8n] main ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (pid ${mainProc.pid})`);
		if (workerProcs.length) {
			const t1 = Date.now();
			// workers start after main so only main runs the DB migrations
			for (const w of workerProcs) w.start();
			await Promise.all(workerProcs.map((w) => waitReady(w, startTimeoutMs)));
			const pids = workerProcs.map((w) => w.pid).join(', ');
			log(`[n8n] ${workerProcs.length} worker(s) ready in ${((Date.now() - t1) / 1000).toFixed(1)}s (pids ${pids})`);
		}
		return handle;
	} catch (err) {
		await handle.stop().catch(() => undefined);
		throw err;
	}
}

/** Waits until the process logged its ready line since its start and its /healthz/readiness answers 200. */
async function waitReady(proc, timeoutMs) {
	await waitUntil(
		async () => {
			if (!proc.running) throw fatal(`n8n ${proc.name} exited (${proc.exitInfo}) before it was ready\n${proc.logTail()}`);
			if (!proc.sawSinceStart(proc.readyLine)) return false;
			const res = await httpGet(proc.healthUrl, { timeoutMs: 3000 });
			return res.status === 200;
		},
		{ timeoutMs, intervalMs: 500, what: `n8n ${proc.name} (${proc.readyLine} + ${proc.healthUrl})`, details: () => proc.logTail() },
	).catch((err) => {
		throw new Error(err.message.replace(/^timed out/, `n8n ${proc.name} did not start: timed out`));
	});
}

/**
 * One n8n OS process (restartable). n8n writes straight into its log file (not a pipe to us), so it
 * never blocks or spins on EPIPE when the harness dies; the harness tails the file for readiness checks.
 */
class Proc {
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
			child = spawn(this.install.nodeBin, ['--require', GUARD, this.install.n8nBin, ...this.args], {
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
				// sweep leftovers in its group (task runners), then forget the group
				try {
					process.kill(-child.pid, 'SIGKILL');
				} catch {
					/* group already gone */
				}
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
			const text = this.partial + buf.subarray(0, n).toString('utf8');
			const parts = text.split('\n');
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
		try {
			process.kill(-this.child.pid, sig);
		} catch {
			/* gone */
		}
		await this.exited;
	}

	/** SIGTERM, then SIGKILL after timeoutMs. */
	async stop(timeoutMs = 45_000) {
		if (this.running) {
			try {
				process.kill(-this.child.pid, 'SIGTERM');
			} catch {
				/* gone */
			}
			const timedOut = await Promise.race([this.exited.then(() => false), sleep(timeoutMs).then(() => true)]);
			if (timedOut && this.running) {
				appendFileSync(this.logFile, `[harness] ${this.name} did not stop within ${timeoutMs / 1000}s, sending SIGKILL\n`);
				try {
					process.kill(-this.child.pid, 'SIGKILL');
				} catch {
					/* gone */
				}
				await this.exited;
			}
		}
		this.readNew();
		clearInterval(this.tailTimer);
		this.tailTimer = undefined;
	}
}

// ---- cleanup on harness exit -------------------------------------------------------------------

/** @type {Set<N8nHandle>} */
const live = new Set();
/** process-group ids still alive */
const groups = new Set();
let handlersInstalled = false;

function installExitHandlers() {
	if (handlersInstalled) return;
	handlersInstalled = true;
	process.on('exit', () => {
		for (const pgid of groups) {
			try {
				process.kill(-pgid, 'SIGKILL');
			} catch {
				/* gone */
			}
		}
	});
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		const handler = async () => {
			const others = process.listenerCount(sig) > 1;
			await Promise.race([Promise.all([...live].map((h) => h.stop().catch(() => undefined))), sleep(15_000)]);
			// when nobody else handles the signal, behave like the default (exit); the exit hook kills leftovers
			if (!others) process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[sig] ?? 0));
		};
		process.on(sig, handler);
	}
}

/** Stops every n8n started by this process (for test teardown). */
export async function stopAllN8n() {
	await Promise.all([...live].map((h) => h.stop().catch(() => undefined)));
}

// ---- env, database, secrets --------------------------------------------------------------------

const DROPPED_PREFIXES = ['N8N_', 'DB_', 'QUEUE_', 'EXECUTIONS_'];
// NODE_ENV=test (set by jest) makes n8n 2.40 exit silently at start
const DROPPED_NAMES = [
	'WEBHOOK_URL',
	'OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS',
	'NODE_OPTIONS',
	'GENERIC_TIMEZONE',
	'NODE_ENV',
	'JEST_WORKER_ID',
];

/** Inherited N8N_/DB_/QUEUE_/EXECUTIONS_ vars are dropped so the run is reproducible; `extra` wins. */
function buildEnv(base, extra) {
	const env = {};
	for (const [k, v] of Object.entries(process.env)) {
		if (DROPPED_PREFIXES.some((prefix) => k.startsWith(prefix)) || DROPPED_NAMES.includes(k)) continue;
		env[k] = v;
	}
	Object.assign(env, base);
	for (const [k, v] of Object.entries(extra)) {
		if (v === undefined) delete env[k];
		else env[k] = String(v);
	}
	return env;
}

/** n8n's own `pg` (an n8n dependency), loadable from Node 20. */
function requireFromN8n(install, id) {
	const req = createRequire(join(install.n8nDir, 'node_modules', 'n8n', 'package.json'));
	return req(id);
}

/**
 * Parses the URL, picks the database name, creates the database/schema when missing.
 * @returns {Promise<{ host: string, port: number, user: string, password: string, database: string, schema: string }>}
 */
export async function prepareDatabase({ install, databaseUrl, database, schema = 'public', log = () => undefined }) {
	let u;
	try {
		u = new URL(databaseUrl);
	} catch {
		throw new Error('databaseUrl is not a valid URL (expected postgres://user:password@host:port/database)');
	}
	if (!/^postgres(ql)?:$/.test(u.protocol)) throw new Error(`databaseUrl must be postgres://…, got ${u.protocol}//…`);
	const urlDb = decodeURIComponent(u.pathname.replace(/^\//, ''));
	const name = database ?? (urlDb && urlDb !== 'postgres' ? urlDb : 'n8n');
	const conn = {
		host: u.hostname || '127.0.0.1',
		port: Number(u.port || 5432),
		user: decodeURIComponent(u.username || 'postgres'),
		password: decodeURIComponent(u.password || ''),
	};
	const { Client } = requireFromN8n(install, 'pg');
	// CREATE DATABASE runs from the maintenance database (the target may not exist yet)
	let admin = new Client({ ...conn, database: 'postgres', connectionTimeoutMillis: 10_000 });
	try {
		await admin.connect();
	} catch (err) {
		if (err.code !== '3D000') throw new Error(`cannot connect to Postgres at ${conn.host}:${conn.port} as ${conn.user}: ${err.message}`);
		admin = new Client({ ...conn, database: 'template1', connectionTimeoutMillis: 10_000 });
		await admin.connect().catch((e) => {
			throw new Error(`cannot connect to Postgres at ${conn.host}:${conn.port} as ${conn.user}: ${e.message}`);
		});
	}
	try {
		const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
		if (!rowCount) {
			await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err) => {
				if (err.code !== '42P04') throw err; // created concurrently
			});
			log(`[n8n] created database ${name}`);
		}
	} finally {
		await admin.end().catch(() => undefined);
	}
	if (schema !== 'public') {
		const c = new Client({ ...conn, database: name, connectionTimeoutMillis: 10_000 });
		await c.connect();
		try {
			await c.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '""')}"`);
		} finally {
			await c.end().catch(() => undefined);
		}
	}
	return { ...conn, database: name, schema };
}

/** The key n8n encrypts credentials with: reused from `<userFolder>/.n8n/config`, else generated there. */
async function ensureEncryptionKey(userFolder) {
	const configFile = join(userFolder, '.n8n', 'config');
	if (existsSync(configFile)) {
		const config = JSON.parse(await readFile(configFile, 'utf8'));
		if (config.encryptionKey) return config.encryptionKey;
	}
	const key = randomBytes(24).toString('base64url');
	await writeFile(configFile, JSON.stringify({ encryptionKey: key }, null, '\t'), { mode: 0o600 });
	await chmod(configFile, 0o600);
	return key;
}

/** Owner credentials: given ones, or the ones stored in `<userFolder>/.harness/owner.json` (created once). */
async function ensureOwner(userFolder, install, given = {}) {
	const file = join(userFolder, '.harness', 'owner.json');
	let stored;
	if (existsSync(file)) stored = JSON.parse(await readFile(file, 'utf8'));
	const email = given.email ?? stored?.email ?? 'owner@example.com';
	const password = given.password ?? stored?.password ?? `Aa1-${randomBytes(12).toString('base64url')}`;
	const firstName = given.firstName ?? 'Instance';
	const lastName = given.lastName ?? 'Owner';
	let passwordHash = stored?.password === password && stored?.passwordHash ? stored.passwordHash : undefined;
	if (!passwordHash) {
		const bcrypt = requireFromN8n(install, 'bcryptjs');
		passwordHash = bcrypt.hashSync(password, 10);
	}
	if (stored?.email !== email || stored?.password !== password || stored?.passwordHash !== passwordHash) {
		await mkdir(dirname(file), { recursive: true });
		await writeFile(file, JSON.stringify({ email, password, passwordHash }, null, 2), { mode: 0o600 });
	}
	return { email, password, passwordHash, firstName, lastName };
}

function redisClient(install, redis) {
	const Redis = requireFromN8n(install, 'ioredis');
	const client = new Redis({
		host: redis.host ?? '127.0.0.1',
		port: redis.port ?? 6379,
		db: redis.db ?? 0,
		lazyConnect: true,
		maxRetriesPerRequest: 1,
		connectTimeout: 3000,
		retryStrategy: () => null,
	});
	client.on('error', () => undefined); // surfaced through the awaited calls
	return client;
}

/** Fails fast with a clear message when queue mode's Redis is not reachable. */
async function checkRedis({ install, redis }) {
	const client = redisClient(install, redis);
	try {
		await client.connect();
		await client.ping();
	} catch (err) {
		throw new Error(`queue mode needs Redis: cannot reach ${redis.host ?? '127.0.0.1'}:${redis.port ?? 6379} (${err.message})`);
	} finally {
		client.disconnect();
	}
}

/** Deletes the Redis keys of one queue-mode run (best effort). */
async function cleanupRedisKeys({ install, redis, prefix }) {
	const client = redisClient(install, redis);
	try {
		await client.connect();
		let cursor = '0';
		do {
			const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
			cursor = next;
			if (keys.length) await client.del(...keys);
		} while (cursor !== '0');
	} finally {
		client.disconnect();
	}
}
