// One cell run in a child process (Node 22): setup, timed enqueue, timed drain, check, latency test, teardown.
// Argument: JSON {cell, url, jobs, samples}. Sends {type:'result', result} (or {type:'error'}) over IPC.
// A cell without drain() is a latency-only cell (the Job Trigger's poll mode); one without latency() drains only.
import { cpus } from 'node:os';
import { loadCell } from './cells/index.mjs';
import { latencySummary } from './lib/stats.mjs';

const arg = JSON.parse(process.argv[2]);
const log = (msg) => process.stderr.write(`    [${arg.cell}] ${msg}\n`);
// the orchestrator going away (Ctrl-C, crash) ends this run too
process.on('disconnect', () => process.exit(1));

const perSec = (n, ms) => n / (ms / 1000);

async function main() {
	const cell = await loadCell(arg.cell);
	const result = { cell: arg.cell, config: cell.config, jobs: null, node: process.version, cpus: cpus().length };
	try {
		// a slow cell (the Job Trigger) drains fewer jobs, so a run stays within minutes; a soak cell names its own count
		const jobs = cell.jobs ?? Math.min(arg.jobs, cell.maxJobs ?? Infinity);
		await cell.setup({ url: arg.url, jobs, log });
		const parts = [];
		if (cell.drain) {
			let t0 = performance.now();
			await cell.enqueue(jobs);
			const enqueueMs = performance.now() - t0;

			t0 = performance.now();
			const drained = await cell.drain();
			const drainMs = performance.now() - t0;
			if (drained.processed !== jobs) throw new Error(`drain processed ${drained.processed} of ${jobs} jobs`);
			await cell.verify?.(jobs);
			Object.assign(result, {
				jobs,
				enqueueMs,
				drainMs,
				enqueuePerSec: perSec(jobs, enqueueMs),
				drainPerSec: perSec(jobs, drainMs),
				drainDetail: drained.detail ?? null,
			});
			parts.push(`enqueue ${Math.round(result.enqueuePerSec)}/s, drain ${Math.round(result.drainPerSec)}/s`);
		}
		const samples = Math.min(arg.samples, cell.maxSamples ?? Infinity);
		if (cell.latency && samples > 0) {
			result.latency = latencySummary(await cell.latency(samples));
			parts.push(`latency p50 ${result.latency.p50.toFixed(2)} ms p99 ${result.latency.p99.toFixed(2)} ms (n=${samples})`);
		}
		log(parts.join(', '));
		return result;
	} finally {
		await cell.teardown().catch((e) => log(`teardown: ${e.message}`));
	}
}

main().then(
	(result) => process.send({ type: 'result', result }, () => process.exit(0)),
	(error) => process.send({ type: 'error', message: error?.stack ?? String(error) }, () => process.exit(1)),
);
