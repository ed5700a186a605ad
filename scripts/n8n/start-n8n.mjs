// Starts n8n (regular mode, or queue mode = main + workers over Redis) under the Node binary from ensureN8n(), with
// a Postgres database, an owner (from the environment in 2.x, set up over HTTP in 1.x) and logs in the user folder,
// and stops it again.
// Each process is an N8nProcess (n8n-process.mjs); all of them are stopped on SIGINT/SIGTERM/SIGHUP.
//   const install = await ensureN8n();                                       // install.mjs: cached n8n + its Node
//   await installPackageIntoN8n({ userFolder, packageDir });                  // package-install.mjs
//   const n8n = await startN8n({ install, userFolder, databaseUrl, mode: 'queue', workers: 2 });
//   const api = await connectApi({ baseUrl: n8n.baseUrl, ...n8n.owner });   // api.mjs
//   …; await n8n.stop();
// local-stack.mjs does all of it (plus Postgres, the migrations, credentials and templates) in one call.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { runCommand } from '../lib/command.mjs';
import { freePorts } from '../lib/ports.cjs';
import { waitUntil } from '../lib/wait.mjs';
import { setUpOwner } from './api.mjs';
import { prepareDatabase } from './database.mjs';
import { mainSettings, processEnv, runSettings, workerSettings } from './environment.mjs';
import { lastLineSeq, N8nProcess, tail } from './n8n-process.mjs';
import { checkRedis, deleteRedisKeys, redisAddress } from './redis.mjs';
import { ensureEncryptionKey, ensureOwner } from './user-folder.mjs';

/** @type {Set<N8nHandle>} every n8n this process started and has not stopped */
const live = new Set();

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
 * @property {import('./redis.mjs').RedisOptions} [redis]  queue mode Redis (default 127.0.0.1:6379)
 * @property {string} [queuePrefix]        QUEUE_BULL_PREFIX and N8N_REDIS_KEY_PREFIX (default unique per start, so runs
 *                                         sharing a Redis don't collide; a generated prefix's keys are deleted on stop())
 * @property {{ email?: string, password?: string, firstName?: string, lastName?: string }} [owner]
 *                                         instance owner (default owner@example.com + a random password kept in
 *                                         `<userFolder>/.harness/owner.json`); returned as result.owner
 * @property {Record<string, string|undefined>} [env]  extra env for all processes (undefined deletes a var)
 * @property {string[]} [pathDirs]         directories put first on the processes' PATH
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
 * @property {string} version    n8n's version
 * @property {string} nodeVersion  the version of the Node it runs on
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
 * @property {(args: string[], options?: { timeoutMs?: number }) => Promise<string>} cli
 *           runs an n8n CLI command (e.g. `import:workflow --input=file.json`) against the same database, user folder
 *           and settings as main, and resolves with its output
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

	const db = await prepareDatabase({ databaseUrl, database: options.database, schema: options.schema, log });
	if (mode === 'queue') await checkRedis({ install, redis });
	const encryptionKey = await ensureEncryptionKey(userFolder);
	const owner = await ensureOwner(userFolder, install, options.owner);

	// main: HTTP + task broker; each worker: health server + task broker
	const ports = await freePorts(2 + workerCount * 2);
	const port = options.port ?? ports[0];
	const baseUrl = `http://127.0.0.1:${port}`;
	const queuePrefix = options.queuePrefix ?? `n8njobs${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
	const queue = mode === 'queue' ? { redis, prefix: queuePrefix } : undefined;
	const settings = runSettings({ install, userFolder, port, db, encryptionKey, owner, queue, pathDirs: options.pathDirs });
	const runId = new Date().toISOString().replace(/[:.]/g, '-');
	const processOptions = (name) => ({
		name,
		install,
		cwd: userFolder,
		logFile: join(userFolder, 'logs', `${runId}-${name}.log`),
		log,
		echo,
	});

	const mainEnv = processEnv({ ...settings, ...mainSettings({ brokerPort: ports[1] }) }, extraEnv);
	const mainProc = new N8nProcess({
		...processOptions('main'),
		args: ['start'],
		env: mainEnv,
		readyLine: /Editor is now accessible via/,
		healthUrl: `${baseUrl}/healthz/readiness`,
	});
	const workerProcs = Array.from({ length: workerCount }, (_, i) => {
		const [brokerPort, healthPort] = [ports[2 + i * 2], ports[3 + i * 2]];
		return new N8nProcess({
			...processOptions(`worker-${i}`),
			args: ['worker', `--concurrency=${workerConcurrency}`],
			env: processEnv({ ...settings, ...workerSettings({ brokerPort, healthPort }) }, { ...extraEnv, ...workerEnv }),
			readyLine: /n8n worker is now ready/,
			healthUrl: `http://127.0.0.1:${healthPort}/healthz/readiness`,
		});
	});
	const procs = [mainProc, ...workerProcs];
	const allText = () => procs.map((p) => p.prefixedText()).join('\n');
	const worker = (index) => {
		if (!workerProcs[index]) throw new Error(`no worker ${index} (have ${workerProcs.length})`);
		return workerProcs[index];
	};

	let stopping;
	const handle = {
		url: `${baseUrl}/`,
		baseUrl,
		port,
		mode,
		version: install.version,
		nodeVersion: install.nodeVersion,
		owner: { email: owner.email, password: owner.password },
		queuePrefix,
		get pids() {
			return { main: mainProc.pid, workers: workerProcs.map((w) => w.pid) };
		},
		logFiles: procs.map((p) => p.logFile),
		logs: allText,
		logMark: () => {
			for (const p of procs) p.readNew();
			return lastLineSeq();
		},
		stop() {
			// several callers (signal handlers, test teardown) may stop it at once: one stop, one log line
			stopping ??= (async () => {
				live.delete(handle);
				await Promise.all(procs.map((p) => p.stop()));
				// generated prefixes are single-use: drop their keys (a caller-chosen prefix keeps its queue)
				if (queue && !options.queuePrefix) await deleteRedisKeys({ install, redis, prefix: queuePrefix }).catch(() => undefined);
				log(`[n8n] stopped (${mode})`);
			})();
			return stopping;
		},
		async kill(workerIndex, signal = 'SIGKILL') {
			await worker(workerIndex).signal(signal);
		},
		async cli(args, { timeoutMs = 120_000 } = {}) {
			// its own task broker port: main's is taken
			const [brokerPort] = await freePorts(1);
			const env = { ...mainEnv, ...mainSettings({ brokerPort }), N8N_PORT: String((await freePorts(1))[0]) };
			const output = await runCommand(install.nodeBin, [install.n8nBin, ...args], {
				cwd: userFolder,
				env,
				what: `n8n ${args.join(' ')}`,
				timeoutMs,
			});
			return stripVTControlCharacters(output);
		},
		async restartWorker(workerIndex) {
			const w = worker(workerIndex);
			if (w.running) throw new Error(`worker ${workerIndex} is still running (pid ${w.pid}); kill it first`);
			const started = Date.now();
			w.start();
			await w.waitReady(startTimeoutMs);
			log(`[n8n] worker-${workerIndex} restarted in ${seconds(started)}s (pid ${w.pid})`);
		},
		async waitForLog(pattern, { timeoutMs = 60_000, source = 'any', since = 0 } = {}) {
			const pick = source === 'any' ? procs : source === 'main' ? [mainProc] : [workerProcs[source]];
			if (!pick[0]) throw new Error(`waitForLog: no process ${source}`);
			return waitUntil(() => pick.map((p) => p.findLine(pattern, since)).find((line) => line !== undefined), {
				timeoutMs,
				intervalMs: 200,
				what: `log line ${pattern}`,
				details: () => `--- n8n log tail ---\n${tail(allText(), 40)}`,
			});
		},
	};
	live.add(handle);
	stopOnSignals();

	try {
		const started = Date.now();
		const dbName = `${db.database}${db.schema !== 'public' ? `.${db.schema}` : ''}`;
		const { host, port: redisPort } = redisAddress(redis);
		const queueNote = queue ? `, redis ${host}:${redisPort} prefix ${queuePrefix}, ${workerCount} worker(s)` : '';
		log(
			`[n8n] starting ${mode} mode on ${baseUrl} (n8n ${install.version}, node ${install.nodeVersion}, db ${dbName}${queueNote}); ` +
				`logs: ${join(userFolder, 'logs')}`,
		);
		mainProc.start();
		await mainProc.waitReady(startTimeoutMs);
		if (install.major < 2) await setUpOwner({ baseUrl, owner });
		log(`[n8n] main ready in ${seconds(started)}s (pid ${mainProc.pid})`);
		if (workerProcs.length) {
			const workersStarted = Date.now();
			// workers start after main so only main runs the DB migrations
			for (const w of workerProcs) w.start();
			await Promise.all(workerProcs.map((w) => w.waitReady(startTimeoutMs)));
			const pids = workerProcs.map((w) => w.pid).join(', ');
			log(`[n8n] ${workerProcs.length} worker(s) ready in ${seconds(workersStarted)}s (pids ${pids})`);
		}
		return handle;
	} catch (err) {
		await handle.stop().catch(() => undefined);
		throw err;
	}
}

/** Stops every n8n started by this process. */
async function stopAllN8n() {
	await Promise.all([...live].map((h) => h.stop().catch(() => undefined)));
}

const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };
let signalsHandled = false;

/** On SIGINT/SIGTERM/SIGHUP: stops every n8n (15 s at most), then exits unless someone else handles the signal. */
function stopOnSignals() {
	if (signalsHandled) return;
	signalsHandled = true;
	for (const [sig, number] of Object.entries(SIGNAL_NUMBERS)) {
		process.on(sig, async () => {
			const others = process.listenerCount(sig) > 1;
			await Promise.race([stopAllN8n(), sleep(15_000)]);
			// when nobody else handles the signal, behave like the default (exit); the exit hook kills leftovers
			if (!others) process.exit(128 + number);
		});
	}
}
