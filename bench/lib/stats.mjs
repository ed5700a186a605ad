// Small statistics helpers: quantiles of latency samples, median and spread over repeats.

/** Linear-interpolated quantile (q in [0,1]) of numbers; null for an empty list. */
function quantile(values, q) {
	const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
	if (xs.length === 0) return null;
	const pos = (xs.length - 1) * q;
	const lo = Math.floor(pos);
	const hi = Math.ceil(pos);
	return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

export const median = (values) => quantile(values, 0.5);

/** { median, min, max, n } of the finite numbers in values (null fields when there are none). */
export function summarize(values) {
	const xs = values.filter((v) => Number.isFinite(v));
	if (xs.length === 0) return { median: null, min: null, max: null, n: 0 };
	return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** p50/p90/p99/max/mean of latency samples in ms. */
export function latencySummary(samples) {
	if (!samples || samples.length === 0) return null;
	const mean = samples.reduce((s, v) => s + v, 0) / samples.length;
	return {
		n: samples.length,
		p50: quantile(samples, 0.5),
		p90: quantile(samples, 0.9),
		p99: quantile(samples, 0.99),
		max: Math.max(...samples),
		mean,
	};
}
