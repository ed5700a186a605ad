// Installs an npm package into a directory of its own, once: n8n and Node binaries for the n8n harness, the
// bench's Node 22. Progress every 15 s; a killed install is redone, concurrent ones wait for each other.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NPM, runCommand } from './command.mjs';
import { acquireDirLock, releaseDirLock } from './dir-lock.mjs';

const MARKER = '.install-complete.json';
const INSTALL_TIMEOUT_MS = 30 * 60_000;
const PROGRESS_EVERY_MS = 15_000;

/**
 * The Node binary of `version` (the platform package node-<platform>-<arch>, which the npm package `node` would
 * fetch in a preinstall script that ignore-scripts skips), installed into `dir` once.
 * @param {{ version: string, dir: string, log: (line: string) => void }} options
 * @returns {Promise<string>} the binary's path
 */
export async function ensureNodeBinary({ version, dir, log }) {
	const pkg = `node-${process.platform}-${process.arch}`;
	await installOnce({ dir, spec: `${pkg}@${version}`, what: `Node ${version}`, log });
	const bin = join(dir, 'node_modules', pkg, 'bin', 'node');
	if (!existsSync(bin)) throw new Error(`Node binary missing at ${bin}; delete ${dir} and retry`);
	return bin;
}

/**
 * Installs `spec` into prefix `dir` unless its marker file says a previous install finished.
 * A dir without marker (killed install) is wiped and reinstalled. Safe to call concurrently from several
 * processes (a lock directory serialises installs).
 * @param {{ dir: string, spec: string, overrides?: Record<string, string>, what: string, log: (line: string) => void }} args
 *   overrides: npm `overrides` for the install (a dependency pinned to a version from the registry)
 */
export async function installOnce({ dir, spec, overrides, what, log }) {
	const marker = join(dir, MARKER);
	const installed = { spec, overrides };
	if (await markerMatches(marker, installed)) return;
	const lock = `${dir}.lock`;
	const owned = await acquireDirLock(lock, {
		done: () => markerMatches(marker, installed),
		timeoutMs: INSTALL_TIMEOUT_MS,
		onWait: (pid) => log(`[install] waiting for process ${pid} installing into ${dir}`),
	});
	if (!owned) return;
	try {
		if (await markerMatches(marker, installed)) return; // another process finished while we waited
		if (existsSync(dir)) {
			log(`[install] removing incomplete install in ${dir}`);
			await rm(dir, { recursive: true, force: true });
		}
		await mkdir(dir, { recursive: true });
		// a private package.json so npm treats dir as its own project (and no parent .npmrc/workspace leaks in)
		await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'n8n-jobs-harness-cache', private: true, overrides }, null, 2));
		log(`[install] installing ${what} into ${dir}`);
		const started = Date.now();
		await npmInstallWithProgress({ dir, spec, log, started });
		const seconds = Math.round((Date.now() - started) / 1000);
		await writeFile(marker, JSON.stringify({ spec, overrides, installedAt: new Date().toISOString(), seconds }, null, 2));
		log(`[install] installed ${spec} in ${fmtElapsed(Date.now() - started)} (${await dirSize(dir)})`);
	} finally {
		await releaseDirLock(lock);
	}
}

/** @returns {Promise<boolean>} */
async function markerMatches(marker, { spec, overrides }) {
	try {
		const done = JSON.parse(await readFile(marker, 'utf8'));
		return done.spec === spec && JSON.stringify(done.overrides) === JSON.stringify(overrides);
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
		log(`[install] ${spec}: ${fmtElapsed(Date.now() - started)} elapsed, ${counts}, ${await dirSize(dir)} written`);
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
