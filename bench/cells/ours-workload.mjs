// The mcp_jobs workload, whatever carries the calls (plain pg, or the nodes' RPC client over HTTP):
// enqueue with enqueue_jobs in batches; drain with W worker loops, each claim_next_job(p_limit = claimBatch)
// then one complete_jobs for the claimed batch, until a claim returns nothing; latency with a LISTEN
// connection on mcp_jobs_new_job that claims (and completes) on every notification.
// A driver is { enqueueJobs(jobs), claim(workerId, queue, limit), completeJobs(items), enqueueOne(job) }:
// one per worker loop (`makeDriver(k)`), so each loop has its own connection where that matters.
import pg from 'pg';
import { latencyProbe } from '../lib/latency.mjs';

export const QUEUE = 'bench';

/** `count` trivial jobs for queue `queue` (default the workload's), payloads {i: start …}; with `groupKeys`, job i's
 * group key is k<i mod groupKeys>. */
export function benchJobs(count, { start = 0, queue = QUEUE, jobType = 'noop', groupKeys = 0 } = {}) {
	return Array.from({ length: count }, (_, k) => ({
		queue,
		source: 'bench',
		job_type: jobType,
		payload: { i: start + k },
		...(groupKeys ? { group_key: `k${(start + k) % groupKeys}` } : {}),
	}));
}

export function oursWorkload({ claimBatch, workers, enqueueBatch, makeDriver, databaseUrl, groupKeys = 0 }) {
	let enqueuer;
	let loops;
	let listener;

	async function workerLoop(driver, workerId) {
		let processed = 0;
		for (;;) {
			const jobs = await driver.claim(workerId, QUEUE, claimBatch);
			if (jobs.length === 0) return processed; // drained (rows other loops hold are skipped)
			// the job itself is trivial: nothing to do
			const results = await driver.completeJobs(jobs.map((j) => ({ job_id: j.id, worker_id: workerId })));
			processed += results.filter((r) => r.ok).length;
		}
	}

	return {
		async setup() {
			enqueuer = await makeDriver('enqueuer');
			loops = await Promise.all(Array.from({ length: workers }, (_, k) => makeDriver(k)));
		},

		async enqueue(n) {
			for (let start = 0; start < n; start += enqueueBatch) {
				await enqueuer.enqueueJobs(benchJobs(Math.min(enqueueBatch, n - start), { start, groupKeys }));
			}
		},

		async drain() {
			const counts = await Promise.all(loops.map((d, k) => workerLoop(d, `bench-w${k}`)));
			return { processed: counts.reduce((s, c) => s + c, 0), detail: { perWorker: counts } };
		},

		/** Checks in the database (not drain()'s own count) that every enqueued job was completed. */
		async verify(expected) {
			const c = new pg.Client({ connectionString: databaseUrl });
			await c.connect();
			try {
				const {
					rows: [row],
				} = await c.query('select count(*)::int as n from mcp_jobs.jobs where queue = $1 and status = $2', [QUEUE, 'completed']);
				if (row.n !== expected) throw new Error(`${row.n} of ${expected} jobs completed in the database`);
			} finally {
				await c.end();
			}
		},

		async latency(samples) {
			const probe = latencyProbe();
			const claimer = loops[0];
			let wanted = false;
			let running = null;
			const claimAll = async () => {
				while (wanted) {
					wanted = false;
					for (;;) {
						const [job] = await claimer.claim('lat-worker', 'lat', 1);
						if (!job) break;
						probe.started(job.payload.i);
						await claimer.completeJobs([{ job_id: job.id, worker_id: 'lat-worker' }]);
					}
				}
				running = null;
			};
			// wake-ups always come over a database connection (as the Job Trigger's LISTEN does)
			listener = new pg.Client({ connectionString: databaseUrl });
			await listener.connect();
			listener.on('notification', () => {
				wanted = true;
				running ??= claimAll();
			});
			await listener.query('listen mcp_jobs_new_job');
			const latencies = await probe.run(samples, (i) =>
				enqueuer.enqueueOne({ queue: 'lat', source: 'bench', job_type: 'noop', payload: { i } }),
			);
			await running;
			return latencies;
		},

		async teardown() {
			await listener?.end().catch(() => undefined);
			await Promise.all([enqueuer, ...(loops ?? [])].filter(Boolean).map((d) => d.close?.()));
		},
	};
}

/**
 * A bench cell (see index.mjs) that runs this workload: `connect(url)` prepares the database and returns how to
 * make a driver, and what to stop after the run besides the drivers.
 * @param {object} config  the cell's configuration, as recorded with the results
 * @param {{ claimBatch: number, workers: number, enqueueBatch: number, groupKeys?: number }} options
 * @param {(url: string) => Promise<{ makeDriver: (key: string|number) => Promise<object>, stop?: () => Promise<void> }>} connect
 */
export function oursCell(config, { claimBatch, workers, enqueueBatch, groupKeys }, connect) {
	let work;
	let stop;
	return {
		config,
		async setup({ url }) {
			const connected = await connect(url);
			stop = connected.stop;
			work = oursWorkload({ claimBatch, workers, enqueueBatch, groupKeys, databaseUrl: url, makeDriver: connected.makeDriver });
			await work.setup();
		},
		enqueue: (n) => work.enqueue(n),
		drain: () => work.drain(),
		verify: (expected) => work.verify(expected),
		latency: (samples) => work.latency(samples),
		async teardown() {
			await work?.teardown();
			await stop?.();
		},
	};
}
