// The cells: one system + configuration each. A cell module exports createCell(options) returning
//   { config, setup({url, jobs, log}), enqueue(n), drain() -> {processed, detail?}, verify?(n),
//     latency(samples) -> ms[], maxSamples?, maxJobs?, jobs? (a fixed count, whatever BENCH_JOBS says), teardown() }
// (no drain: a latency-only cell). run.mjs runs every selected cell in a fresh database, in a child process
// under Node 22. `needs`: what run.mjs prepares first ('dist' = the built nodes, 'ts' = compiled test support).
// `optIn`: runs only when named with --cells or its flag (--n8n; --n8n-memory: 200,000 jobs through n8n, ~5 min each;
// --loops: the ours-pg claim cells with 2 and 4 worker loops).

export const BASELINE = 'graphile-batched';

/** A cell of n8n-worker.mjs (a template from workflows/ in a real n8n), run with --n8n unless `optIn` says otherwise. */
function n8nCell(name, system, options, optIn = '--n8n') {
	return { name, system, module: './n8n-worker.mjs', needs: ['dist'], optIn, options };
}
const INSTANT_WORKER = { template: 'instant-worker.json', maxJobs: 5000 };
// a fixed count, whatever BENCH_JOBS says (the instant worker's maxJobs does not apply)
const INSTANT_WORKER_200K = { template: 'instant-worker.json', jobs: 200000 };

export const CELLS = [
	{ name: 'ours-pg-claim1', system: 'mcp_jobs over pg', module: './ours-pg.mjs', options: { claimBatch: 1 } },
	{ name: 'ours-pg-claim10', system: 'mcp_jobs over pg', module: './ours-pg.mjs', options: { claimBatch: 10 } },
	{ name: 'ours-pg-claim100', system: 'mcp_jobs over pg', module: './ours-pg.mjs', options: { claimBatch: 100 } },
	{
		name: 'ours-pg-claim100-group1',
		system: 'mcp_jobs over pg, group_max_running 1 over 1,000 keys',
		module: './ours-pg.mjs',
		options: { claimBatch: 100, groupKeys: 1000, limits: { p_group_max_running: 1 } },
	},
	{
		name: 'ours-pg-claim100-max-running',
		system: 'mcp_jobs over pg, max_running 800 (never reached: the cost of a limited queue)',
		module: './ours-pg.mjs',
		options: { claimBatch: 100, limits: { p_max_running: 800 } },
	},
	{
		name: 'ours-rpc-claim10',
		system: 'mcp_jobs via RPC client + gateway',
		module: './ours-rpc.mjs',
		options: { claimBatch: 10 },
		needs: ['dist', 'ts'],
	},
	{
		name: 'ours-rpc-claim100',
		system: 'mcp_jobs via RPC client + gateway',
		module: './ours-rpc.mjs',
		options: { claimBatch: 100 },
		needs: ['dist', 'ts'],
	},
	// the claim cells with fewer worker loops (--loops): on a 2-core machine 8 loops of one process contend for it
	...[2, 4].flatMap((workers) =>
		[10, 100].map((claimBatch) => ({
			name: `ours-pg-claim${claimBatch}-loops${workers}`,
			system: 'mcp_jobs over pg',
			module: './ours-pg.mjs',
			options: { claimBatch, workers },
			optIn: '--loops',
		})),
	),
	{ name: 'graphile-batched', system: 'graphile-worker 0.18.0', module: './graphile-worker.mjs', options: { batched: true } },
	{ name: 'graphile-unbatched', system: 'graphile-worker 0.18.0', module: './graphile-worker.mjs', options: { batched: false } },
	{ name: 'pgboss-batch100', system: 'pg-boss 12.38.0', module: './pg-boss.mjs', options: { batchSize: 100 } },
	{
		name: 'trigger-listen',
		system: 'Job Trigger node (mcp_jobs)',
		module: './job-trigger.mjs',
		options: { listen: true, pollIntervalSeconds: 5, maxJobs: 5000 },
		needs: ['dist', 'ts'],
	},
	{
		name: 'trigger-listen-batch100',
		system: 'Job Trigger node (mcp_jobs)',
		module: './job-trigger.mjs',
		options: { listen: true, pollIntervalSeconds: 5, jobsPerExecution: 100 },
		needs: ['dist', 'ts'],
	},
	{
		name: 'trigger-poll-1s',
		system: 'Job Trigger node (mcp_jobs)',
		module: './job-trigger.mjs',
		options: { listen: false, pollIntervalSeconds: 1, drain: false, maxSamples: 40, warmup: 2 },
		needs: ['dist', 'ts'],
	},
	n8nCell('n8n-scheduled-worker', 'n8n 2.40.7: scheduled-worker.json', {
		template: 'scheduled-worker.json',
		maxJobs: 10000,
		edits: { 'Every 30 Seconds': { rule: { interval: [{ field: 'seconds', secondsInterval: 1 }] } }, 'Claim Job': { batchSize: 1000 } },
		describe: 'template with schedule every 1 s (not 30 s) and Batch Size 1000 (not 10)',
	}),
	n8nCell('n8n-instant-worker', 'n8n 2.40.7: instant-worker.json', {
		...INSTANT_WORKER,
		latencySamples: 50,
		describe: 'template as shipped: Job Trigger, 100 jobs per execution, max 5 concurrent executions',
	}),
	n8nCell('n8n-instant-worker-queue-mode', 'n8n 2.40.7 queue mode: instant-worker.json', {
		...INSTANT_WORKER,
		mode: 'queue',
		workers: 2,
		describe: 'template as shipped; n8n main runs the Job Trigger, 2 n8n workers run the executions (Redis)',
	}),
	n8nCell(
		'n8n-instant-worker-200k',
		'n8n 2.40.7: instant-worker.json, 200,000 jobs',
		{
			...INSTANT_WORKER_200K,
			describe: "template as shipped, regular mode; n8n main's memory (RSS) read every second while it drains",
		},
		'--n8n-memory',
	),
	n8nCell(
		'n8n-instant-worker-200k-heap512',
		'n8n 2.40.7: instant-worker.json, 200,000 jobs, V8 old space capped at 512 MB',
		{
			...INSTANT_WORKER_200K,
			n8nEnv: { NODE_OPTIONS: '--max-old-space-size=512' },
			describe: "the same with n8n's heap capped (NODE_OPTIONS=--max-old-space-size=512), as in a memory-limited container",
		},
		'--n8n-memory',
	),
];

export async function loadCell(name) {
	const entry = CELLS.find((c) => c.name === name);
	if (!entry) throw new Error(`unknown cell ${name}`);
	const { createCell } = await import(entry.module);
	return createCell(entry.options);
}
