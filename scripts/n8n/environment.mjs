// The environment of the n8n processes the harness starts: n8n's settings for one run (shared by main and the
// workers, then each process's ports), on top of this process's environment without any n8n settings of its own.
import { delimiter, dirname } from 'node:path';
import { redisAddress } from './redis.mjs';

// inherited settings are dropped so a run does not depend on the caller's shell
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

/**
 * n8n's settings for a run, the same for main and every worker.
 * @param {object} run
 * @param {import('./install.mjs').N8nInstall} run.install
 * @param {string} run.userFolder
 * @param {number} run.port                main's HTTP port
 * @param {{ host: string, port: number, user: string, password: string, database: string, schema: string }} run.db
 * @param {string} run.encryptionKey
 * @param {{ email: string, passwordHash: string, firstName: string, lastName: string }} run.owner
 * @param {{ redis?: import('./redis.mjs').RedisOptions, prefix: string }} [run.queue]  queue mode
 * @param {string[]} [run.pathDirs]        directories first on PATH (e.g. a stand-in npm, see env-package.mjs)
 */
export function runSettings({ install, userFolder, port, db, encryptionKey, owner, queue, pathDirs = [] }) {
	const url = `http://127.0.0.1:${port}/`;
	const settings = {
		// as in n8n's Docker image: error answers carry no stack traces, and the login and push checks are on
		NODE_ENV: 'production',
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
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_LOG_OUTPUT: 'console',
		N8N_HARNESS_PARENT_PID: String(process.pid),
		// n8n spawns its JS task runner as plain `node` from PATH: make that the Node n8n runs on
		PATH: [...pathDirs, dirname(install.nodeBin), process.env.PATH].filter(Boolean).join(delimiter),
		NO_COLOR: '1',
		...(install.major >= 2 ? n8n2Settings(owner) : {}),
	};
	if (!queue) return settings;
	const redis = redisAddress(queue.redis);
	return {
		...settings,
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		QUEUE_BULL_REDIS_DB: String(redis.db),
		QUEUE_BULL_PREFIX: queue.prefix,
		// n8n's own Redis keys (cache incl. webhook lookups, pub/sub channels, instance registry) default
		// to the shared prefix `n8n`: a stale cached webhook from another run causes "409 conflict with one
		// of the webhooks" on publish, and pub/sub would cross runs. Bull keys are `<prefix>:jobs:*`, n8n's
		// are `<prefix>:cache:*`, `<prefix>:{instance:}*`, `<prefix>:n8n.*`, so one prefix serves both.
		N8N_REDIS_KEY_PREFIX: queue.prefix,
		// manual (editor) runs on workers too, as n8n says will become the default
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
	};
}

/**
 * What only n8n 2.x knows: the owner managed through the environment (1.x gets it over HTTP, see start-n8n.mjs), and
 * module names (1.x refuses to start on a module name it does not know).
 */
function n8n2Settings(owner) {
	return {
		N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
		N8N_INSTANCE_OWNER_EMAIL: owner.email,
		N8N_INSTANCE_OWNER_PASSWORD_HASH: owner.passwordHash,
		N8N_INSTANCE_OWNER_FIRST_NAME: owner.firstName,
		N8N_INSTANCE_OWNER_LAST_NAME: owner.lastName,
		// its refresh task calls api.n8n.io every start and logs a stack trace when offline
		N8N_DISABLED_MODULES: 'mcp-registry',
	};
}

/** Main's own settings: the port of its task broker. */
export const mainSettings = ({ brokerPort }) => ({ N8N_RUNNERS_BROKER_PORT: String(brokerPort) });

/** A worker's own settings: its task broker and its health server (/healthz/readiness). */
export const workerSettings = ({ brokerPort, healthPort }) => ({
	N8N_RUNNERS_BROKER_PORT: String(brokerPort),
	QUEUE_HEALTH_CHECK_ACTIVE: 'true',
	QUEUE_HEALTH_CHECK_PORT: String(healthPort),
	N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
});

/**
 * A process environment: this process's, without inherited n8n settings, then `settings`, then `extra` (which wins;
 * an undefined value there deletes the variable).
 * @param {Record<string, string>} settings
 * @param {Record<string, string | undefined>} [extra]
 */
export function processEnv(settings, extra = {}) {
	const env = {};
	for (const [k, v] of Object.entries(process.env)) {
		if (DROPPED_PREFIXES.some((prefix) => k.startsWith(prefix)) || DROPPED_NAMES.includes(k)) continue;
		env[k] = v;
	}
	Object.assign(env, settings);
	for (const [k, v] of Object.entries(extra)) {
		if (v === undefined) delete env[k];
		else env[k] = String(v);
	}
	return env;
}
