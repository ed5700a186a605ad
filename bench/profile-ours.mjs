#!/usr/bin/env node
// Where mcp_jobs spends its time, per job (not part of `npm run bench`; the SQL is left as it is):
//   1. pg_stat_statements (track = all: the statements inside the functions too) over one enqueue + drain
//      (8 loops, claim 10), with WAL bytes, table and index bytes per job and the share of HOT updates;
//   2. auto_explain of one claim_next_job(100) + complete_jobs(100) and one enqueue_jobs(100): per-CTE node
//      times and foreign-key trigger times inside the functions;
//   3. drain and enqueue throughput with single writes taken away in a throwaway database (an index, the
//      foreign keys, the event rows, the run rows), durable and with synchronous_commit off.
// Usage: node bench/profile-ours.mjs [--jobs 10000] [--repeats 3] [--skip-variants]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { freePort } from '../scripts/lib/ports.mjs';
import { startEmbeddedPostgres } from '../scripts/lib/postgres.mjs';
import { dropDatabase } from '../scripts/lib/databases.mjs';
import { freshDatabase } from './lib/pg-server.mjs';
import { summarize } from './lib/stats.mjs';
import { BENCH_DIR } from './lib/deps.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');
const { migrate } = require('../bin/supabase-jobs-migrate.js');

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const JOBS = opt('--jobs', 10000);
const REPEATS = opt('--repeats', 3);
const WORKERS = 8;
const CLAIM = 10;

const VARIANTS = {
	'as migrated': [],
	'- index job_events(created_at)': ['drop index mcp_jobs.job_events_created_at_idx'],
	'- index jobs(source, status)': ['drop index mcp_jobs.jobs_source_status_idx'],
	'- index jobs(finished_at)': ['drop index mcp_jobs.jobs_finished_at_idx'],
	'- FKs job_events/job_runs -> jobs': [
		'alter table mcp_jobs.job_events drop constraint job_events_job_id_fkey',
		'alter table mcp_jobs.job_runs drop constraint job_runs_job_id_fkey',
	],
	'- job_events rows': [skipRows('job_events')],
	'- job_runs rows': [skipRows('job_runs')],
	'- job_events and job_runs rows': [skipRows('job_events'), skipRows('job_runs')],
};

// a BEFORE INSERT trigger that drops the row: measures what writing that row costs, the functions unchanged
function skipRows(table) {
	return `create or replace function mcp_jobs._bench_skip() returns trigger language plpgsql as 'begin return null; end';
		create trigger bench_skip before insert on mcp_jobs.${table} for each row execute function mcp_jobs._bench_skip()`;
}

async function connect(url) {
	const c = new pg.Client({ connectionString: url });
	await c.connect();
	return c;
}

async function enqueue(client, n, queue = 'bench') {
	for (let s = 0; s < n; s += 1000) {
		const jobs = Array.from({ length: Math.min(1000, n - s) }, (_, k) => ({
			queue,
			source: 'bench',
			job_type: 'noop',
			payload: { i: s + k },
		}));
		await client.query('select * from mcp_jobs.enqueue_jobs($1::jsonb)', [JSON.stringify(jobs)]);
	}
}

async function drain(clients, claim = CLAIM) {
	await Promise.all(
		clients.map(async (c, k) => {
			for (;;) {
				const { rows } = await c.query('select * from mcp_jobs.claim_next_job(p_worker_id => $1, p_queue => $2, p_limit => $3)', [
					`w${k}`,
					'bench',
					claim,
				]);
				if (rows.length === 0) return;
				await c.query('select * from mcp_jobs.complete_jobs($1::jsonb)', [
					JSON.stringify(rows.map((r) => ({ job_id: r.id, worker_id: `w${k}` }))),
				]);
			}
		}),
	);
}

const lsn = async (c) => (await c.query('select pg_current_wal_lsn() as l')).rows[0].l;
const walSince = async (c, from) => Number((await c.query('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1) as d', [from])).rows[0].d);

async function statementsProfile(adminUrl) {
	const url = await freshDatabase(adminUrl, 'profile_stmts');
	await migrate({ connectionString: url });
	const c = await connect(url);
	const workers = await Promise.all(Array.from({ length: WORKERS }, () => connect(url)));
	await c.query('create extension if not exists pg_stat_statements');
	await c.query('select pg_stat_statements_reset()');
	let from = await lsn(c);
	let t = performance.now();
	await enqueue(c, JOBS);
	const enqueueMs = performance.now() - t;
	const enqueueWal = await walSince(c, from);
	from = await lsn(c);
	t = performance.now();
	await drain(workers);
	const drainMs = performance.now() - t;
	const drainWal = await walSince(c, from);
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
	await Promise.all([c, ...workers].map((x) => x.end()));
	await dropDatabase(adminUrl, 'profile_stmts');
	return {
		jobs: JOBS,
		enqueueMs,
		drainMs,
		walBytesPerJob: { enqueue: enqueueWal / JOBS, drain: drainWal / JOBS },
		tables: tables.map((r) => ({ ...r, heapBytesPerJob: Number(r.heap_bytes) / JOBS, indexBytesPerJob: Number(r.index_bytes) / JOBS })),
		statements,
	};
}

async function explainBatch(adminUrl) {
	const url = await freshDatabase(adminUrl, 'profile_explain');
	await migrate({ connectionString: url });
	const c = await connect(url);
	await enqueue(c, 200, 'warm');
	const notices = [];
	c.on('notice', (n) => notices.push(n.message));
	await c.query(`load 'auto_explain'; set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on;
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
	await capture('enqueue_jobs(100)', () => enqueue(c, 100));
	let ids = [];
	await capture('claim_next_job(limit 100)', async () => {
		ids = (await c.query(`select id from mcp_jobs.claim_next_job(p_worker_id => 'w', p_queue => 'bench', p_limit => 100)`)).rows;
	});
	await capture('complete_jobs(100)', () =>
		c.query('select * from mcp_jobs.complete_jobs($1::jsonb)', [JSON.stringify(ids.map((r) => ({ job_id: r.id, worker_id: 'w' })))]),
	);
	await c.end();
	await dropDatabase(adminUrl, 'profile_explain');
	return sections;
}

async function variantRun(adminUrl, name, sql, syncCommit, repeat) {
	const db = `profile_v_${repeat}`;
	const url = await freshDatabase(adminUrl, db);
	await migrate({ connectionString: url });
	const c = await connect(url);
	for (const statement of sql) await c.query(statement);
	if (!syncCommit) await c.query(`alter database ${db} set synchronous_commit = off`);
	await c.end();
	const e = await connect(url);
	const workers = await Promise.all(Array.from({ length: WORKERS }, () => connect(url)));
	let t = performance.now();
	await enqueue(e, JOBS);
	const enqueuePerSec = JOBS / ((performance.now() - t) / 1000);
	t = performance.now();
	await drain(workers);
	const drainPerSec = JOBS / ((performance.now() - t) / 1000);
	const {
		rows: [{ n }],
	} = await e.query("select count(*)::int as n from mcp_jobs.jobs where status = 'completed'");
	if (n !== JOBS) throw new Error(`${name}: ${n} of ${JOBS} completed`);
	await Promise.all([e, ...workers].map((x) => x.end()));
	await dropDatabase(adminUrl, db);
	return { enqueuePerSec, drainPerSec };
}

async function variants(adminUrl) {
	const out = [];
	for (const syncCommit of [true, false]) {
		const runs = Object.fromEntries(Object.keys(VARIANTS).map((k) => [k, []]));
		for (let r = 0; r < REPEATS; r++) {
			for (const [name, sql] of Object.entries(VARIANTS)) {
				runs[name].push(await variantRun(adminUrl, name, sql, syncCommit, r));
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
		const c = await connect(server.url);
		await c.query("alter system set shared_preload_libraries = 'pg_stat_statements'");
		await c.query("alter system set pg_stat_statements.track = 'all'");
		await c.end();
		await server.stop();
		server = await startEmbeddedPostgres({ fast: false, persistent: true, dataDir, port });
		const result = { date: new Date().toISOString(), jobs: JOBS, repeats: REPEATS, workers: WORKERS, claim: CLAIM };
		result.statements = await statementsProfile(server.url);
		result.explain = await explainBatch(server.url);
		if (!argv.includes('--skip-variants')) result.variants = await variants(server.url);
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
