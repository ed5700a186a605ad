// What `npm publish` would ship: the package is built in a copy of the repository (so the working tree's dist does
// not matter) and listed with `npm pack --dry-run`. It holds what n8n and users need (the built nodes, their codex
// files and icons, the migrations, the migrate command, README, LICENSE), nothing else, and its source maps carry
// their sources instead of pointing to TypeScript files that are not in the package.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** Not copied: installed or generated here, or too big to matter for the package. */
const SKIPPED = new Set(['node_modules', '.git', 'dist', '.cache', 'results']);

let copy: string;
let files: string[];

beforeAll(() => {
	copy = mkdtempSync(join(tmpdir(), 'pack-'));
	cpSync(ROOT, copy, { recursive: true, filter: (src) => !SKIPPED.has(basename(src)) || src === ROOT });
	symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
	execFileSync(NPM, ['run', 'build'], { cwd: copy, stdio: 'pipe' });
	const [packed] = JSON.parse(execFileSync(NPM, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: copy, encoding: 'utf8' }));
	files = (packed.files as Array<{ path: string }>).map((f) => f.path).sort();
}, 180_000);

afterAll(() => {
	if (copy) rmSync(copy, { recursive: true, force: true });
});

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

test('ships package.json, README, LICENSE, the migrate command and every migration', () => {
	const migrations = readdirSync(join(ROOT, 'migrations')).map((f) => `migrations/${f}`);
	expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', ...Object.values(pkg.bin as object), ...migrations]));
	expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
	expect(pkg.license).toBe('MIT');
});

test("ships every node and credential n8n loads, with each node's codex file and icons", () => {
	const entries: string[] = [...pkg.n8n.nodes, ...pkg.n8n.credentials];
	expect(entries.filter((file) => !files.includes(file))).toEqual([]);
	const codexFiles = pkg.n8n.nodes.map((file: string) => file.replace(/\.js$/, '.json'));
	expect(codexFiles.filter((file: string) => !files.includes(file))).toEqual([]);
	// each description's icon: `file:` paths relative to the built file, as n8n resolves them
	const icons = entries.flatMap((entry) => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const [Type] = Object.values(require(join(copy, entry)) as Record<string, new () => Record<string, any>>);
		const instance = new Type();
		const { icon } = instance.description ?? instance;
		return Object.values(icon as Record<string, string>).map((path) => posix.join(posix.dirname(entry), path.replace(/^file:/, '')));
	});
	expect(icons).toHaveLength(entries.length * 2); // a light and a dark one each
	expect(icons.filter((icon) => !files.includes(icon))).toEqual([]);
});

test('ships nothing but dist, bin, migrations and the top-level documents', () => {
	const allowed = /^(dist\/|bin\/|migrations\/|package\.json$|README\.md$|LICENSE$)/;
	expect(files.filter((file) => !allowed.test(file))).toEqual([]);
	expect(files.filter((file) => /(^|\/)(test|tests|bench|__tests__)\//.test(file) || /\.test\.|\.spec\./.test(file))).toEqual([]);
	expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
});

test('every source map is in the package and carries the sources it names', () => {
	const maps = files.filter((file) => file.endsWith('.map'));
	expect(maps.length).toBeGreaterThan(0);
	for (const file of files.filter((f) => f.endsWith('.js') && f.startsWith('dist/'))) {
		const reference = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(copy, file), 'utf8'))?.[1];
		if (reference) expect({ file, map: files.includes(posix.join(posix.dirname(file), reference)) }).toEqual({ file, map: true });
	}
	for (const map of maps) {
		const { sources, sourcesContent } = JSON.parse(readFileSync(join(copy, map), 'utf8'));
		sources.forEach((source: string, i: number) => {
			const shipped = files.includes(posix.normalize(posix.join(posix.dirname(map), source)));
			expect({ map, source, carried: shipped || typeof sourcesContent?.[i] === 'string' }).toEqual({ map, source, carried: true });
		});
	}
});

