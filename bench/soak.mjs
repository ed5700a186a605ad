#!/usr/bin/env node
// Soak: does throughput hold as a queue ages? A sustained run of 1,000,000 jobs on a server with default autovacuum:
// a producer keeps a backlog (enqueue_jobs in batches of 1,000, at most --backlog queued) until the end, 8 worker
// loops claim 100 and complete them, and the drain rate of every 100,000 completed jobs is recorded with what autovacuum did
// meanwhile (dead rows, vacuums of mcp_jobs.jobs). The figure of merit: the last 100k's rate over the first's.
//   npm run bench -- --soak   or   node bench/soak.mjs [--jobs 1000000] [--segment 100000] [--backlog 50000]
//                                                     [--workers 8] [--claim 100] [--migrations <dir or revision>]
// Writes bench/results/soak-<timestamp>.json and prints the curve as a markdown table (docs/benchmarks.md).
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './lib/deps.mjs';
import { serverInfo, startServer } from './lib/pg-server.mjs';
import { withOursWorkload } from './lib/ours-standalone.mjs';
import { benchJobs } from './cells/ours-workload.mjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const JOBS = Number(opt('--jobs', 1_000_000));
const SEGMENT = Number(opt('--segment', 100_000));
const BACKLOG = Number(opt('--backlog', 50_000));
const WORKERS = Number(opt('--workers', 8));
const CLAIM = Number(opt('--claim', 100));
const QUEUE = 'bench';

const log = (message) => console.log(`[soak] ${message}`);

/** Dead and live rows and vacuum counts of the queue's busiest tables. */
async function tableStats(client) {
	const { rows } = await client.query(
		`select relname, n_live_tup::int as live, n_dead_tup::int as dead, autovacuum_count::int as autovacuums,
		        vacuum_count::int as vacuums
		 from pg_stat_user_tables where schemaname = 'mcp_jobs' and relname in ('jobs', 'job_runs') order by relname`,
	);
	return Object.fromEntries(rows.map(({ relname, ...r }) => [relname, r]));
}

async function soak({ db, drivers }) {
	let enqueued = 0;
	let completed = 0;
	let done = false;
	const segments = [];
	let segmentStart = performance.now();
	const t0 = segmentStart;

	const producer = (async () => {
		const enqueuer = drivers.get('enqueuer');
		// it keeps producing until JOBS are completed, so that every segment is measured with the producer running
		while (!done) {
			if (enqueued - completed >= BACKLOG) {
				await new Promise((resolve) => setTimeout(resolve, 20)); // backlog full: let the workers catch up
				continue;
			}
			await enqueuer.enqueueJobs(benchJobs(1000, { start: enqueued }));
			enqueued += 1000;
		}
	})();

	const onCompleted = async (n) => {
		const before = completed;
		completed += n;
		if (Math.floor(completed / SEGMENT) > Math.floor(before / SEGMENT)) {
			const now = performance.now();
			const seconds = (now - segmentStart) / 1000;
			segmentStart = now;
			const stats = await tableStats(db.client);
			const segment = {
				upTo: Math.floor(completed / SEGMENT) * SEGMENT,
				seconds,
				jobsPerSecond: SEGMENT / seconds,
				load: loadavg()[0],
				...stats,
			};
			segments.push(segment);
			const { dead, autovacuums } = stats.jobs ?? {};
			log(`${segment.upTo} completed: ${Math.round(segment.jobsPerSecond)} jobs/s; jobs: ${dead} dead rows, ${autovacuums} autovacuums`);
		}
	};

	const loop = async (k) => {
		const driver = drivers.get(k);
		const workerId = `soak-w${k}`;
		while (completed < JOBS) {
			const jobs = await driver.claim(workerId, QUEUE, CLAIM);
			if (jobs.length === 0) {
				await new Promise((resolve) => setTimeout(resolve, 5)); // the producer is behind
				continue;
			}
			const rows = await driver.completeJobs(jobs.map((j) => ({ job_id: j.id, run_id: j.run_id, worker_id: workerId })));
			await onCompleted(rows.filter((r) => r.ok).length);
		}
	};
	await Promise.all(Array.from({ length: WORKERS }, (_, k) => loop(k)));
	done = true;
	await producer;
	return { segments, seconds: (performance.now() - t0) / 1000, completed };
}

const server = await startServer(log);
try {
	const info = await serverInfo(server.url);
	log(`${info.version.split(',')[0]}; ${JOBS} jobs, claim ${CLAIM}, ${WORKERS} workers, backlog ≤ ${BACKLOG}`);
	const migrationsDir = opt('--migrations');
	const result = await withOursWorkload(server.url, 'mcp_jobs_soak', { workers: WORKERS, claimBatch: CLAIM, migrationsDir }, soak);
	const [first, last] = [result.segments[0], result.segments.at(-1)];
	const ratio = last.jobsPerSecond / first.jobsPerSecond;
	const rates = `${Math.round(last.jobsPerSecond)} / ${Math.round(first.jobsPerSecond)} jobs/s`;
	log(`last ${SEGMENT} / first ${SEGMENT}: ${(ratio * 100).toFixed(0)} % (${rates})`);
	console.log('\n| jobs completed | jobs/s | jobs: dead rows | jobs: autovacuums | job_runs: autovacuums | load |');
	console.log('|---|---|---|---|---|---|');
	for (const s of result.segments) {
		const cells = [s.upTo.toLocaleString('en'), Math.round(s.jobsPerSecond), s.jobs?.dead, s.jobs?.autovacuums, s.job_runs?.autovacuums];
		console.log(`| ${[...cells, s.load.toFixed(1)].join(' | ')} |`);
	}
	const out = join(BENCH_DIR, 'results', `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
	await mkdir(join(BENCH_DIR, 'results'), { recursive: true });
	await writeFile(
		out,
		JSON.stringify(
			{ server: info, jobs: JOBS, segment: SEGMENT, backlog: BACKLOG, workers: WORKERS, claim: CLAIM, ratio, ...result },
			null,
			2,
		),
	);
	log(`wrote ${out}`);
} finally {
	await server.stop();
}
