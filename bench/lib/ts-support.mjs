// Test-support TypeScript the bench reuses (the PostgREST-compatible gateway, n8n's trigger harness),
// compiled with the repo's tsc into bench/.cache/ts, so Node loads it without ts-node. Module resolution
// from there walks up to the repo's node_modules (n8n-core, pg, ...), as it does for the tests.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, statSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, REPO_DIR } from './deps.mjs';

const TS_OUT = join(BENCH_DIR, '.cache', 'ts');
const ENTRIES = ['test/support/postgrest-gateway.ts', 'test/support/n8n/start-trigger.ts'];
const SOURCE_DIRS = ['test/support/postgrest', 'test/support/n8n'];

/** Path of the compiled JS of a repo-relative .ts file. */
export const compiled = (tsFile) => join(TS_OUT, tsFile.replace(/\.ts$/, '.js'));

function newestSource() {
	const files = [...ENTRIES, ...SOURCE_DIRS.flatMap((d) => readdirSync(join(REPO_DIR, d)).map((f) => `${d}/${f}`))];
	return Math.max(...files.map((f) => statSync(join(REPO_DIR, f)).mtimeMs));
}

/** Compiles the entries (and what they import) unless the output is newer than every source. */
export function compileTestSupport(log) {
	// bench/package.json says "type": "module"; tsc emits CommonJS
	mkdirSync(TS_OUT, { recursive: true });
	writeFileSync(join(TS_OUT, 'package.json'), '{ "type": "commonjs" }\n');
	const outputs = ENTRIES.map(compiled);
	if (outputs.every(existsSync) && Math.min(...outputs.map((f) => statSync(f).mtimeMs)) > newestSource()) return;
	log('compiling test/support (PostgREST gateway, trigger harness) into bench/.cache/ts');
	const tsc = createRequire(join(REPO_DIR, 'package.json')).resolve('typescript/bin/tsc');
	const r = spawnSync(
		process.execPath,
		[
			tsc,
			'--outDir',
			TS_OUT,
			'--rootDir',
			REPO_DIR,
			'--module',
			'commonjs',
			'--moduleResolution',
			'node',
			'--target',
			'es2021',
			'--esModuleInterop',
			'--skipLibCheck',
			'--resolveJsonModule',
			'--types',
			'node',
			'--noEmitOnError',
			'false',
			...ENTRIES,
		],
		{ cwd: REPO_DIR, encoding: 'utf8' },
	);
	// type errors do not stop the emit; only a missing output does
	if (!outputs.every(existsSync)) {
		throw new Error(`tsc could not compile ${ENTRIES.join(', ')} (exit ${r.status}):\n${(r.stdout + r.stderr).slice(-3000)}`);
	}
}

/** The nodes' built package (npm run build); throws when it is missing. */
export function requireDist(relative) {
	const file = join(REPO_DIR, 'dist', relative);
	if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (the bench uses the built nodes)`);
	return createRequire(import.meta.url)(file);
}
