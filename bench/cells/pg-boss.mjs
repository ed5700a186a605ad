// Cell: pg-boss 12 through its public API. Enqueue with insert() in batches of 1000; drain with 2 processes x
// localConcurrency 4, batchSize 100 + burstWhenBatchFull (its default polling caps throughput by design);
// the drain ends when the database shows every job completed. Latency with useListenNotify and a notify queue.
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { startWorkers } from '../lib/procs.mjs';
import { latencyProbe } from '../lib/latency.mjs';

const PROC = fileURLToPath(new URL('./pg-boss-proc.mjs', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function createCell({ batchSize = 100, processes = 2, localConcurrency = 4, enqueueBatch = 1000 }) {
	const workOptions = { batchSize, localConcurrency, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true };
	const config = { processes, enqueueBatch, workOptions, drainEndPollMs: 10 };
	let url;
	let boss;
	let latBoss;
	let workers;
	let watcher;

	return {
		config,
		async setup(ctx) {
			url = ctx.url;
			boss = new PgBoss({ connectionString: url });
			boss.on('error', (e) => ctx.log(`pg-boss: ${e.message}`));
			await boss.start();
			await boss.createQueue('bench');
			workers = await startWorkers(PROC, processes, { url, queue: 'bench', workOptions });
			watcher = new pg.Client({ connectionString: url });
			await watcher.connect();
		},

		async enqueue(n) {
			for (let start = 0; start < n; start += enqueueBatch) {
				const jobs = [];
				for (let i = start; i < Math.min(n, start + enqueueBatch); i++) jobs.push({ data: { i } });
				await boss.insert('bench', jobs);
			}
		},

		async drain() {
			const total = async () =>
				(await watcher.query("select count(*)::int as n from pgboss.job where name = 'bench' and state = 'completed'")).rows[0].n;
			const {
				rows: [{ n: expected }],
			} = await watcher.query("select count(*)::int as n from pgboss.job where name = 'bench'");
			await workers.go({ expectDone: false });
			let completed = 0;
			while ((completed = await total()) < expected) await sleep(config.drainEndPollMs);
			const stopped = await workers.stop();
			workers = null;
			return { processed: completed, detail: { perProcess: stopped.map((s) => s.processed) } };
		},

		async latency(samples) {
			const probe = latencyProbe();
			latBoss = new PgBoss({ connectionString: url, useListenNotify: true, supervise: false, schedule: false });
			await latBoss.start();
			await latBoss.createQueue('lat', { notify: true });
			await latBoss.work('lat', { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => probe.started(job.data.i));
			return probe.run(samples, (i) => latBoss.send('lat', { i }));
		},

		async teardown() {
			workers?.kill();
			await watcher?.end().catch(() => undefined);
			await latBoss?.stop({ graceful: false, timeout: 2000 }).catch(() => undefined);
			await boss?.stop({ graceful: false, timeout: 2000 }).catch(() => undefined);
		},
	};
}
