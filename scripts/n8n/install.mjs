// Installs a pinned n8n and a Node >= 24 binary into a per-user cache (once), for the local run and e2e tests.
// Plain ESM, runs on the project's Node 20; n8n itself is later spawned with the returned nodeBin.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensureNodeBinary, installOnce } from '../lib/npm-install.mjs';

/** n8n version the harness is pinned to (2.41.3 failed to install on this machine). */
const DEFAULT_N8N_VERSION = '2.40.7';
/** Node 24 release used when the running Node is older than 24. */
const DEFAULT_NODE_VERSION = '24.15.0';
/** Minimum Node major n8n >= 2.36 declares in engines.node. */
const REQUIRED_NODE_MAJOR = 24;

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
		nodeBin = await ensureNodeBinary({ version: nodeVersion, dir: join(root, `node-${nodeVersion}`), log });
		resolvedNodeVersion = nodeVersion;
	}

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

function defaultLog(line) {
	console.log(line);
}

// `node scripts/n8n/install.mjs [version]` installs (or verifies) the cache and prints the paths.
if (import.meta.url === `file://${process.argv[1]}`) {
	const result = await ensureN8n({ version: process.argv[2] || DEFAULT_N8N_VERSION });
	console.log(JSON.stringify(result, null, 2));
}
