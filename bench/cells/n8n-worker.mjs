// Cell (--n8n): jobs/s through a real n8n 2.40.7 (regular mode, the harness in scripts/n8n) running a copy
// of a worker template from workflows/ with this package installed as a community package. The copy differs
// from the template only where the cell's `edits` say (e.g. the scheduled worker's interval and batch size):
// the shipped scheduled worker claims 10 jobs every 30 s, which caps it at 0.33 jobs/s by design.
// Setup (n8n start, credentials, import) is not timed; the drain is timed from activating the copy until the
// database shows every job completed. Latency (instant worker only): enqueue -> claim, from the job's own
// created_at and started_at (both the database's clock), sequentially. In queue mode (`mode: 'queue'`, `workers`)
// n8n main runs the trigger and `workers` n8n worker processes run the executions (Redis on 127.0.0.1:6379).
// During the drain the resident memory (RSS) of n8n main is read every second and its V8 heap in use every 10 s
// (n8n's /metrics): the drain's detail has them.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { dropDatabase } from '../../scripts/lib/databases.mjs';
import { JOBS_CREDENTIAL, jobsCredentialData, startLocalStack } from '../../scripts/n8n/local-stack.mjs';
import { upsertCredential } from '../../scripts/n8n/provision.mjs';
import { BENCH_DIR, REPO_DIR } from '../lib/deps.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function createCell({ template, edits = {}, maxJobs, jobs, latencySamples = 0, describe, mode = 'regular', workers, n8nEnv = {} }) {
	const n8nMode = mode === 'queue' ? `queue mode, main + ${workers} workers` : 'regular mode';
	const settings = Object.entries(n8nEnv)
		.map(([name, value]) => `, ${name}=${value}`)
		.join('');
	const config = { template, edits, n8n: `${n8nMode}, executions saved (n8n defaults)${settings}`, describe };
	let url;
	let pool;
	let stack;
	let stateDir;
	let workflowId;
	// n8n's own tables: a database per run, dropped after it (a left-over one holds another run's owner and keys)
	let n8nDatabaseName;

	async function completed() {
		const {
			rows: [{ n }],
		} = await pool.query("select count(*)::int as n from mcp_jobs.jobs where queue = 'default' and status = 'completed'");
		return n;
	}

	const cell = {
		config,
		maxJobs,
		jobs,
		maxSamples: latencySamples,
		async setup(ctx) {
			url = ctx.url;
			pool = new pg.Pool({ connectionString: url, max: 2 });
			pool.on('error', () => undefined);
			stateDir = await mkdtemp(join(BENCH_DIR, '.cache', 'n8n-state-'));
			const t0 = performance.now();
			// nothing activated: the cell activates its own copy when the drain starts
			n8nDatabaseName = `${new URL(url).pathname.slice(1)}_n8n`;
			stack = await startLocalStack({
				stateDir,
				databaseUrl: url,
				n8nDatabaseName,
				activate: [],
				mode,
				workers,
				// /metrics, for the V8 heap in use (see memorySampler)
				n8nEnv: { N8N_METRICS: 'true', ...n8nEnv },
				log: (l) => ctx.log(l),
			});
			config.startupSeconds = Math.round((performance.now() - t0) / 100) / 10;
			const credential = await upsertCredential(stack.api, { ...JOBS_CREDENTIAL, data: jobsCredentialData(url) });
			const workflow = JSON.parse(await readFile(join(REPO_DIR, 'workflows', template), 'utf8'));
			workflow.name = `bench: ${workflow.name}`;
			for (const node of workflow.nodes) Object.assign(node.parameters, edits[node.name] ?? {});
			workflowId = await stack.api.importWorkflow(workflow, { credentials: { [JOBS_CREDENTIAL.type]: credential } });
		},

		async enqueue(n) {
			for (let start = 0; start < n; start += 1000) {
				const jobs = Array.from({ length: Math.min(1000, n - start) }, (_, k) => ({
					source: 'bench',
					job_type: 'example',
					payload: { i: start + k },
				}));
				await pool.query('select 1 from mcp_jobs.enqueue_jobs($1::jsonb)', [JSON.stringify(jobs)]);
			}
		},

		async drain() {
			const {
				rows: [{ n: expected }],
			} = await pool.query("select count(*)::int as n from mcp_jobs.jobs where queue = 'default'");
			const memory = memorySampler(stack.n8n.pids.main, `${stack.n8n.baseUrl}/metrics`);
			await stack.api.activateWorkflow(workflowId);
			let last = -1;
			let lastChange = performance.now();
			try {
				for (;;) {
					const n = await completed();
					if (n === expected) break;
					if (n !== last) [last, lastChange] = [n, performance.now()];
					if (performance.now() - lastChange > 120_000)
						throw new Error(`n8n completed ${n} of ${expected} jobs, none in the last 2 minutes`);
					await sleep(100);
				}
			} finally {
				memory.stop();
			}
			const {
				rows: [s],
			} = await pool.query(`select count(*)::int as failed_runs from mcp_jobs.job_runs where status <> 'completed'`);
			return { processed: expected, detail: { ...s, mainRssMb: memory.summary() } };
		},

		async teardown() {
			await stack?.stop();
			await pool?.end();
			if (n8nDatabaseName) await dropDatabase(url, n8nDatabaseName);
			if (stateDir) await rm(stateDir, { recursive: true, force: true });
		},
	};
	if (latencySamples > 0) {
		// the copy is active after the drain; each job is claimed by the trigger and its id read back
		cell.latency = async (samples) => {
			const out = [];
			for (let i = 0; i < samples + 3; i++) {
				const {
					rows: [{ id }],
				} = await pool.query(`select id from mcp_jobs.enqueue_jobs($1::jsonb)`, [
					JSON.stringify([{ source: 'bench', job_type: 'example', payload: { lat: i } }]),
				]);
				for (let k = 0; ; k++) {
					const {
						rows: [j],
					} = await pool.query(
						'select extract(epoch from (started_at - created_at)) * 1000 as ms, status from mcp_jobs.jobs where id = $1',
						[id],
					);
					if (j.status === 'completed') {
						if (i >= 3) out.push(Number(j.ms));
						break;
					}
					if (k > 600) throw new Error(`job ${id} not completed within 30 s`);
					await sleep(50);
				}
			}
			return out;
		};
	}
	return cell;
}

/**
 * Reads the resident memory of process `pid` every second until stop(), and every 10 s the V8 heap in use that n8n
 * reports on /metrics (N8N_METRICS). summary(): RSS in MB at the start, peak and end, and every 10 s
 * [seconds, RSS MB, heap used MB].
 */
function memorySampler(pid, metricsUrl) {
	const t0 = performance.now();
	const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
	const heapUsed = async () => {
		// NaN when n8n does not answer (a sample is not worth failing the run for)
		const text = await fetch(metricsUrl)
			.then((response) => response.text())
			.catch(() => '');
		return Number(/^\w*nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? NaN) / 2 ** 20;
	};
	const atStart = rss();
	let [peak, last] = [atStart, atStart];
	const sample = () => {
		last = rss();
		peak = Math.max(peak, last);
	};
	const series = [];
	let tick = 0;
	const timer = setInterval(async () => {
		sample();
		if (tick++ % 10 === 0) series.push([Math.round((performance.now() - t0) / 1000), Math.round(last), Math.round(await heapUsed())]);
	}, 1000);
	return {
		stop() {
			clearInterval(timer);
			sample();
		},
		summary: () => ({ atStart: Math.round(atStart), peak: Math.round(peak), atEnd: Math.round(last), series }),
	};
}
