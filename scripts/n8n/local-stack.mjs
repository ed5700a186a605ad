// The whole local set-up in one call, for `npm start` and the template checks: Postgres (embedded, or
// DATABASE_URL), the queue migrations, n8n with this package installed, the credentials and the templates.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertPortFree } from '../lib/ports.cjs';
import { isAlive } from '../lib/processes.mjs';
import { connectApi } from './api.mjs';
import { prepareDatabase } from './database.mjs';
import { ensureN8n } from './install.mjs';
import { packageFromEnvironment } from './env-package.mjs';
import { installPackageIntoN8n } from './package-install.mjs';
import { importTemplatesOnce, readTemplates, updateWorkflowSettings, upsertCredential } from './provision.mjs';
import { startN8n } from './start-n8n.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { databaseTarget, migrate } = require('../../bin/supabase-jobs-migrate.js');

export const JOBS_CREDENTIAL = { name: 'Supabase Jobs account', type: 'supabaseJobsApi' };
const HEADER_CREDENTIAL = { name: 'Jobs API header auth', type: 'httpHeaderAuth', header: 'X-API-Key' };
/** Every workflow template in workflows/ (the checks activate them all). */
export const TEMPLATES = [
	'instant-worker.json',
	'scheduled-worker.json',
	'enqueue-http-api.json',
	'dlq-alerting.json',
	'maintenance.json',
	'error-handler.json',
	'jobs-dashboard.json',
	'fan-out-fan-in.json',
	'recurring-job.json',
];
/** Templates `npm start` activates (the error handler needs no activation; alerts and maintenance are opt-in). */
const DEFAULT_ACTIVE = ['instant-worker.json', 'scheduled-worker.json', 'enqueue-http-api.json', 'jobs-dashboard.json'];

/**
 * @typedef {object} LocalStack
 * @property {string} queueUrl        connection string of the queue database
 * @property {import('./start-n8n.mjs').N8nHandle} n8n
 * @property {import('./api.mjs').N8nApi} api
 * @property {string} apiKey          value of the X-API-Key header the HTTP API template checks
 * @property {Record<string, { id: string, name: string, created: boolean, active: boolean }>} workflows  by template file
 * @property {{ embedded: boolean, dataDir?: string, port?: number }} postgres
 * @property {string} stateDir
 * @property {() => Promise<void>} stop  stops n8n, then the embedded Postgres
 */

/**
 * @param {object} options
 * @param {string} options.stateDir         Postgres data, n8n user folder and generated secrets live here
 * @param {boolean} [options.persistent]    keep the embedded Postgres data (npm start) or throw it away (checks)
 * @param {string} [options.databaseUrl]    queue database; default: an embedded PostgreSQL 17
 * @param {string} [options.databaseUrlName]  what the caller calls databaseUrl in its errors (npm start: DATABASE_URL)
 * @param {string} [options.n8nDatabaseName]  database for n8n's own tables on that server (default n8n_supabase_jobs)
 * @param {string} [options.queueDatabaseUrl]  the queue's database on a server of its own instead (then n8n's tables stay
 *                                          on the server above alone)
 * @param {number} [options.pgPort]         embedded Postgres port (default: a free one)
 * @param {number} [options.n8nPort]        n8n port (default: a free one)
 * @param {boolean} [options.importTemplates]  import the missing templates (default true); false leaves that to the caller
 * @param {string[]} [options.activate]     template files to activate
 * @param {Record<string, string|undefined>} [options.n8nEnv]  extra n8n environment
 * @param {string} [options.n8nVersion]    n8n version (default: install.mjs's DEFAULT_N8N_VERSION)
 * @param {'userFolder'|'environment'} [options.packageInstall]  how n8n gets this package: unpacked into its user
 *                                         folder before it starts (default), or installed by n8n itself from
 *                                         N8N_COMMUNITY_PACKAGES as in Docker (n8n 2.x; see env-package.mjs)
 * @param {'regular'|'queue'} [options.mode]  n8n's execution mode (default regular)
 * @param {number} [options.workers]       queue mode: how many `n8n worker` processes (default 1)
 * @param {{ host?: string, port?: number }} [options.redis]  queue mode Redis (default 127.0.0.1:6379)
 * @param {AbortSignal} [options.signal]    checked between the steps: aborting stops what already started
 * @param {(line: string) => void} [options.log]
 * @returns {Promise<LocalStack>}
 */
export async function startLocalStack(options) {
	const {
		stateDir,
		persistent = false,
		databaseUrl,
		databaseUrlName = 'databaseUrl',
		n8nDatabaseName = 'n8n_supabase_jobs',
		queueDatabaseUrl,
		pgPort,
		n8nPort,
		importTemplates = true,
		activate = DEFAULT_ACTIVE,
		n8nEnv = {},
		n8nVersion,
		packageInstall = 'userFolder',
		mode = 'regular',
		workers,
		redis,
		signal,
		log = (l) => console.log(l),
	} = options;
	const step = () => signal?.throwIfAborted();
	await mkdir(stateDir, { recursive: true });
	const cleanups = [];
	const stop = async () => {
		for (const fn of cleanups.reverse()) await fn().catch((err) => log(`[stack] stop: ${err.message}`));
		cleanups.length = 0;
	};
	try {
		// ---- database
		if (databaseUrl) databaseTarget(databaseUrl, databaseUrlName); // anything but a postgres:// URL, by name
		let adminUrl = databaseUrl;
		let queueUrl = databaseUrl;
		const postgres = { embedded: !databaseUrl };
		if (!databaseUrl) {
			const { startEmbeddedPostgres } = await import('../lib/postgres.mjs');
			// a throwaway one gets a fresh temporary data dir (removed on stop)
			const dataDir = persistent ? postgresDataDir(stateDir, log) : undefined;
			if (dataDir) await stopLeftoverPostgres(dataDir, log);
			if (pgPort) await assertPortFree(pgPort, 'set N8N_JOBS_PG_PORT to a free port for the embedded PostgreSQL');
			const fresh = !dataDir || !existsSync(join(dataDir, 'PG_VERSION'));
			log(`[stack] ${fresh ? 'creating' : 'starting'} embedded PostgreSQL 17${dataDir ? ` in ${dataDir}` : ''}`);
			const pg = await startEmbeddedPostgres({ dataDir, persistent, port: pgPort, fast: !persistent }).catch((err) => {
				throw new Error(
					`could not start the embedded PostgreSQL${dataDir ? ` in ${dataDir}` : ''}${pgPort ? ` on port ${pgPort}` : ''}: ${err.message}` +
						(pgPort ? ' (is the port taken? set N8N_JOBS_PG_PORT to another one)' : ''),
				);
			});
			cleanups.push(() => pg.stop());
			Object.assign(postgres, { dataDir: pg.dataDir, port: pg.port });
			adminUrl = pg.url;
			queueUrl = pg.url;
		}
		if (queueDatabaseUrl) queueUrl = queueDatabaseUrl;
		step();
		// a failure on the caller's database names the setting, server, database and user (never the password)
		const onGivenDatabase = databaseUrl ? givenDatabaseFailure(databaseUrl, databaseUrlName) : (err) => err;
		const applied = await migrate({ connectionString: queueUrl }).catch((err) => {
			throw onGivenDatabase(err);
		});
		log(`[stack] queue migrations: ${applied.length ? `applied ${applied.length}` : 'up to date'}`);

		// ---- n8n
		step();
		const install = await ensureN8n({ version: n8nVersion, log });
		step();
		const userFolder = join(stateDir, 'n8n');
		const packageSettings = { env: {}, pathDirs: [] };
		if (packageInstall === 'environment') {
			const fromEnv = await packageFromEnvironment({ packageDir: REPO, workDir: join(stateDir, 'package') });
			Object.assign(packageSettings, { env: fromEnv.env, pathDirs: [fromEnv.pathDir] });
			log(`[stack] n8n installs ${fromEnv.name}@${fromEnv.version} itself (N8N_COMMUNITY_PACKAGES) from ${fromEnv.tarball}`);
		} else {
			await installPackageIntoN8n({ userFolder, packageDir: REPO, log });
		}
		const n8nDb = await n8nDatabase(adminUrl, n8nDatabaseName, log).catch((err) => {
			throw onGivenDatabase(err);
		});
		if (n8nPort) await assertPortFree(n8nPort, 'stop what runs there (another n8n?) or set N8N_PORT to a free port');
		step();
		const n8n = await startN8n({
			install,
			userFolder,
			databaseUrl: adminUrl,
			...n8nDb,
			port: n8nPort,
			mode,
			workers,
			redis,
			env: { ...packageSettings.env, ...n8nEnv },
			pathDirs: packageSettings.pathDirs,
			log,
		});
		cleanups.push(() => n8n.stop());
		const api = await connectApi({
			baseUrl: n8n.baseUrl,
			...n8n.owner,
			version: n8n.version,
			label: `${API_KEY_LABEL} ${new Date().toISOString()}`,
		});
		cleanups.push(() => api.dispose());
		await deleteLeftoverApiKeys(api);
		step();

		// ---- credentials
		const secrets = await localSecrets(stateDir);
		const jobs = await ensureGeneratedCredential(stateDir, api, { ...JOBS_CREDENTIAL, data: jobsCredentialData(queueUrl) });
		const header = await ensureGeneratedCredential(stateDir, api, {
			name: HEADER_CREDENTIAL.name,
			type: HEADER_CREDENTIAL.type,
			data: { name: HEADER_CREDENTIAL.header, value: secrets.apiKey },
		});
		log(`[stack] credentials: ${[jobs, header].map((c) => `${c.name} (${c.outcome})`).join(', ')}`);

		// ---- templates
		const workflows = importTemplates ? await importTemplatesOnce(n8n, api, await readTemplates(join(REPO, 'workflows'))) : {};
		const errorHandler = workflows['error-handler.json'];
		const worker = workflows['scheduled-worker.json'];
		if (errorHandler && worker?.created) await updateWorkflowSettings(api, worker.id, { errorWorkflow: errorHandler.id });
		for (const file of activate) {
			const wf = workflows[file];
			if (!wf) throw new Error(`no template ${file} in workflows/ to activate`);
			if (!wf.active) {
				await api.activateWorkflow(wf.id);
				wf.active = true;
			}
		}
		const summary = Object.entries(workflows).map(
			([file, wf]) => `${file} ${wf.created ? 'imported' : 'kept'}${wf.active ? ', active' : ''}`,
		);
		log(`[stack] templates: ${summary.join('; ')}`);

		return { queueUrl, n8n, api, apiKey: secrets.apiKey, workflows, postgres, stateDir, stop };
	} catch (err) {
		await stop();
		throw err;
	}
}

/**
 * Turns an error on the caller's database into one that says which setting, server, database and user it was
 * (connection failures from bin/supabase-jobs-migrate.js name the server already).
 */
function givenDatabaseFailure(databaseUrl, name) {
	const { host, port, database, user } = databaseTarget(databaseUrl, name);
	return (err) => {
		const where = err.message.startsWith('cannot connect to PostgreSQL at') ? '' : ` (${host}:${port}, database ${database}, user ${user})`;
		err.message = `${name}${where}: ${err.message}`;
		return err;
	};
}

/** The credential data for a Postgres connection to the queue; SSL off for local servers unless the URL says otherwise. */
export function jobsCredentialData(queueUrl) {
	const host = new URL(queueUrl).hostname;
	const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);
	return { connection: 'postgres', connectionString: queueUrl, ssl: local ? 'disable' : 'require' };
}

/**
 * n8n's own tables go into a database of their own on the same server (`n8n_supabase_jobs` by default), or, when the
 * user of DATABASE_URL may not create databases (e.g. Supabase), into schema `n8n` of its database.
 */
async function n8nDatabase(adminUrl, name, log) {
	try {
		await prepareDatabase({ databaseUrl: adminUrl, database: name, log });
		return { database: name };
	} catch (err) {
		if (!/permission denied|must be owner|42501/i.test(err.message)) throw err;
		const database = decodeURIComponent(new URL(adminUrl).pathname.slice(1)) || 'postgres';
		log(`[stack] cannot create a database for n8n (${err.message}); using schema n8n in ${database}`);
		return { database, schema: 'n8n' };
	}
}

/**
 * The embedded Postgres runs as the `postgres` OS user when we are root: it must be able to reach its
 * data dir. Under root's home (mode 700) it cannot, so root gets /var/lib/n8n-nodes-supabase-jobs instead.
 */
function postgresDataDir(stateDir, log) {
	if (process.env.N8N_JOBS_PG_DATA) return resolve(process.env.N8N_JOBS_PG_DATA);
	const wanted = join(stateDir, 'postgres');
	if (userInfo().uid !== 0 || othersCanTraverse(stateDir)) return wanted;
	const fallback = join(
		'/var/lib/n8n-nodes-supabase-jobs',
		`postgres-${createHash('sha1').update(resolve(stateDir)).digest('hex').slice(0, 8)}`,
	);
	log(
		`[stack] running as root: the postgres user cannot enter ${stateDir}, so the database lives in ${fallback} ` +
			'(override with N8N_JOBS_PG_DATA)',
	);
	return fallback;
}

function othersCanTraverse(dir) {
	for (let d = resolve(dir); ; d = dirname(d)) {
		if (existsSync(d) && (statSync(d).mode & 0o001) === 0) return false;
		if (dirname(d) === d) return true;
	}
}

const API_KEY_LABEL = 'local stack';

/** Keys of earlier runs that were killed before they could delete theirs (labels are unique per user). */
async function deleteLeftoverApiKeys(api) {
	const listed = await api.rest('GET', `/api-keys?ownership=mine&label=${encodeURIComponent(API_KEY_LABEL)}`);
	const keys = Array.isArray(listed) ? listed : (listed?.items ?? []);
	for (const key of keys) {
		if (key.label?.startsWith(`${API_KEY_LABEL} `) && key.id !== api.apiKeyId) await api.rest('DELETE', `/api-keys/${key.id}`);
	}
}

/**
 * A previous run that was killed (not stopped) can leave its postmaster running on the data dir: stop it
 * (SIGINT = fast shutdown), so this run can start its own.
 */
async function stopLeftoverPostgres(dataDir, log) {
	let pid;
	try {
		pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
	} catch {
		return;
	}
	if (!pid || !isAlive(pid)) return;
	// a stale pid file whose pid now belongs to something else
	const cmdline = `/proc/${pid}/cmdline`;
	if (existsSync('/proc') && (!existsSync(cmdline) || !readFileSync(cmdline, 'utf8').includes('postgres'))) return;
	log(`[stack] stopping the PostgreSQL a previous run left running (pid ${pid})`);
	process.kill(pid, 'SIGINT');
	for (let i = 0; i < 60 && isAlive(pid); i++) await sleep(500);
	if (isAlive(pid)) throw new Error(`the PostgreSQL left running on ${dataDir} (pid ${pid}) did not stop; stop it and retry`);
}

/**
 * What every start does with a credential it generates: upsertCredential, remembering in `<stateDir>/credentials.json`
 * what it wrote (a hash per credential), so that the next start keeps edits made in the editor unless the generated
 * data changed.
 */
export async function ensureGeneratedCredential(stateDir, api, credential) {
	const file = join(stateDir, 'credentials.json');
	const written = existsSync(file) ? JSON.parse(await readFile(file, 'utf8')) : {};
	const result = await upsertCredential(api, credential, { written: written[credential.name] });
	if (written[credential.name] !== result.written) {
		await writeFile(file, JSON.stringify({ ...written, [credential.name]: result.written }, null, 2), { mode: 0o600 });
	}
	return result;
}

/** Secrets generated once per state dir: the HTTP API key. */
async function localSecrets(stateDir) {
	const file = join(stateDir, 'secrets.json');
	if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8'));
	const secrets = { apiKey: randomBytes(24).toString('base64url') };
	await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
	return secrets;
}
