// Installs a built community-node package into an n8n user folder the way n8n 2.40.7's own
// community-packages service does (CommunityPackagesService.downloadPackage), so its node types load as
// `<package name>.<node name>` (e.g. `n8n-nodes-supabase-jobs.enqueueJob`), not `CUSTOM.<name>`.
//
// What n8n 2.40.7 needs (read in dist/modules/community-packages/*.js and n8n-core nodes-loader):
//  - the community-packages module's nodeLoaders() scans `<N8N_USER_FOLDER>/.n8n/nodes/node_modules`
//    for `n8n-nodes-*` and `@*/n8n-nodes-*` directories (no database row needed) and loads each with
//    LazyPackageDirectoryLoader (uses the package.json `n8n` field; `n8n.n8nNodesApiVersion` must be <= 1);
//  - n8n itself installs a package as: `npm pack name@version` → untar into nodes/node_modules/<name> →
//    drop devDependencies/peerDependencies/optionalDependencies from its package.json → `npm install
//    --install-strategy=shallow --ignore-scripts --package-lock=false --bin-links=false` inside that dir
//    (runtime deps land in <pkg>/node_modules) → record `<name>: <version>` in nodes/package.json;
//  - `n8n-workflow` (a peer dependency) resolves from n8n's own node_modules because n8n appends its
//    module paths to NODE_PATH before loading nodes (load-nodes-and-credentials.js init()).
// The package does not appear under Settings > Community nodes (that list comes from the
// installed_packages table), but its nodes and credentials are fully usable.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NPM, runCommand } from '../lib/command.mjs';

const STATE_FILE = '.harness-package.json';

/**
 * @typedef {object} InstalledPackage
 * @property {string} name         npm package name (node types are `<name>.<description.name>`)
 * @property {string} version
 * @property {string} dir          where it was installed (`<userFolder>/.n8n/nodes/node_modules/<name>`)
 * @property {string} sha256       of the packed tarball
 * @property {boolean} changed     false when the same tarball was already installed (nothing done)
 * @property {string[]} nodeTypes  node type names it declares, e.g. `n8n-nodes-supabase-jobs.enqueueJob`
 *                                 (derived from file names when the module cannot be loaded here; listNodeTypes in
 *                                 api.mjs gives the real list)
 */

/**
 * Packs `packageDir` (which must already be built) and installs it as a community package into the
 * n8n user folder. Reinstalls only when the packed tarball changed. Call it before starting n8n
 * (n8n scans the directory at startup).
 * @param {{ userFolder: string, packageDir: string, log?: (line: string) => void }} options
 * @returns {Promise<InstalledPackage>}
 */
export async function installPackageIntoN8n({ userFolder, packageDir, log = (line) => console.log(line) }) {
	if (!userFolder) throw new Error('installPackageIntoN8n: userFolder is required');
	if (!packageDir) throw new Error('installPackageIntoN8n: packageDir is required');
	packageDir = resolve(packageDir);
	const pkg = await readPackageJson(packageDir);
	checkPackageShape(pkg, packageDir);

	const nodesDir = join(resolve(userFolder), '.n8n', 'nodes');
	const targetDir = join(nodesDir, 'node_modules', ...pkg.name.split('/'));
	await mkdir(nodesDir, { recursive: true });

	const workDir = await mkdtemp(join(tmpdir(), 'n8n-pack-'));
	try {
		const tarball = await npmPack(packageDir, workDir);
		const sha256 = createHash('sha256')
			.update(await readFile(tarball))
			.digest('hex');
		const stateFile = join(targetDir, STATE_FILE);
		const previous = await readJson(stateFile);
		const nodeTypes = declaredNodeTypes(pkg);
		if (previous?.sha256 === sha256 && existsSync(join(targetDir, 'package.json'))) {
			log(`[n8n-package] ${pkg.name}@${pkg.version} already installed (tarball unchanged)`);
			return { name: pkg.name, version: pkg.version, dir: targetDir, sha256, changed: false, nodeTypes };
		}

		log(`[n8n-package] installing ${pkg.name}@${pkg.version} into ${targetDir}`);
		const started = Date.now();
		// unpack into a staging dir next to the target, install deps there, then swap in
		const staging = `${targetDir}.staging-${process.pid}`;
		await rm(staging, { recursive: true, force: true });
		await mkdir(staging, { recursive: true });
		await runCommand('tar', ['-xzf', tarball, '-C', staging, '--strip-components=1'], { cwd: workDir, what: `unpacking ${tarball}` });
		const stagedPkgPath = join(staging, 'package.json');
		const {
			devDependencies: _d,
			peerDependencies: _p,
			optionalDependencies: _o,
			...runtimePkg
		} = JSON.parse(await readFile(stagedPkgPath, 'utf8'));
		await writeFile(stagedPkgPath, JSON.stringify(runtimePkg, null, 2));
		if (runtimePkg.dependencies && Object.keys(runtimePkg.dependencies).length > 0) {
			await runCommand(
				NPM,
				[
					'install',
					'--audit=false',
					'--fund=false',
					'--bin-links=false',
					'--install-strategy=shallow',
					'--ignore-scripts=true',
					'--package-lock=false',
					'--no-update-notifier',
					'--loglevel=error',
				],
				{
					cwd: staging,
					what: `npm install of ${pkg.name}'s runtime dependencies`,
				},
			);
		}
		await writeFile(
			join(staging, STATE_FILE),
			JSON.stringify({ sha256, installedAt: new Date().toISOString(), from: packageDir }, null, 2),
		);
		await rm(targetDir, { recursive: true, force: true });
		await mkdir(join(targetDir, '..'), { recursive: true });
		await rename(staging, targetDir);
		await updateLedger(nodesDir, pkg.name, pkg.version);
		const seconds = Math.round((Date.now() - started) / 1000);
		log(`[n8n-package] installed ${pkg.name}@${pkg.version} in ${seconds}s (node types: ${nodeTypes.join(', ') || 'none'})`);
		return { name: pkg.name, version: pkg.version, dir: targetDir, sha256, changed: true, nodeTypes };
	} finally {
		await rm(workDir, { recursive: true, force: true });
	}
}

/** Node type names the package declares: `<package>.<lowerCamel file stem>` (n8n uses description.name; the
 * file-name guess matches the usual convention `Foo.node.js` → `foo`). */
function declaredNodeTypes(pkg) {
	return (pkg.n8n?.nodes ?? []).map((file) => {
		const stem = file
			.split('/')
			.pop()
			.replace(/\.node\.js$/, '');
		return `${pkg.name}.${stem.charAt(0).toLowerCase()}${stem.slice(1)}`;
	});
}

async function readPackageJson(packageDir) {
	const file = join(packageDir, 'package.json');
	if (!existsSync(file)) throw new Error(`no package.json in ${packageDir}`);
	return JSON.parse(await readFile(file, 'utf8'));
}

function checkPackageShape(pkg, packageDir) {
	const base = pkg.name?.startsWith('@') ? pkg.name.split('/')[1] : pkg.name;
	if (!base?.startsWith('n8n-nodes-')) {
		throw new Error(
			`package name "${pkg.name}" must be n8n-nodes-* or @scope/n8n-nodes-*: n8n only scans those names in .n8n/nodes/node_modules`,
		);
	}
	if (!pkg.n8n || (!pkg.n8n.nodes?.length && !pkg.n8n.credentials?.length)) {
		throw new Error(`${packageDir}/package.json has no "n8n" field listing nodes/credentials`);
	}
	const missing = [...(pkg.n8n.nodes ?? []), ...(pkg.n8n.credentials ?? [])].filter((f) => !existsSync(join(packageDir, f)));
	if (missing.length) {
		throw new Error(`${pkg.name} is not built: missing ${missing.join(', ')} in ${packageDir} (run npm run build first)`);
	}
}

/** `npm pack` into workDir; returns the tarball path. Lifecycle scripts are not run (the package must be built). */
export async function npmPack(packageDir, workDir) {
	const out = await runCommand(NPM, ['pack', packageDir, '--pack-destination', workDir, '--ignore-scripts', '--json', '--loglevel=error'], {
		cwd: workDir,
		what: `npm pack ${packageDir}`,
	});
	const parsed = JSON.parse(out.slice(out.indexOf('[')));
	return join(workDir, parsed[0].filename.replace(/^@/, '').replace('/', '-'));
}

/** Keeps `<nodesDir>/package.json` (n8n's ledger of installed community packages) in sync. */
async function updateLedger(nodesDir, name, version) {
	const file = join(nodesDir, 'package.json');
	const ledger = (await readJson(file)) ?? {};
	const next = { name: 'installed-nodes', private: true, ...ledger, dependencies: { ...(ledger.dependencies ?? {}) } };
	if (version) next.dependencies[name] = version;
	else delete next.dependencies[name];
	await writeFile(file, JSON.stringify(next, null, 2));
}

async function readJson(file) {
	try {
		return JSON.parse(await readFile(file, 'utf8'));
	} catch {
		return undefined;
	}
}
