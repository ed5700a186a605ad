#!/usr/bin/env node
// A/B of SQL changes to mcp_jobs (not part of `npm run bench`): the same enqueue + drain with migrations from
// two directories, interleaved, in fresh databases on one embedded Postgres. Besides wall-clock jobs/s it
// reports the CPU the database spent per job: utime + stime (from /proc) of the backends of the enqueue and
// worker connections. That number hardly moves when other processes load the machine, where wall-clock
// throughput on 2 shared cores does by ±30 %.
//   node bench/ab-ours.mjs --base <dir with the old migrations/*.sql> [--current <dir>, default migrations/]
//                          [--jobs 20000] [--repeats 5]
//                          [--claims 1,10,100] [--workers 8]
// Linux only (/proc). Writes bench/results/ab-<timestamp>.json.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { startEmbeddedPostgres } from '../scripts/lib/postgres.mjs';
import { dropDatabase } from '../scripts/lib/databases.mjs';
import { freshDatabase } from './lib/pg-server.mjs';
import { summarize } from './lib/stats.mjs';
import { BENCH_DIR, REPO_DIR } from './lib/deps.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');
const { migrate } = require('../bin/supabase-jobs-migrate.js');

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
if (!opt('--base')) {
	console.error(
		'usage: node bench/ab-ours.mjs --base <dir of the old migrations> [--jobs N] [--repeats N] [--claims 1,10,100] [--workers N]',
	);
	process.exit(2);
}
const VARIANTS = { base: resolve(opt('--base')), current: resolve(opt('--current', join(REPO_DIR, 'migrations'))) };
const JOBS = Number(opt('--jobs', 20000));
const REPEATS = Number(opt('--repeats', 5));
const CLAIMS = opt('--claims', '1,10,100').split(',').map(Number);
const WORKERS = Number(opt('--workers', 8));
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU milliseconds (user + system) of a process so far. */
function cpuMs(pid) {
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

async function connect(url) {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	client.backendPid = (await client.query('select pg_backend_pid() as p')).rows[0].p;
	return client;
}

async function run(adminUrl, dir, claim, db) {
	const url = await freshDatabase(adminUrl, db);
	await migrate({ connectionString: url, dir });
	const enqueuer = await connect(url);
	const workers = await Promise.all(Array.from({ length: WORKERS }, () => connect(url)));
	const cpu = (clients) => clients.reduce((s, c) => s + cpuMs(c.backendPid), 0);
	try {
		let c0 = cpu([enqueuer]);
		let t0 = performance.now();
		for (let s = 0; s < JOBS; s += 1000) {
			const jobs = Array.from({ length: Math.min(1000, JOBS - s) }, (_, k) => ({
				queue: 'bench',
				source: 'bench',
				job_type: 'noop',
				payload: { i: s + k },
			}));
			await enqueuer.query('select * from mcp_jobs.enqueue_jobs($1::jsonb)', [JSON.stringify(jobs)]);
		}
		const enqueue = { perSec: JOBS / ((performance.now() - t0) / 1000), cpuUsPerJob: ((cpu([enqueuer]) - c0) * 1000) / JOBS };
		c0 = cpu(workers);
		t0 = performance.now();
		await Promise.all(
			workers.map(async (w, k) => {
				for (;;) {
					const { rows } = await w.query('select * from mcp_jobs.claim_next_job(p_worker_id => $1, p_queue => $2, p_limit => $3)', [
						`w${k}`,
						'bench',
						claim,
					]);
					if (rows.length === 0) return;
					await w.query('select * from mcp_jobs.complete_jobs($1::jsonb)', [
						JSON.stringify(rows.map((r) => ({ job_id: r.id, worker_id: `w${k}` }))),
					]);
				}
			}),
		);
		const drain = { perSec: JOBS / ((performance.now() - t0) / 1000), cpuUsPerJob: ((cpu(workers) - c0) * 1000) / JOBS };
		const {
			rows: [{ n }],
		} = await enqueuer.query("select count(*)::int as n from mcp_jobs.jobs where status = 'completed'");
		if (n !== JOBS) throw new Error(`${n} of ${JOBS} jobs completed`);
		return { enqueue, drain, load: loadavg()[0] };
	} finally {
		await Promise.all([enqueuer, ...workers].map((c) => c.end()));
		await dropDatabase(adminUrl, db);
	}
}

const server = await startEmbeddedPostgres({ fast: false });
try {
	const runs = [];
	for (let r = 0; r < REPEATS; r++) {
		for (const claim of CLAIMS) {
			// alternate which variant goes first
			const names = r % 2 ? ['current', 'base'] : ['base', 'current'];
			for (const name of names) {
				const result = await run(server.url, VARIANTS[name], claim, `ab_${name}_${claim}`);
				runs.push({ variant: name, claim, repeat: r, ...result });
				process.stderr.write(
					`${name} claim ${claim}: drain ${Math.round(result.drain.perSec)}/s, ` +
						`${Math.round(result.drain.cpuUsPerJob)} µs db CPU/job; enqueue ${Math.round(result.enqueue.perSec)}/s, ` +
						`${Math.round(result.enqueue.cpuUsPerJob)} µs/job (load ${result.load.toFixed(1)})\n`,
				);
			}
		}
	}
	const rows = [];
	for (const claim of CLAIMS) {
		for (const name of Object.keys(VARIANTS)) {
			const rs = runs.filter((x) => x.variant === name && x.claim === claim);
			const m = (f) => summarize(rs.map(f));
			rows.push({
				claim,
				variant: name,
				drainPerSec: m((x) => x.drain.perSec),
				drainCpuUsPerJob: m((x) => x.drain.cpuUsPerJob),
				enqueuePerSec: m((x) => x.enqueue.perSec),
				enqueueCpuUsPerJob: m((x) => x.enqueue.cpuUsPerJob),
			});
		}
	}
	const f = (s) => `${Math.round(s.median)} (${Math.round(s.min)}–${Math.round(s.max)})`;
	console.log(
		'| claim | variant | drain jobs/s | drain DB CPU µs/job | enqueue jobs/s | enqueue DB CPU µs/job |\n|---|---|---|---|---|---|',
	);
	for (const r of rows) {
		console.log(
			`| ${r.claim} | ${r.variant} | ${f(r.drainPerSec)} | ${f(r.drainCpuUsPerJob)} | ${f(r.enqueuePerSec)} | ${f(r.enqueueCpuUsPerJob)} |`,
		);
	}
	await mkdir(join(BENCH_DIR, 'results'), { recursive: true });
	const file = join(BENCH_DIR, 'results', `ab-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
	await writeFile(
		file,
		`${JSON.stringify({ variants: VARIANTS, jobs: JOBS, workers: WORKERS, repeats: REPEATS, rows, runs }, null, '\t')}\n`,
	);
	console.log(`wrote ${file}`);
} finally {
	await server.stop();
}
