// Shared parts of the end-to-end tests: a real n8n (2.40.7 unless a test asks for another) with the built package,
// the queue database, and assertions on what the workers left in mcp_jobs. Run with `npm run test:e2e` (node:test,
// one file at a time).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../scripts/lib/postgres.mjs';
import { startLocalStack } from '../../scripts/n8n/local-stack.mjs';
import { waitUntil } from '../../scripts/lib/wait.mjs';

const require = createRequire(import.meta.url);
const { Client, Pool } = require('pg');

/**
 * Starts the local stack (embedded Postgres unless DATABASE_URL, n8n with the package, credentials, templates)
 * in a throwaway state dir. `close()` prints n8n's log tail when a test marked the run failed.
 * With `ownQueueServer`, the queue lives on an embedded PostgreSQL of its own, `queueServer`, which a test can
 * restart (`queueServer.restart()`) without touching n8n's own database. `db` is a pool on the queue's database that
 * reconnects after such a restart.
 * @param {{ ownQueueServer?: boolean } & Partial<Parameters<typeof startLocalStack>[0]>} [options]
 */
export async function openStack({ ownQueueServer = false, ...options } = {}) {
	const stateDir = await mkdtemp(join(tmpdir(), 'e2e-'));
	const redis = { host: process.env.REDIS_HOST || '127.0.0.1', port: Number(process.env.REDIS_PORT || 6379) };
	const queueServer = ownQueueServer ? await startEmbeddedPostgres() : undefined;
	let stack;
	try {
		stack = await startLocalStack({
			stateDir,
			persistent: false,
			databaseUrl: process.env.DATABASE_URL,
			queueDatabaseUrl: queueServer?.url,
			redis,
			log: () => undefined,
			...options,
		});
	} catch (error) {
		await queueServer?.stop();
		throw error;
	}
	const db = new Pool({ connectionString: stack.queueUrl, max: 4 });
	db.on('error', () => undefined); // an idle connection cut by a restart; the next query opens a new one
	let failed = false;
	return {
		...stack,
		db,
		queueServer,
		wf: (file) => stack.workflows[file].id,
		markFailed: () => (failed = true),
		async close() {
			if (failed) console.error(`--- n8n log tail ---\n${stack.n8n.logs().split('\n').slice(-60).join('\n')}`);
			await db.end().catch(() => undefined);
			await stack.stop();
			await queueServer?.stop();
			await rm(stateDir, { recursive: true, force: true });
		},
	};
}

/** Wraps a test body so a failure prints n8n's log tail when the stack closes. */
export const guarded = (getStack) => (fn) => async () => {
	try {
		await fn();
	} catch (error) {
		getStack()?.markFailed();
		throw error;
	}
};

/** Enqueues `count` jobs in one enqueue_jobs call; `spec(i)` gives each job's fields. Returns the ids. */
export async function enqueueMany(db, count, spec) {
	const jobs = Array.from({ length: count }, (_, i) => ({ source: 'e2e', job_type: 'example', ...spec(i) }));
	const { rows } = await db.query('select id from mcp_jobs.enqueue_jobs($1::jsonb) order by ordinal', [JSON.stringify(jobs)]);
	return rows.map((r) => r.id);
}

/** Waits until none of the jobs is queued or running; reports progress every 15 s. */
export async function waitUntilFinished(db, ids, { timeoutMs, label }) {
	const t0 = Date.now();
	let lastReport = t0;
	let counts = {};
	await waitUntil(
		async () => {
			const { rows } = await db.query('select status, count(*)::int as n from mcp_jobs.jobs where id = any($1::uuid[]) group by status', [
				ids,
			]);
			counts = Object.fromEntries(rows.map((r) => [r.status, r.n]));
			if (Date.now() - lastReport > 15_000) {
				lastReport = Date.now();
				console.log(`  ${label}: ${JSON.stringify(counts)} after ${Math.round((Date.now() - t0) / 1000)} s`);
			}
			return !counts.queued && !counts.running;
		},
		{ timeoutMs, intervalMs: 500, what: `${label}: every job finished`, details: () => JSON.stringify(counts) },
	);
	return { seconds: (Date.now() - t0) / 1000, counts };
}

/** Per job: its status, attempts, its runs (statuses and worker ids, oldest first) and dead letters. */
export async function outcomes(db, ids) {
	const { rows } = await db.query(
		`select j.id, j.status, j.attempts,
		        array(select r.status from mcp_jobs.job_runs r where r.job_id = j.id order by r.attempt) as runs,
		        array(select r.worker_id from mcp_jobs.job_runs r where r.job_id = j.id order by r.attempt) as workers,
		        (select count(*)::int from mcp_jobs.dead_letter_queue d where d.job_id = j.id) as dead_letters
		 from mcp_jobs.jobs j where j.id = any($1::uuid[])`,
		[ids],
	);
	return new Map(rows.map((r) => [r.id, r]));
}

/** Pairs of runs of one job that overlapped in time (the later one started before the earlier one closed). */
export async function overlappingRuns(db, ids) {
	const { rows } = await db.query(
		`select a.job_id, a.attempt as first, b.attempt as second
		 from mcp_jobs.job_runs a join mcp_jobs.job_runs b on b.job_id = a.job_id and b.attempt > a.attempt
		 where a.job_id = any($1::uuid[]) and b.started_at < coalesce(a.finished_at, 'infinity')`,
		[ids],
	);
	return rows;
}

/**
 * Asserts that every job completed exactly once: its last run completed it, any run before that ended by an
 * expired lease (its worker died or lost the end), and no two runs of a job overlapped. Returns outcomes() by id.
 */
export async function assertCompletedOnce(db, ids, label) {
	const byId = await outcomes(db, ids);
	const jobs = ids.map((id) => byId.get(id) ?? { id, status: 'missing', runs: [] });
	const notOnce = jobs.filter((o) => o.status !== 'completed' || !/^(lease_expired,)*completed$/.test(o.runs.join()));
	assert.deepEqual(notOnce.slice(0, 5), [], `${label}: ${notOnce.length} job(s) not completed exactly once`);
	assert.deepEqual(await overlappingRuns(db, ids), [], `${label}: no job ran twice at once`);
	return byId;
}

/** Runs that started again less than `leaseSeconds` after the run before them, which lost its lease, had started. */
export async function rerunsBeforeLease(db, ids, leaseSeconds) {
	const { rows } = await db.query(
		`select a.job_id from mcp_jobs.job_runs a join mcp_jobs.job_runs b on b.job_id = a.job_id and b.attempt = a.attempt + 1
		 where a.job_id = any($1::uuid[]) and a.status = 'lease_expired'
		   and b.started_at < a.started_at + make_interval(secs => $2)`,
		[ids, leaseSeconds],
	);
	return rows;
}

/** Waits until no execution of the workflows is running in n8n (an execution the trigger never saw end would hang). */
export async function waitForNoRunningExecutions(api, workflowIds, { timeoutMs = 60_000 } = {}) {
	let running = [];
	await waitUntil(
		async () => {
			const lists = await Promise.all(workflowIds.map((workflowId) => api.getExecutions({ workflowId, status: 'running' })));
			running = lists.flat();
			return running.length === 0;
		},
		{ timeoutMs, intervalMs: 1000, what: 'no running n8n execution', details: () => JSON.stringify(running.slice(0, 5)) },
	);
}

/**
 * Holds an EXCLUSIVE lock on mcp_jobs.jobs on a session of its own until, for each application_name in `waiting`,
 * at least that many of its sessions (claims, heartbeats, completes: they all write jobs) wait for it, so statements
 * are in flight at that moment. The lock ends with `release()` or with the session (e.g. a server restart).
 * @param {string} queueUrl
 * @param {{ waiting: Record<string, number>, timeoutMs?: number }} options  e.g. { waiting: { 'n8n-nodes-supabase-jobs': 2 } }
 */
export async function holdJobsLock(queueUrl, { waiting, timeoutMs = 60_000 }) {
	const locker = new Client({ connectionString: queueUrl, application_name: 'e2e-lock' });
	locker.on('error', () => undefined); // its session ends with the server
	await locker.connect();
	await locker.query('begin');
	await locker.query('lock table mcp_jobs.jobs in exclusive mode');
	let seen = {};
	await waitUntil(
		async () => {
			await locker.query('select pg_stat_clear_snapshot()'); // a transaction sees one snapshot of the activity otherwise
			const { rows } = await locker.query(
				`select application_name as app, count(*)::int as n from pg_stat_activity
				 where application_name = any ($1) and wait_event_type = 'Lock' group by 1`,
				[Object.keys(waiting)],
			);
			seen = Object.fromEntries(rows.map((r) => [r.app, r.n]));
			return Object.entries(waiting).every(([app, n]) => (seen[app] ?? 0) >= n);
		},
		{ timeoutMs, intervalMs: 50, what: `statements waiting for the lock: ${JSON.stringify(waiting)}`, details: () => JSON.stringify(seen) },
	);
	return { release: () => locker.end().catch(() => undefined) };
}
