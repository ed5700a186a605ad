#!/usr/bin/env node
// A/B of SQL changes to mcp_jobs (not part of `npm run bench`): the ours-pg cell's enqueue + drain with the
// migrations of two revisions, interleaved, in fresh databases on one embedded Postgres. Besides wall-clock
// jobs/s it reports the CPU the database spent per job: the CPU time (bench/lib/cpu.mjs) of the backends of the
// enqueue and worker connections. That number hardly moves when other processes load the machine, where wall-clock
// throughput on 2 shared cores does by ±30 %.
//   node bench/ab-ours.mjs --base <git revision, or a dir of migrations/*.sql> [--current <the same>, default
//                          the working tree's migrations/] [--jobs 20000] [--repeats 5] [--claims 1,10,100] [--workers 8]
//                          [--group-keys N --group-max-running M]  (jobs spread over N group keys, the queue limited
//                          to M running per key)
// Linux only (/proc). Writes bench/results/ab-<timestamp>.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmbeddedPostgres } from '../scripts/lib/postgres.mjs';
import { cpuMicros } from './lib/cpu.mjs';
import { BENCH_DIR, REPO_DIR } from './lib/deps.mjs';
import { setBenchLimits } from './cells/ours-pg.mjs';
import { withOursWorkload } from './lib/ours-standalone.mjs';
import { summarize } from './lib/stats.mjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
if (!opt('--base')) {
	console.error(
		'usage: node bench/ab-ours.mjs --base <revision or dir> [--current <revision or dir>] [--jobs N] [--repeats N] ' +
			'[--claims 1,10,100] [--workers N]',
	);
	process.exit(2);
}
const JOBS = Number(opt('--jobs', 20000));
const REPEATS = Number(opt('--repeats', 5));
const CLAIMS = opt('--claims', '1,10,100').split(',').map(Number);
const WORKERS = Number(opt('--workers', 8));
const GROUP_KEYS = Number(opt('--group-keys', 0));
const GROUP_MAX_RUNNING = opt('--group-max-running') ? Number(opt('--group-max-running')) : null;

/** A directory of migrations: `spec` itself when it is one, else the migrations/ of git revision `spec`, unpacked into `tmp`. */
function migrationsOf(spec, tmp) {
	if (existsSync(spec) && statSync(spec).isDirectory()) return resolve(spec);
	const dir = join(tmp, spec.replace(/[^\w.-]/g, '_'));
	let tar;
	try {
		tar = execFileSync('git', ['archive', '--format=tar', spec, 'migrations'], { cwd: REPO_DIR, maxBuffer: 64 * 2 ** 20, stdio: 'pipe' });
	} catch {
		throw new Error(`${spec} is neither a directory nor a git revision of this repository`);
	}
	mkdirSync(dir, { recursive: true });
	execFileSync('tar', ['-x', '-C', dir], { input: tar });
	return join(dir, 'migrations');
}

/** Jobs/s of `fn` over JOBS jobs, and the database CPU per job it cost on the backends of `drivers`. */
async function measured(drivers, fn) {
	const cpu = () => drivers.reduce((sum, d) => sum + cpuMicros(d.backendPid), 0);
	const cpu0 = cpu();
	const t0 = performance.now();
	await fn();
	return { perSec: JOBS / ((performance.now() - t0) / 1000), cpuUsPerJob: (cpu() - cpu0) / JOBS };
}

async function run(serverUrl, migrationsDir, claim, database) {
	const prepare = GROUP_MAX_RUNNING ? (db) => setBenchLimits(db.client, { p_group_max_running: GROUP_MAX_RUNNING }) : undefined;
	const options = { workers: WORKERS, claimBatch: claim, groupKeys: GROUP_KEYS, migrationsDir, prepare };
	return withOursWorkload(serverUrl, database, options, async ({ work, drivers }) => {
		const loops = [...drivers].filter(([key]) => key !== 'enqueuer').map(([, driver]) => driver);
		const enqueue = await measured([drivers.get('enqueuer')], () => work.enqueue(JOBS));
		const drain = await measured(loops, () => work.drain());
		await work.verify(JOBS);
		return { enqueue, drain, load: loadavg()[0] };
	});
}

const tmp = await mkdtemp(join(tmpdir(), 'ab-ours-'));
let VARIANTS;
try {
	VARIANTS = {
		base: migrationsOf(opt('--base'), tmp),
		current: opt('--current') ? migrationsOf(opt('--current'), tmp) : join(REPO_DIR, 'migrations'),
	};
} catch (error) {
	await rm(tmp, { recursive: true, force: true });
	console.error(error.message);
	process.exit(2);
}
const server = await startEmbeddedPostgres({ fast: false });
try {
	const runs = [];
	for (let r = 0; r < REPEATS; r++) {
		for (const claim of CLAIMS) {
			// alternate which variant goes first
			const names = r % 2 ? ['current', 'base'] : ['base', 'current'];
			for (const name of names) {
				const result = await run(server.url, VARIANTS[name], claim, `ab_${name}_${claim}`);
				runs.push({ variant: name, claim, repeat: r, ...result });
				process.stderr.write(
					`${name} claim ${claim}: drain ${Math.round(result.drain.perSec)}/s, ` +
						`${Math.round(result.drain.cpuUsPerJob)} µs db CPU/job; enqueue ${Math.round(result.enqueue.perSec)}/s, ` +
						`${Math.round(result.enqueue.cpuUsPerJob)} µs/job (load ${result.load.toFixed(1)})\n`,
				);
			}
		}
	}
	const rows = [];
	for (const claim of CLAIMS) {
		for (const name of Object.keys(VARIANTS)) {
			const rs = runs.filter((x) => x.variant === name && x.claim === claim);
			const m = (f) => summarize(rs.map(f));
			rows.push({
				claim,
				variant: name,
				drainPerSec: m((x) => x.drain.perSec),
				drainCpuUsPerJob: m((x) => x.drain.cpuUsPerJob),
				enqueuePerSec: m((x) => x.enqueue.perSec),
				enqueueCpuUsPerJob: m((x) => x.enqueue.cpuUsPerJob),
			});
		}
	}
	const f = (s) => `${Math.round(s.median)} (${Math.round(s.min)}–${Math.round(s.max)})`;
	console.log(
		'| claim | variant | drain jobs/s | drain DB CPU µs/job | enqueue jobs/s | enqueue DB CPU µs/job |\n|---|---|---|---|---|---|',
	);
	for (const r of rows) {
		console.log(
			`| ${r.claim} | ${r.variant} | ${f(r.drainPerSec)} | ${f(r.drainCpuUsPerJob)} | ${f(r.enqueuePerSec)} | ${f(r.enqueueCpuUsPerJob)} |`,
		);
	}
	const groups = { keys: GROUP_KEYS, maxRunning: GROUP_MAX_RUNNING };
	await mkdir(join(BENCH_DIR, 'results'), { recursive: true });
	const file = join(BENCH_DIR, 'results', `ab-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
	await writeFile(
		file,
		`${JSON.stringify({ variants: VARIANTS, jobs: JOBS, workers: WORKERS, groups, repeats: REPEATS, rows, runs }, null, '\t')}\n`,
	);
	console.log(`wrote ${file}`);
} finally {
	await server.stop();
	await rm(tmp, { recursive: true, force: true });
}
