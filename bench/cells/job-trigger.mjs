// Cell: the Job Trigger node (dist/, "Claim and Run") activated the way n8n activates it: n8n-core's
// TriggersAndPollers with a real TriggerContext, through the tests' harness (test/support/n8n/start-trigger.ts,
// compiled). Where n8n would start an execution on emit(), the cell ends it at once as a success, so the
// trigger completes the job: this measures the trigger and the queue, not n8n's executions (see the n8n cell).
//   latency: enqueue one job (enqueue_jobs over pg) -> the trigger's emit. With LISTEN, or polling only
//            (then each enqueue waits a random part of the poll interval, so arrivals fall anywhere in it).
//   drain (LISTEN cells only): N queued jobs through the trigger, Max Concurrent Executions = maxConcurrent, each
//            execution with up to jobsPerExecution jobs (its items).
import { createRequire } from 'node:module';
import pg from 'pg';
import { compiled, requireDist } from '../lib/ts-support.mjs';

const require = createRequire(import.meta.url);
const { migrate } = require('../../bin/supabase-jobs-migrate.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function createCell({
	listen = true,
	pollIntervalSeconds = 5,
	maxConcurrent = 5,
	jobsPerExecution = 1,
	drain = true,
	maxSamples,
	maxJobs,
	warmup,
}) {
	const config = {
		listen,
		pollIntervalSeconds,
		maxConcurrent,
		jobsPerExecution,
		onExecutionEnd: 'completeOrFail',
		executions: 'end at once (success)',
	};
	let url;
	let pool;
	const triggers = [];
	let harness;

	async function start(queue) {
		const { JobTrigger } = requireDist('nodes/JobTrigger/JobTrigger.node.js');
		const trigger = await harness.startTrigger(new JobTrigger(), {
			parameters: { queue, maxConcurrent, options: { listen, pollIntervalSeconds, jobsPerExecution } },
			credentials: { supabaseJobsApi: { connection: 'postgres', connectionString: url, ssl: 'disable' } },
		});
		triggers.push(trigger);
		if (listen) {
			// LISTEN is in place once its backend shows up
			for (let i = 0; ; i++) {
				const { rowCount } = await pool.query(
					"select 1 from pg_stat_activity where datname = current_database() and query ilike 'listen%'",
				);
				if (rowCount) break;
				if (i > 200) throw new Error('the Job Trigger did not LISTEN within 10 s');
				await sleep(50);
			}
		}
		return trigger;
	}

	async function stop(trigger) {
		for (const e of trigger.emitted) e.donePromise?.resolve(harness.fakeRun('success'));
		await trigger.close();
		triggers.splice(triggers.indexOf(trigger), 1);
	}

	const enqueue = (queue, count, offset = 0) =>
		pool.query('select 1 from mcp_jobs.enqueue_jobs($1::jsonb)', [
			JSON.stringify(Array.from({ length: count }, (_, k) => ({ queue, source: 'bench', job_type: 'noop', payload: { i: offset + k } }))),
		]);

	const cell = {
		config,
		maxSamples,
		maxJobs,
		async setup(ctx) {
			url = ctx.url;
			harness = require(compiled('test/support/n8n/start-trigger.ts'));
			pool = new pg.Pool({ connectionString: url, max: 4 });
			pool.on('error', () => undefined);
			await migrate({ connectionString: url });
		},

		async enqueue(n) {
			for (let start = 0; start < n; start += 1000) await enqueue('bench', Math.min(1000, n - start), start);
		},

		async latency(samples) {
			const trigger = await start('lat');
			const out = [];
			const rounds = (warmup ?? 20) + samples;
			try {
				for (let id = 0; id < rounds; id++) {
					if (!listen) await sleep(Math.random() * pollIntervalSeconds * 1000);
					const t0 = performance.now();
					await enqueue('lat', 1, id);
					const emitted = await trigger.waitForEmits(id + 1, pollIntervalSeconds * 1000 + 10_000);
					const t1 = performance.now();
					const run = emitted[id];
					if (run.data[0][0].json.payload.i !== id)
						throw new Error(`expected job ${id}, the trigger emitted ${run.data[0][0].json.payload.i}`);
					run.donePromise?.resolve(harness.fakeRun('success'));
					if (id >= rounds - samples) out.push(t1 - t0);
				}
			} finally {
				await stop(trigger);
			}
			return out;
		},

		async teardown() {
			for (const t of [...triggers]) await stop(t).catch(() => undefined);
			await requireDist('nodes/shared/transport/postgresTransport.js').closeAllPools();
			await pool?.end();
		},
	};
	if (drain) {
		let drainTrigger;
		// timed from activation (its first poll claims at once) until the database shows every job completed
		cell.drain = async () => {
			const trigger = await start('bench');
			drainTrigger = trigger;
			const {
				rows: [{ n: expected }],
			} = await pool.query("select count(*)::int as n from mcp_jobs.jobs where queue = 'bench'");
			// each execution ends as soon as it starts
			for (let k = 0, started = 0; started < expected; k++) {
				const emitted = await trigger.waitForEmits(k + 1, 30_000);
				emitted[k].donePromise?.resolve(harness.fakeRun('success'));
				started += emitted[k].data[0].length;
			}
			// the trigger completes each job after its execution ended: wait for the last ones
			for (;;) {
				const {
					rows: [{ n }],
				} = await pool.query("select count(*)::int as n from mcp_jobs.jobs where queue = 'bench' and status = 'completed'");
				if (n === expected) break;
				await sleep(10);
			}
			return { processed: expected };
		};
		cell.verify = () => stop(drainTrigger);
	}
	return cell;
}
