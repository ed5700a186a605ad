// Folds the per-run results into per-cell medians, spreads and ratios to the baseline cell.
import { summarize } from './stats.mjs';

export function summarizeRuns(cells, runs, baseline) {
	const summaries = cells.map((cell) => {
		const ok = runs.filter((r) => r.cell === cell.name && r.ok);
		const failed = runs.filter((r) => r.cell === cell.name && !r.ok);
		return {
			name: cell.name,
			system: cell.system,
			config: ok[0]?.config ?? null,
			runs: ok.length,
			failures: failed.map((r) => r.error),
			enqueuePerSec: summarize(ok.map((r) => r.enqueuePerSec)),
			drainPerSec: summarize(ok.map((r) => r.drainPerSec)),
			latencyP50Ms: summarize(ok.map((r) => r.latency?.p50)),
			latencyP99Ms: summarize(ok.map((r) => r.latency?.p99)),
			latencyMaxMs: summarize(ok.map((r) => r.latency?.max)),
		};
	});
	const base = summaries.find((s) => s.name === baseline);
	const ratio = (a, b) => (a != null && b ? a / b : null);
	for (const s of summaries) {
		s.vsBaseline = {
			drain: ratio(s.drainPerSec.median, base?.drainPerSec.median),
			enqueue: ratio(s.enqueuePerSec.median, base?.enqueuePerSec.median),
			latencyP50: ratio(s.latencyP50Ms.median, base?.latencyP50Ms.median),
		};
	}
	return summaries;
}
