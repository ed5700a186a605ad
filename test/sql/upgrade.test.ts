// Upgrading a 0.1.0 database that holds a queue in every state: with our migrator (npx supabase-jobs-migrate) and with
// the Supabase CLI (supabase db push). The newer files apply once, keep every row that stays (lifecycle events become
// derived: every job's get_job reads the same as before), and the result works like, and has exactly the schema of,
// a fresh install.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Client } from 'pg';
import { createEmptyDatabase } from '../support/database';
import { MIGRATIONS, RELEASED, migrate, releaseFiles, schemaDump, withClient } from './catalog';
import { openTestDatabase } from './helpers';

const NEW_VERSIONS = MIGRATIONS.filter((m) => !RELEASED[basename(m.file)]).map((m) => m.version);

/** Fills a 0.1.0 queue through 0.1.0's API: jobs in every state, runs, events, dead letters, metrics, a paused queue. */
async function fillV010(c: Client): Promise<Record<string, string>> {
	const q = async (sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows;
	const id = async (sql: string, params: unknown[] = []) => (await q(sql, params))[0].id as string;
	const ids: Record<string, string> = {};
	ids.done = await id(`select mcp_jobs.enqueue_job('seed', 'report', '{"n":1}', 1) as id`);
	ids.dead = await id(`select mcp_jobs.enqueue_job('seed', 'report', '{"n":2}', 2, null, 0, 'default', null, 9) as id`);
	ids.retrying = await id(`select mcp_jobs.enqueue_job('seed', 'sync', '{"n":3}', 3) as id`);
	ids.running = await id(`select mcp_jobs.enqueue_job('seed', 'sync', '{"n":4}', 4) as id`);
	ids.expired = await id(`select mcp_jobs.enqueue_job('seed', 'sync', '{"n":5}', 5) as id`);
	ids.cancelled = await id(`select mcp_jobs.enqueue_job('seed', 'sync', '{"n":6}', 6) as id`);
	ids.later = await id(`select mcp_jobs.enqueue_job('odoo', 'close', '{}', 5, '2099-01-01', 3, 'finance', 'close-2099-01') as id`);
	ids.queued = await id(`select mcp_jobs.enqueue_job('odoo', 'close', '{}', 0, null, 3, 'finance') as id`);
	const claimed = await q(`select id, run_id from mcp_jobs.claim_next_job('worker-010', 'default', null, 5, 300) order by priority`);
	expect(claimed.map((j) => j.id)).toEqual([ids.done, ids.dead, ids.retrying, ids.running, ids.expired]);
	ids.runningRun = claimed[3].run_id;
	await q(`select mcp_jobs.complete_job($1, '{"ok":true}', 'worker-010')`, [ids.done]);
	ids.deadLetter = (await q(`select dead_letter_id from mcp_jobs.fail_job($1, 'boom', 'worker-010')`, [ids.dead]))[0].dead_letter_id;
	await q(`select mcp_jobs.fail_job($1, 'try again', 'worker-010', true, 3600)`, [ids.retrying]);
	await q(`select mcp_jobs.heartbeat_job($1, 'worker-010', 300, 40, 'half way')`, [ids.running]);
	await q(`select mcp_jobs.log_job_event($1, 'a note')`, [ids.running]);
	await q(`update mcp_jobs.jobs set lease_expires_at = now() - interval '1 minute' where id = $1`, [ids.expired]);
	await q(`select mcp_jobs.cancel_job($1, 'not needed')`, [ids.cancelled]);
	ids.resolvedDeadLetter = (await q(`insert into mcp_jobs.dead_letter_queue (job_id, queue, source, job_type, payload, attempts, resolved, resolved_at)
		values (gen_random_uuid(), 'default', 'seed', 'gone', '{}', 4, true, now()) returning id`))[0].id;
	await q(`select mcp_jobs.set_queue_paused('finance', true, 'month end')`);
	await q(`select mcp_jobs.aggregate_metrics(now() - interval '1 day')`);
	return ids;
}

/** The rows 0.1.0 wrote that an upgrade keeps as they are, in 0.1.0's columns. */
async function v010Rows(c: Client): Promise<Record<string, unknown[]>> {
	const q = async (sql: string) => (await c.query(sql)).rows;
	return {
		jobs: await q(`select id, seq, queue, source, job_type, payload, status, priority, scheduled_at, attempts, max_retries,
		                      retry_delay_seconds, idempotency_key, worker_id, run_id, lease_expires_at, progress, result, error,
		                      created_at, updated_at, started_at, finished_at from mcp_jobs.jobs order by seq`),
		// ended runs (a running run's row goes: the job row holds it)
		runs: await q(`select id, job_id, attempt, worker_id, status, started_at, finished_at, duration_ms, error, result
		               from mcp_jobs.job_runs where status <> 'running' order by job_id, attempt`),
		// what the rows cannot derive (the lifecycle events go: get_job derives them)
		events: await q(`select * from mcp_jobs.job_events where event_type in ('progress', 'log', 'cancelled', 'requeued') order by id`),
		deadLetters: await q(`select id, seq, job_id, queue, source, job_type, payload, final_error, attempts, created_at, resolved,
		                             resolved_at, resolved_by, resolution_notes, requeued_job_id from mcp_jobs.dead_letter_queue order by seq`),
		metrics: await q(`select * from mcp_jobs.metrics order by bucket, queue, source, job_type`),
		settings: await q(`select queue, processing_enabled, paused_reason from mcp_jobs.queue_settings order by queue`),
	};
}

const omit = (o: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

/** Every job's get_job (runs and events), without what 0.2.0 adds (event ids of derived events, runs' retry_at). */
async function histories(c: Client): Promise<unknown[]> {
	const { rows } = await c.query(`select mcp_jobs.get_job(id, 10000) as h from mcp_jobs.jobs order by seq`);
	return rows.map(({ h }) => ({
		job: h.job.id,
		runs: h.runs.map((run: Record<string, unknown>) => omit(run, 'retry_at')),
		events: h.events.map((event: Record<string, unknown>) => omit(event, 'id')),
	}));
}

/** What the upgraded queue must do: the 0.1.0 jobs carry on under the 0.2.0 API, and 0.2.0 features work on them. */
async function checkUpgraded(c: Client, ids: Record<string, string>): Promise<void> {
	const q = async (sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows;
	// only the documented API is left in mcp_jobs
	expect(await q(`select proname from pg_proc where pronamespace = 'mcp_jobs'::regnamespace and proname like '\\_%'`)).toEqual([]);
	// a run claimed under 0.1.0 is fenced by its run id under 0.2.0
	await expect(q(`select mcp_jobs.complete_job($1, null, 'worker-010', gen_random_uuid())`, [ids.running]))
		.rejects.toMatchObject({ code: 'PT409', message: expect.stringMatching(/no longer current/) });
	await q(`select mcp_jobs.complete_job($1, '{"after":"upgrade"}', 'worker-010', $2)`, [ids.running, ids.runningRun]);
	// the expired lease is reaped by the next claim; the paused queue stays paused
	const claimed = await q(`select id, attempts from mcp_jobs.claim_next_job('worker-020', p_limit => 10)`);
	expect(claimed).toEqual([{ id: ids.expired, attempts: 2 }]);
	// the dead letter kept its job's settings, so a requeue after cleanup restores them
	expect((await q(`select priority, max_retries, retry_delay_seconds from mcp_jobs.dead_letter_queue where id = $1`, [ids.deadLetter]))[0])
		.toEqual({ priority: 2, max_retries: 0, retry_delay_seconds: 9 });
	// stats, limits and the seed's monitoring SQL work on the old rows
	await q(`select mcp_jobs.set_queue_limits('default', p_max_running => 5)`);
	const stats = await q(`select queue, queued::int, running::int, completed::int, failed::int, cancelled::int, dead_letters_unresolved::int,
	                              processing_enabled, max_running from mcp_jobs.get_queue_stats() order by queue`);
	expect(stats).toEqual([
		{ queue: 'default', queued: 1, running: 1, completed: 2, failed: 1, cancelled: 1, dead_letters_unresolved: 1, processing_enabled: true, max_running: 5 },
		{ queue: 'finance', queued: 2, running: 0, completed: 0, failed: 0, cancelled: 0, dead_letters_unresolved: 0, processing_enabled: false, max_running: null },
	]);
	await q(`select source, status, count(*) from mcp_jobs.jobs where status in ('queued', 'running') group by source, status`);
	const history = (await q(`select mcp_jobs.get_job($1) as j`, [ids.running]))[0].j;
	expect(history.events.map((e: { event_type: string }) => e.event_type)).toEqual(['enqueued', 'started', 'progress', 'log', 'completed']);
}

test('our migrator: a 0.1.0 queue in every state upgrades, keeps every row, and works like a fresh install', async () => {
	const empty = await createEmptyDatabase();
	const fresh = await openTestDatabase();
	const release = releaseFiles('0.1.0');
	try {
		expect(await migrate({ connectionString: empty.url, dir: release.dir })).toEqual(release.files.map((m) => m.version));
		const ids = await withClient(empty.url, fillV010);
		const before = await withClient(empty.url, v010Rows);
		const history = await withClient(empty.url, histories);

		expect(await migrate({ connectionString: empty.url })).toEqual(NEW_VERSIONS);
		expect(await withClient(empty.url, v010Rows)).toEqual(before);
		// the stored lifecycle events are gone, and get_job derives the same history from the rows
		expect(await withClient(empty.url, histories)).toEqual(history);
		expect(await schemaDump(empty.url)).toEqual(await schemaDump(fresh.url));
		await withClient(empty.url, (c) => checkUpgraded(c, ids));
	} finally {
		rmSync(release.dir, { recursive: true, force: true });
		await fresh.drop();
		await empty.drop();
	}
});

test('npx supabase-jobs-migrate: the published CLI upgrades such a database', async () => {
	const empty = await createEmptyDatabase();
	const release = releaseFiles('0.1.0');
	try {
		await migrate({ connectionString: empty.url, dir: release.dir });
		const ids = await withClient(empty.url, fillV010);
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const cli = join(__dirname, '..', '..', require('../../package.json').bin['supabase-jobs-migrate']);
		 
		const out = execFileSync(process.execPath, [cli, '--database-url', empty.url], { encoding: 'utf8' });
		expect(out).toContain(`done: ${NEW_VERSIONS.length} migration(s) applied`);
		await withClient(empty.url, (c) => checkUpgraded(c, ids));
	} finally {
		rmSync(release.dir, { recursive: true, force: true });
		await empty.drop();
	}
});

test('supabase db push: a database pushed with 0.1.0 takes the newer files, once', async () => {
	const empty = await createEmptyDatabase();
	const fresh = await openTestDatabase();
	const project = mkdtempSync(join(tmpdir(), 'mcp-jobs-supabase-'));
	const migrations = join(project, 'supabase', 'migrations');
	mkdirSync(migrations, { recursive: true });
	// the embedded test server has no TLS; the CLI would otherwise insist on it
	const dbUrl = `${empty.url}${empty.url.includes('?') ? '&' : '?'}sslmode=disable`;
	const supabase = join(dirname(require.resolve('supabase/package.json')), 'dist', 'supabase.js');
	const push = () =>
		 
		execFileSync(process.execPath, [supabase, 'db', 'push', '--db-url', dbUrl, '--yes'], { cwd: project, encoding: 'utf8', stdio: 'pipe' });
	try {
		for (const m of MIGRATIONS.filter((x) => RELEASED[basename(x.file)])) cpSync(m.file, join(migrations, basename(m.file)));
		push();
		const ids = await withClient(empty.url, fillV010);
		for (const m of MIGRATIONS) cpSync(m.file, join(migrations, basename(m.file)));
		push();
		push(); // nothing left to apply: a no-op
		const applied = await withClient(empty.url, async (c) =>
			(await c.query(`select version from supabase_migrations.schema_migrations order by version`)).rows.map((r) => r.version));
		expect(applied).toEqual(MIGRATIONS.map((m) => m.version));
		// our migrator takes the CLI's record into account: nothing to apply again
		expect(await migrate({ connectionString: empty.url })).toEqual([]);
		expect(await schemaDump(empty.url)).toEqual(await schemaDump(fresh.url));
		await withClient(empty.url, (c) => checkUpgraded(c, ids));
	} finally {
		rmSync(project, { recursive: true, force: true });
		await fresh.drop();
		await empty.drop();
	}
});
