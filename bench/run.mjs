#!/usr/bin/env node
// `npm run bench`: mcp_jobs vs graphile-worker 0.18 and pg-boss 12 on one Postgres, same work for each:
// enqueue N trivial jobs in batches, drain them with the cell's workers, then a sequential add-to-start
// latency test; plus the Job Trigger node's pickup latency (LISTEN and poll) and, with --n8n, jobs/s through
// a real n8n. Every cell runs BENCH_REPEATS times, each time in a fresh database and a child process under
// Node 22. Writes bench/results/<timestamp>.json and, for a full run of every default cell, docs/benchmarks.md.
//   --quick        1 repeat, 2000 jobs, 30 latency samples (a smoke run; the doc is not touched)
//   --cells a,b    only these cells (names in cells/index.mjs); --n8n adds the n8n cells (regular and queue mode),
//                  --n8n-memory the 200,000-job drain through n8n with its memory read every second
//   --no-report    do not rewrite docs/benchmarks.md
// Env: BENCH_REPEATS (5), BENCH_JOBS (20000), BENCH_LATENCY_SAMPLES (400), DATABASE_URL (else embedded PG).
import { cpus, totalmem, release, platform, loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dropDatabase } from '../scripts/lib/databases.mjs';
import { ensureDeps, BENCH_DIR, REPO_DIR } from './lib/deps.mjs';
import { freshDatabase, serverInfo, startServer } from './lib/pg-server.mjs';
import { killAllChildren, runChild } from './lib/children.mjs';
import { CELLS, BASELINE } from './cells/index.mjs';
import { summarizeRuns } from './lib/summary.mjs';
import { summarize } from './lib/stats.mjs';
import { compileTestSupport, requireDist } from './lib/ts-support.mjs';

const log = (msg) => console.log(`bench: ${msg}`);
const intEnv = (name, fallback) => {
	const v = process.env[name];
	if (v === undefined || v === '') return fallback;
	if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
	return Number(v);
};

function parseArgs(argv) {
	const args = { quick: false, cells: null, flags: new Set(), report: true };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--quick') args.quick = true;
		else if (a === '--cells') args.cells = argv[++i]?.split(',');
		else if (a.startsWith('--cells=')) args.cells = a.slice(8).split(',');
		else if (a === '--no-report') args.report = false;
		else if (CELLS.some((c) => c.optIn === a)) args.flags.add(a);
		else if (a === '--help' || a === '-h') args.help = true;
		else throw new Error(`unknown argument ${a} (try --help)`);
	}
	return args;
}

function selectCells(args) {
	if (!args.cells) return CELLS.filter((c) => !c.optIn || args.flags.has(c.optIn));
	const unknown = args.cells.filter((n) => !CELLS.some((c) => c.name === n));
	if (unknown.length) throw new Error(`unknown cell(s): ${unknown.join(', ')} (known: ${CELLS.map((c) => c.name).join(', ')})`);
	return CELLS.filter((c) => args.cells.includes(c.name) || (c.optIn && args.flags.has(c.optIn)));
}

let server = null;
let stopping = null;
async function cleanup() {
	stopping ??= (async () => {
		killAllChildren();
		if (server) await server.stop().catch((e) => log(`stopping Postgres: ${e.message}`));
		server = null;
	})();
	return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.on(signal, () => {
		log(`${signal}: stopping children and Postgres`);
		cleanup().finally(() => process.exit(130));
	});
}

function gitRevision() {
	try {
		return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: REPO_DIR, encoding: 'utf8' }).trim();
	} catch {
		return null;
	}
}

const load = () => {
	const [m1, m5, m15] = loadavg();
	return { m1, m5, m15 };
};

async function main() {
	if (process.argv[2] === '--soak') {
		// the soak is a run of its own (one long workload, a curve rather than a cell's jobs/s): bench/soak.mjs
		process.argv.splice(2, 1);
		await import('./soak.mjs');
		return 0;
	}
	const args = parseArgs(process.argv.slice(2));
	if (args.help) {
		console.log(`Usage: npm run bench [-- --quick] [-- --n8n] [-- --no-report] [-- --cells ${CELLS.map((c) => c.name).join(',')}]`);
		console.log('       npm run bench -- --soak [--jobs 1000000] [--segment 100000] (see bench/soak.mjs)');
		return 0;
	}
	const params = args.quick
		? { repeats: 1, jobs: 2000, latencySamples: 30 }
		: {
				repeats: intEnv('BENCH_REPEATS', 5),
				jobs: intEnv('BENCH_JOBS', 20000),
				latencySamples: intEnv('BENCH_LATENCY_SAMPLES', 400),
			};
	const cells = selectCells(args);
	const needs = new Set(cells.flatMap((c) => c.needs ?? []));
	const started = Date.now();
	const loadAtStart = load();
	const { node22, node22Version } = await ensureDeps(log);
	if (needs.has('dist')) requireDist('nodes/shared/client.js');
	if (needs.has('ts')) compileTestSupport(log);
	server = await startServer(log);
	const postgres = { embedded: server.embedded, ...(await serverInfo(server.url)) };
	log(
		`${postgres.version.split(',')[0]}; ${cells.length} cells x ${params.repeats} repeats, ${params.jobs} jobs each; ` +
			`load average ${loadAtStart.m1.toFixed(2)}`,
	);

	const runs = [];
	for (let repeat = 1; repeat <= params.repeats; repeat++) {
		// rotate the order each repeat so no cell always follows the same neighbour
		const order = cells.map((_, i) => cells[(i + repeat - 1) % cells.length]);
		for (const cell of order) {
			if (stopping) return 130;
			const database = `bench_${cell.name.replace(/\W/g, '_')}_${repeat}`;
			log(`[${repeat}/${params.repeats}] ${cell.name} (load ${loadavg()[0].toFixed(2)})`);
			const url = await freshDatabase(server.url, database);
			// other processes on the machine skew the numbers: keep the load average with each run
			const before = load();
			const t0 = Date.now();
			try {
				const result = await runChild(
					node22,
					join(BENCH_DIR, 'cell-runner.mjs'),
					{ cell: cell.name, url, jobs: params.jobs, samples: params.latencySamples },
					{ timeoutMs: 15 * 60_000 },
				);
				runs.push({ repeat, ok: true, ...result, seconds: (Date.now() - t0) / 1000, load: { before, after: load() } });
			} catch (error) {
				if (stopping) return 130;
				log(`[${repeat}/${params.repeats}] ${cell.name} FAILED: ${error.message}`);
				runs.push({ repeat, cell: cell.name, ok: false, error: error.message.split('\n')[0], load: { before, after: load() } });
			} finally {
				if (!stopping) await dropDatabase(server.url, database).catch((e) => log(`drop ${database}: ${e.message}`));
			}
		}
	}

	const results = {
		date: new Date(started).toISOString(),
		wallSeconds: Math.round((Date.now() - started) / 1000),
		quick: args.quick,
		params,
		baseline: BASELINE,
		revision: gitRevision(),
		machine: {
			cpus: cpus().length,
			cpuModel: cpus()[0]?.model ?? null,
			memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
			os: `${platform()} ${release()}`,
			orchestratorNode: process.version,
			cellNode: node22Version,
			loadAtStart,
			loadAtEnd: load(),
			loadAverage1m: summarize(runs.flatMap((r) => [r.load.before.m1, r.load.after.m1])),
		},
		postgres,
		cells: summarizeRuns(cells, runs, BASELINE),
		runs,
	};
	await mkdir(join(BENCH_DIR, 'results'), { recursive: true });
	const stamp = results.date.replace(/[:.]/g, '-');
	const file = join(BENCH_DIR, 'results', `${stamp}${args.quick ? '-quick' : ''}.json`);
	await writeFile(`${file}.tmp`, `${JSON.stringify(results, null, '\t')}\n`);
	await rename(`${file}.tmp`, file);
	log(`wrote ${file}`);
	const { renderTable, writeReport } = await import('./report.mjs');
	const complete = !args.quick && !args.cells && runs.every((r) => r.ok);
	if (args.report && complete) log(`wrote ${await writeReport(file)}`);
	else if (args.report) log('docs/benchmarks.md left as it is (only a full run of every default cell without failures rewrites it)');
	console.log(`\n${renderTable(results)}\n`);
	log(`done in ${results.wallSeconds} s`);
	return runs.some((r) => !r.ok) ? 1 : 0;
}

main().then(
	async (code) => {
		await cleanup();
		process.exit(code);
	},
	async (error) => {
		if (!stopping) console.error(`bench failed: ${error.stack ?? error}`);
		await cleanup();
		process.exit(1);
	},
);
