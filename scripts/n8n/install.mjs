// Installs a pinned n8n and a Node binary it runs on into a per-user cache (once), for the local run and e2e tests.
// Plain ESM, runs on the project's Node; n8n itself is later spawned with the returned nodeBin.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureNodeBinary, installOnce } from '../lib/npm-install.mjs';

/** n8n version `npm start` and most e2e tests use (2.41.3 failed to install on this machine). */
export const DEFAULT_N8N_VERSION = '2.40.7';
/** The newest n8n 1.x, which the e2e tests also drive. */
export const N8N_1_VERSION = '1.123.81';

/**
 * What each n8n major needs here.
 * - runsOn: the Node majors it runs on (the running Node is used when it is one of them, else `nodeVersion` is
 *   fetched from the npm registry): n8n >= 2.36 declares Node >= 24; n8n 1.x runs its expressions in isolated-vm,
 *   whose prebuilt binaries exist for Node 22 and 24 (the install skips build scripts, so no other Node works).
 * - overrides: npm overrides for the install: n8n-nodes-base 1.x pins xlsx to a tarball on a CDN (not the registry).
 * - size: rough size of the install, for the progress line.
 * @type {Record<number, { runsOn: (nodeMajor: number) => boolean, nodeVersion: string, overrides?: Record<string, string>, size: string }>}
 */
const N8N_MAJORS = {
	1: { runsOn: (m) => m === 22 || m === 24, nodeVersion: '22.23.3', overrides: { xlsx: '0.18.5' }, size: '~2.2 GB' },
	2: { runsOn: (m) => m >= 24, nodeVersion: '24.15.0', size: '~2.8 GB' },
};

/**
 * @typedef {object} N8nInstall
 * @property {string} nodeBin  absolute path of the Node executable n8n runs on
 * @property {string} n8nBin   absolute path of n8n's bin script (`node_modules/n8n/bin/n8n`), run as `nodeBin n8nBin start`
 * @property {string} version  n8n version
 * @property {number} major    n8n's major version (1 or 2): the harness speaks to each a little differently
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
 * Makes sure n8n `version` and a Node it runs on are installed in the cache, installing what is missing.
 * Safe to call concurrently from several processes (a lock directory serialises installs).
 * @param {{ version?: string, log?: (line: string) => void }} [options]
 * @returns {Promise<N8nInstall>}
 */
export async function ensureN8n({ version = DEFAULT_N8N_VERSION, log = defaultLog } = {}) {
	const major = Number(version.split('.')[0]);
	const needs = N8N_MAJORS[major];
	if (!needs) throw new Error(`n8n ${version}: the harness knows n8n ${Object.keys(N8N_MAJORS).join('.x and ')}.x only`);
	const root = join(cacheRoot(), `n8n-${version}`);
	await mkdir(root, { recursive: true });

	let nodeBin = process.execPath;
	let nodeVersion = process.versions.node;
	if (!needs.runsOn(Number(nodeVersion.split('.')[0]))) {
		nodeVersion = needs.nodeVersion;
		nodeBin = await ensureNodeBinary({ version: nodeVersion, dir: join(root, `node-${nodeVersion}`), log });
	}

	const n8nDir = join(root, 'n8n');
	const what = `n8n ${version} (${needs.size}, several minutes)`;
	await installOnce({ dir: n8nDir, spec: `n8n@${version}`, overrides: needs.overrides, what, log });
	const n8nBin = join(n8nDir, 'node_modules', 'n8n', 'bin', 'n8n');
	if (!existsSync(n8nBin)) throw new Error(`n8n bin missing at ${n8nBin}; delete ${n8nDir} and retry`);
	const installed = JSON.parse(await readFile(join(n8nDir, 'node_modules', 'n8n', 'package.json'), 'utf8')).version;
	if (installed !== version) throw new Error(`expected n8n ${version} in ${n8nDir}, found ${installed}; delete the dir and retry`);

	return { nodeBin, n8nBin, version, major, n8nDir, nodeVersion };
}

/** Loads one of n8n's own dependencies (bcryptjs, ioredis) from the install, as n8n itself would. */
export function requireFromN8n(install, id) {
	return createRequire(join(install.n8nDir, 'node_modules', 'n8n', 'package.json'))(id);
}

function defaultLog(line) {
	console.log(line);
}

// `node scripts/n8n/install.mjs [version]` installs (or verifies) the cache and prints the paths.
if (import.meta.url === `file://${process.argv[1]}`) {
	const result = await ensureN8n({ version: process.argv[2] || DEFAULT_N8N_VERSION });
	console.log(JSON.stringify(result, null, 2));
}
