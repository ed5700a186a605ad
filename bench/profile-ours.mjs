#!/usr/bin/env node
// Where mcp_jobs spends its time, per job (not part of `npm run bench`; the SQL is left as it is):
//   1. pg_stat_statements (track = all: the statements inside the functions too) over one enqueue + drain
//      (8 loops unless --workers, claim 10 unless --claim), with WAL bytes, table and index bytes per job and the
//      share of HOT updates;
//   2. auto_explain of one claim_next_job(100) + complete_jobs(100) and one enqueue_jobs(100): per-CTE node
//      times and foreign-key trigger times inside the functions;
//   3. drain and enqueue throughput with single writes taken away in a throwaway database (an index, the
//      foreign key, the run rows), durable and with synchronous_commit off.
// Usage: node bench/profile-ours.mjs [--jobs 10000] [--repeats 3] [--claim 10] [--workers 8] [--skip-variants]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient } from '../scripts/lib/databases.mjs';
import { freePort } from '../scripts/lib/ports.cjs';
import { startEmbeddedPostgres } from '../scripts/lib/postgres.mjs';
import { benchJobs } from './cells/ours-workload.mjs';
import { BENCH_DIR } from './lib/deps.mjs';
import { timed, withOursWorkload } from './lib/ours-standalone.mjs';
import { summarize } from './lib/stats.mjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const JOBS = opt('--jobs', 10000);
const REPEATS = opt('--repeats', 3);
const WORKERS = opt('--workers', 8);
const CLAIM = opt('--claim', 10);

// single writes of a claim + finish taken away (0.2.0's tables: no lifecycle event rows to take away any more)
const VARIANTS = {
	'as migrated': [],
	'- index jobs(finished_at)': ['drop index mcp_jobs.jobs_finished_at_idx'],
	'- index job_runs(finished_at)': ['drop index mcp_jobs.job_runs_finished_at_idx'],
	'- FK job_runs -> jobs': ['alter table mcp_jobs.job_runs drop constraint job_runs_job_id_fkey'],
	'- job_runs rows': [skipRows('job_runs')],
};

// a BEFORE INSERT trigger that drops the row: measures what writing that row costs, the functions unchanged
function skipRows(table) {
	return `create or replace function mcp_jobs._bench_skip() returns trigger language plpgsql as 'begin return null; end';
		create trigger bench_skip before insert on mcp_jobs.${table} for each row execute function mcp_jobs._bench_skip()`;
}

const lsn = async (c) => (await c.query('select pg_current_wal_lsn() as l')).rows[0].l;
const walSince = async (c, from) => Number((await c.query('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1) as d', [from])).rows[0].d);

/** Milliseconds and WAL bytes of `fn`. */
async function timedWal(c, fn) {
	const from = await lsn(c);
	const ms = await timed(fn);
	return { ms, wal: await walSince(c, from) };
}

async function statementsProfile(serverUrl) {
	const options = { workers: WORKERS, claimBatch: CLAIM };
	return withOursWorkload(serverUrl, 'profile_stmts', options, async ({ db, work }) => {
		const c = db.client;
		await c.query('create extension if not exists pg_stat_statements');
		await c.query('select pg_stat_statements_reset()');
		const enqueue = await timedWal(c, () => work.enqueue(JOBS));
		const drain = await timedWal(c, () => work.drain());
		await work.verify(JOBS);
		const { rows: statements } = await c.query(`
			select regexp_replace(left(query, 110), '\\s+', ' ', 'g') as query, toplevel, calls, rows,
			       round(total_exec_time::numeric, 1) as total_ms, round(mean_exec_time::numeric, 3) as mean_ms,
			       wal_records, wal_bytes
			from pg_stat_statements
			where query not ilike '%pg_stat_statements%'
			order by total_exec_time desc limit 14`);
		const { rows: tables } = await c.query(`
			select relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, pg_relation_size(relid) as heap_bytes,
			       pg_indexes_size(relid) as index_bytes,
			       (select count(*) from pg_index i where i.indrelid = relid) as indexes
			from pg_stat_user_tables where schemaname = 'mcp_jobs' and relname in ('jobs', 'job_runs', 'job_events')`);
		return {
			jobs: JOBS,
			enqueueMs: enqueue.ms,
			drainMs: drain.ms,
			walBytesPerJob: { enqueue: enqueue.wal / JOBS, drain: drain.wal / JOBS },
			tables: tables.map((r) => ({ ...r, heapBytesPerJob: Number(r.heap_bytes) / JOBS, indexBytesPerJob: Number(r.index_bytes) / JOBS })),
			statements,
		};
	});
}

async function explainBatch(serverUrl) {
	return withOursWorkload(serverUrl, 'profile_explain', { workers: 0, claimBatch: 100 }, async ({ db }) => {
		await db.enqueueJobs(benchJobs(200, { queue: 'warm' }));
		const notices = [];
		db.client.on('notice', (n) => notices.push(n.message));
		await db.client.query(`load 'auto_explain'; set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on;
			set auto_explain.log_nested_statements = on; set auto_explain.log_buffers = on; set auto_explain.log_wal = on;
			set auto_explain.log_triggers = on; set auto_explain.log_level = notice`);
		const sections = {};
		const capture = async (name, fn) => {
			notices.length = 0;
			await fn();
			sections[name] = notices
				.filter((n) => /Insert on|Update on|Trigger|Execution Time|Query Text|WAL:/.test(n) || n.includes('actual'))
				.join('\n-----\n');
		};
		await capture('enqueue_jobs(100)', () => db.enqueueJobs(benchJobs(100)));
		let claimed = [];
		await capture('claim_next_job(limit 100)', async () => {
			claimed = await db.claim('w', 'bench', 100);
		});
		await capture('complete_jobs(100)', () => db.completeJobs(claimed.map((job) => ({ job_id: job.id, worker_id: 'w' }))));
		return sections;
	});
}

async function variantRun(serverUrl, sql, syncCommit, repeat) {
	const database = `profile_v_${repeat}`;
	const prepare = async (db) => {
		for (const statement of sql) await db.client.query(statement);
		// the workload connects after this: its sessions get the setting
		if (!syncCommit) await db.client.query(`alter database ${database} set synchronous_commit = off`);
	};
	return withOursWorkload(serverUrl, database, { workers: WORKERS, claimBatch: CLAIM, prepare }, async ({ work }) => {
		const enqueueMs = await timed(() => work.enqueue(JOBS));
		const drainMs = await timed(() => work.drain());
		await work.verify(JOBS);
		return { enqueuePerSec: JOBS / (enqueueMs / 1000), drainPerSec: JOBS / (drainMs / 1000) };
	});
}

async function variants(serverUrl) {
	const out = [];
	for (const syncCommit of [true, false]) {
		const runs = Object.fromEntries(Object.keys(VARIANTS).map((k) => [k, []]));
		for (let r = 0; r < REPEATS; r++) {
			for (const [name, sql] of Object.entries(VARIANTS)) {
				runs[name].push(await variantRun(serverUrl, sql, syncCommit, r));
				process.stderr.write('.');
			}
		}
		const base = summarize(runs['as migrated'].map((x) => x.drainPerSec)).median;
		const baseEnq = summarize(runs['as migrated'].map((x) => x.enqueuePerSec)).median;
		for (const [name, rs] of Object.entries(runs)) {
			const d = summarize(rs.map((x) => x.drainPerSec));
			const q = summarize(rs.map((x) => x.enqueuePerSec));
			out.push({ syncCommit, variant: name, drain: d, enqueue: q, drainVsBase: d.median / base, enqueueVsBase: q.median / baseEnq });
		}
	}
	process.stderr.write('\n');
	return out;
}

let server = null;
let dataDir = null;
async function cleanup() {
	await server?.stop().catch(() => undefined);
	server = null;
	if (dataDir) await rm(dataDir, { recursive: true, force: true });
}

async function main() {
	// pg_stat_statements must be preloaded: start once to set it, then restart on the same data directory
	dataDir = await mkdtemp(join(tmpdir(), 'mcp-jobs-profile-'));
	const port = await freePort();
	server = await startEmbeddedPostgres({ fast: false, persistent: true, dataDir, port });
	try {
		await withClient(server.url, async (c) => {
			await c.query("alter system set shared_preload_libraries = 'pg_stat_statements'");
			await c.query("alter system set pg_stat_statements.track = 'all'");
		});
		await server.stop();
		server = await startEmbeddedPostgres({ fast: false, persistent: true, dataDir, port });
		const result = { date: new Date().toISOString(), jobs: JOBS, repeats: REPEATS, workers: WORKERS, claim: CLAIM };
		result.statements = await statementsProfile(server.url);
		result.explain = await explainBatch(server.url);
		if (!argv.includes('--skip-variants')) result.variants = await variants(server.url);
		await mkdir(join(BENCH_DIR, 'results'), { recursive: true });
		const file = join(BENCH_DIR, 'results', 'profile-ours.json');
		await writeFile(file, `${JSON.stringify(result, null, '\t')}\n`);
		console.log(`wrote ${file}`);
	} finally {
		await cleanup();
	}
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => cleanup().finally(() => process.exit(130)));
main().catch((e) => {
	console.error(e);
	process.exit(1);
});
