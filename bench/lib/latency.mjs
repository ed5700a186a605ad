// Add-to-start latency: enqueue one job, wait until a worker starts it, repeat sequentially.
// The worker side calls probe.started(id) from inside its handler; the time is taken there.

export function latencyProbe() {
	const pending = new Map();
	return {
		/** Called by the worker when job `id` starts. */
		started(id) {
			const waiter = pending.get(id);
			if (waiter) {
				pending.delete(id);
				waiter(performance.now());
			}
		},
		/**
		 * Runs `warmup` unrecorded then `samples` recorded rounds of `await enqueueOne(id)` + wait for start.
		 * Returns the recorded latencies in ms.
		 */
		async run(samples, enqueueOne, { warmup = 20, timeoutMs = 10_000 } = {}) {
			const out = [];
			for (let id = 0; id < warmup + samples; id++) {
				let timer;
				const startedAt = new Promise((resolve, reject) => {
					pending.set(id, resolve);
					timer = setTimeout(() => reject(new Error(`job ${id} did not start within ${timeoutMs} ms`)), timeoutMs);
				});
				const t0 = performance.now();
				await enqueueOne(id);
				const t1 = await startedAt.finally(() => clearTimeout(timer));
				if (id >= warmup) out.push(t1 - t0);
			}
			return out;
		},
	};
}
