#!/usr/bin/env node
// What one job's claim and finish cost the database at the least, per storage model (not part of `npm run bench`):
// bare SQL on copies of mcp_jobs.jobs and job_runs as migrated (no functions, no checks), claims of 100 on one
// connection, the backend's CPU time from /proc/<pid>/schedstat. Beside them, on the same server, the functions
// themselves (claim_next_job + complete_jobs). The models:
//   today    a finished job stays in jobs (an update to completed) and its run gets a job_runs row (0.2.0)
//   archive  a finished job moves to an archive table (primary key, seq and finished-job indexes), its run gets a row
//   leases   running jobs' leases live in a table of their own; a finish deletes the lease and updates the job in place,
//            which can be a HOT update (no index covers what a finish changes); no run row
//   delete   a finished job is deleted: no history (graphile-worker's model)
// With --loops N each model also drains its jobs with N connections at once (jobs/s: how far the model's floor lets
// throughput go on this machine, the delete model being graphile-worker's).
// Usage: node bench/floors.mjs [--jobs 30000] [--repeats 3] [--loops 8]   (Linux: /proc). Writes
// bench/results/floors-<time>.json.
import { createRequire } from 'node:module';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, dropDatabase, withClient } from '../scripts/lib/databases.mjs';
import { pgDriver } from './cells/ours-pg.mjs';
import { benchJobs, QUEUE } from './cells/ours-workload.mjs';
import { cpuMicros } from './lib/cpu.mjs';
import { BENCH_DIR } from './lib/deps.mjs';
import { freshDatabase, serverInfo, startServer } from './lib/pg-server.mjs';
import { summarize } from './lib/stats.mjs';

const require = createRequire(import.meta.url);
const { migrate } = require('../bin/supabase-jobs-migrate.js');

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const JOBS = opt('--jobs', 30000);
const REPEATS = opt('--repeats', 3);
const LOOPS = opt('--loops', 0);
const CLAIM = 100;
const DATABASE = 'mcp_jobs_floors';

// copies of the migrated tables with every index (no foreign keys: `like` copies none); a model's `setup` adds its own
const COPY_TABLES = `
	drop schema if exists v cascade;
	create schema v;
	create table v.jobs (like mcp_jobs.jobs including all);
	create table v.job_runs (like mcp_jobs.job_runs including all);`;
const FILL = `
	insert into v.jobs (id, queue, source, job_type, payload, status, seq) overriding system value
	select gen_random_uuid(), '${QUEUE}', 'bench', 'noop', jsonb_build_object('i', g), 'queued', g from generate_series(1, $1) g`;
const CLAIM_SQL = `
	update v.jobs j
	set status = 'running', worker_id = 'w1', run_id = gen_random_uuid(), started_at = now(),
	    lease_expires_at = now() + interval '5 minutes', attempts = j.attempts + 1, updated_at = now()
	where j.id = any (array(
	  select x.id from v.jobs x
	  where x.status = 'queued' and x.queue = '${QUEUE}' and x.scheduled_at <= now()
	  order by x.priority, x.scheduled_at, x.seq limit ${CLAIM} for update skip locked))
	returning j.id`;
/** The run rows of the finished jobs in CTE `done`, ended at `finishedAt`. */
const runRows = (finishedAt) => `
	insert into v.job_runs (id, job_id, attempt, worker_id, status, started_at, finished_at, duration_ms)
	select d.run_id, d.id, d.attempts, d.worker_id, 'completed', d.started_at, ${finishedAt}, 0 from done d`;

const MODELS = {
	today: {
		setup: 'alter table v.job_runs add foreign key (job_id) references v.jobs (id) on delete cascade',
		claim: CLAIM_SQL,
		finish: `
			with done as (
			  update v.jobs j
			  set status = 'completed', progress = 100, lease_expires_at = null, finished_at = clock_timestamp(), updated_at = now()
			  where j.id = any ($1::uuid[]) returning j.*)
			${runRows('d.finished_at')}`,
	},
	archive: {
		setup: `
			create table v.jobs_done (like mcp_jobs.jobs including defaults);
			alter table v.jobs_done add primary key (id);
			create unique index on v.jobs_done (seq);
			create index on v.jobs_done (finished_at);
			create index on v.jobs_done (queue, status, finished_at) include (started_at, created_at)`,
		claim: CLAIM_SQL,
		finish: (columns) => `
			with gone as (delete from v.jobs j where j.id = any ($1::uuid[]) returning j.*),
			done as (select * from gone),
			kept as (
			  insert into v.jobs_done (${columns.join(', ')})
			  select ${columns.map((name) => ({ status: "'completed'", finished_at: 'clock_timestamp()' })[name] ?? `d.${name}`).join(', ')}
			  from done d)
			${runRows('clock_timestamp()')}`,
	},
	leases: {
		// only the claimable index and seq stay on jobs, keyed by a column a finish does not touch; room for HOT
		setup: `
			do $$ declare r record; begin
			  for r in select indexrelid::regclass::text as name from pg_index where indrelid = 'v.jobs'::regclass and not indisprimary
			  loop execute 'drop index ' || r.name; end loop;
			end $$;
			alter table v.jobs add column queued boolean not null default true;
			create unique index on v.jobs (seq);
			create index on v.jobs (queue, priority, scheduled_at, seq) where queued;
			alter table v.jobs set (fillfactor = 70);
			create table v.leases (job_id uuid primary key, queue text not null, group_key text,
			                       lease_expires_at timestamptz not null, worker_id text, run_id uuid);
			create index on v.leases (queue, lease_expires_at) include (group_key)`,
		claim: `
			with claimed as (
			  update v.jobs j
			  set queued = false, status = 'running', worker_id = 'w1', run_id = gen_random_uuid(), started_at = now(),
			      lease_expires_at = now() + interval '5 minutes', attempts = j.attempts + 1, updated_at = now()
			  where j.id = any (array(
			    select x.id from v.jobs x
			    where x.queued and x.queue = '${QUEUE}' and x.scheduled_at <= now()
			    order by x.priority, x.scheduled_at, x.seq limit ${CLAIM} for update skip locked))
			  returning j.*),
			leased as (
			  insert into v.leases select c.id, c.queue, c.group_key, c.lease_expires_at, c.worker_id, c.run_id from claimed c)
			select c.id from claimed c`,
		finish: `
			with ended as (delete from v.leases l where l.job_id = any ($1::uuid[]) returning l.job_id)
			update v.jobs j
			set status = 'completed', progress = 100, lease_expires_at = null, finished_at = clock_timestamp(), updated_at = now()
			where j.id in (select e.job_id from ended e)`,
	},
	delete: {
		setup: '',
		claim: CLAIM_SQL,
		finish: 'delete from v.jobs j where j.id = any ($1::uuid[])',
	},
};

// A lane: one connection's { claim() -> claimed jobs or ids, finish(claimed), close() }.

/** Claims and finishes on `lane` until a claim returns nothing; how many it finished. */
async function loopUntilDrained(lane) {
	let jobs = 0;
	for (let claimed = await lane.claim(); claimed.length > 0; claimed = await lane.claim()) {
		await lane.finish(claimed);
		jobs += claimed.length;
	}
	return jobs;
}

function expectAllDrained(jobs) {
	if (jobs !== JOBS) throw new Error(`drained ${jobs} of ${JOBS} jobs`);
}

/** Drains every job on `lane`, whose server process is `pid`; the backend CPU per job of the claims and the finishes. */
async function drain(pid, lane) {
	let claimUs = 0;
	let finishUs = 0;
	const timed = async (fn, add) => {
		const t = cpuMicros(pid);
		const result = await fn();
		add(cpuMicros(pid) - t);
		return result;
	};
	const jobs = await loopUntilDrained({
		claim: () => timed(lane.claim, (us) => (claimUs += us)),
		finish: (claimed) =>
			timed(
				() => lane.finish(claimed),
				(us) => (finishUs += us),
			),
	});
	expectAllDrained(jobs);
	return { claim: claimUs / jobs, finish: finishUs / jobs };
}

/** Jobs/s of LOOPS lanes from `openLane()` draining at once. */
async function drainConcurrently(openLane) {
	const lanes = await Promise.all(Array.from({ length: LOOPS }, () => openLane()));
	try {
		const t0 = performance.now();
		const counts = await Promise.all(lanes.map(loopUntilDrained));
		expectAllDrained(counts.reduce((sum, n) => sum + n, 0));
		return JOBS / ((performance.now() - t0) / 1000);
	} finally {
		await Promise.all(lanes.map((lane) => lane.close()));
	}
}

/** Copies the tables into the model and fills them; the model's finish statement. */
async function prepareBare(c, model) {
	await c.query(COPY_TABLES);
	if (model.setup) await c.query(model.setup);
	const { rows } = await c.query(
		"select attname from pg_attribute where attrelid = 'v.jobs'::regclass and attnum > 0 and not attisdropped order by attnum",
	);
	await c.query(FILL, [JOBS]);
	await c.query('vacuum analyze v.jobs');
	return typeof model.finish === 'function' ? model.finish(rows.map((r) => r.attname)) : model.finish;
}

/** A lane of `model`'s bare statements on `client` (the claim returns ids). */
const bareLane = (client, model, finish) => ({
	claim: async () => (await client.query(model.claim)).rows.map((r) => r.id),
	finish: (ids) => client.query(finish, [ids]),
	close: () => client.end(),
});

async function bareModel(url, c, pid, model) {
	const cpu = await drain(pid, bareLane(c, model, await prepareBare(c, model)));
	if (!LOOPS) return cpu;
	const finish = await prepareBare(c, model);
	return { ...cpu, perSec: await drainConcurrently(async () => bareLane(await connect(url), model, finish)) };
}

/** A lane of claim_next_job + complete_jobs on ours-pg's workload driver. */
const functionsLane = (driver) => ({
	claim: () => driver.claim('w1', QUEUE, CLAIM),
	finish: async (jobs) => {
		const results = await driver.completeJobs(jobs.map((j) => ({ job_id: j.id, worker_id: 'w1' })));
		if (!results.every((r) => r.ok)) throw new Error('complete_jobs refused a held job');
	},
	close: driver.close,
});

/** Empties mcp_jobs and enqueues JOBS jobs through enqueue_jobs. */
async function prepareFunctions(driver) {
	await driver.client.query('delete from mcp_jobs.job_runs; delete from mcp_jobs.jobs');
	for (let start = 0; start < JOBS; start += 1000) await driver.enqueueJobs(benchJobs(Math.min(1000, JOBS - start), { start }));
	await driver.client.query('vacuum analyze mcp_jobs.jobs');
}

/** The same drain through the functions. */
async function functions(url) {
	const driver = await pgDriver(url);
	try {
		await prepareFunctions(driver);
		const cpu = await drain(driver.backendPid, functionsLane(driver));
		if (!LOOPS) return cpu;
		await prepareFunctions(driver);
		return { ...cpu, perSec: await drainConcurrently(async () => functionsLane(await pgDriver(url))) };
	} finally {
		await driver.close();
	}
}

async function main() {
	const server = await startServer((line) => console.error(line));
	try {
		const url = await freshDatabase(server.url, DATABASE);
		await migrate({ connectionString: url });
		const runs = { functions: [], ...Object.fromEntries(Object.keys(MODELS).map((name) => [name, []])) };
		await withClient(url, async (c) => {
			const {
				rows: [{ pid }],
			} = await c.query('select pg_backend_pid() as pid');
			for (let r = 0; r < REPEATS; r++) {
				runs.functions.push(await functions(url));
				for (const [name, model] of Object.entries(MODELS)) runs[name].push(await bareModel(url, c, pid, model));
				process.stderr.write('.');
			}
		});
		process.stderr.write('\n');
		const rows = Object.entries(runs).map(([name, rs]) => ({
			model: name,
			claim: summarize(rs.map((x) => x.claim)),
			finish: summarize(rs.map((x) => x.finish)),
			total: summarize(rs.map((x) => x.claim + x.finish)),
			perSec: summarize(rs.map((x) => x.perSec)),
		}));
		const fmt = (s) => `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;
		console.log(`\n${JOBS} jobs, claims of ${CLAIM}, one connection, ${REPEATS} runs; database CPU µs per job, median (min–max)\n`);
		console.log('| Model | Claim | Finish | Claim + finish |\n|---|---|---|---|');
		for (const row of rows) console.log(`| ${row.model} | ${fmt(row.claim)} | ${fmt(row.finish)} | ${fmt(row.total)} |`);
		if (LOOPS) {
			const floor = rows.find((row) => row.model === 'delete').perSec.median;
			const count = (n) => Math.round(n).toLocaleString('en-US');
			console.log(`\nDrain with ${LOOPS} connections at once, jobs/s, median (min–max), and against the delete model\n`);
			console.log('| Model | Jobs/s | vs delete |\n|---|---|---|');
			for (const { model, perSec: p } of rows) {
				console.log(`| ${model} | ${count(p.median)} (${count(p.min)}–${count(p.max)}) | ${(p.median / floor).toFixed(2)}× |`);
			}
		}
		const info = await serverInfo(url);
		await mkdir(join(BENCH_DIR, 'results'), { recursive: true });
		const file = join(BENCH_DIR, 'results', `floors-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
		await writeFile(
			file,
			`${JSON.stringify({ server: info, jobs: JOBS, claim: CLAIM, repeats: REPEATS, loops: LOOPS, rows, runs }, null, '\t')}\n`,
		);
		console.log(`\nwrote ${file}`);
	} finally {
		await dropDatabase(server.url, DATABASE).catch(() => undefined);
		await server.stop();
	}
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
