// A pg-boss process for the drain: starts its instance, then on 'go' works the queue in batches with
// burstWhenBatchFull (without it the worker sleeps pollingIntervalSeconds after every fetch), until 'stop'.
import { PgBoss } from 'pg-boss';
import { serveWorker } from '../lib/procs.mjs';

const { url, queue, workOptions } = JSON.parse(process.argv[2]);
// maintenance and cron run in the cell's own instance; worker instances only work
const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false, migrate: false });
boss.on('error', (e) => process.stderr.write(`pg-boss: ${e.message}\n`));
await boss.start();

let processed = 0;
serveWorker({
	async onGo() {
		await boss.work(queue, workOptions, async (jobs) => {
			processed += jobs.length;
		});
		return undefined; // the cell sees the end in the database
	},
	async onStop() {
		await boss.stop({ graceful: true, timeout: 10_000 });
		return { processed };
	},
});
