// This package installed the way Docker users install it: through n8n's environment (N8N_COMMUNITY_PACKAGES, n8n
// >= 2.21), from a local `npm pack` tarball instead of the npm registry.
//
// What n8n 2.40.7 does (read in dist/instance-settings-loader/loaders/community-packages.instance-settings-loader.js
// and dist/modules/community-packages/): with N8N_COMMUNITY_PACKAGES_MANAGED_BY_ENV=true it reconciles its
// installed_packages table with the JSON list in N8N_COMMUNITY_PACKAGES at every start. A missing package goes
// through CommunityPackagesService.installPackage: checks (n8n's ban list at api.n8n.io; unverified packages need
// N8N_UNVERIFIED_PACKAGES_ENABLED, whose default turns false in n8n 3.0; the version must exist: GET
// <registry>/<name>/<version>, else `npm view <name>@<version> version --json`), then `npm pack <name>@<version>
// --registry=<registry>` in ~/.n8n/nodes, untar, `npm install` of its runtime dependencies, load, and a row in
// installed_packages (so it is listed under Settings > Community nodes). The registry is https://registry.npmjs.org
// unless n8n's license allows another, and n8n runs `npm` from PATH: so a stand-in `npm` first on PATH answers
// `view` and `pack` of this one package from the tarball and hands every other call to the real npm. All the rest
// is n8n's own code path.
import { accessSync, constants } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, delimiter, join, resolve } from 'node:path';
import { npmPack } from './package-install.mjs';

/**
 * Packs the (built) package and prepares what n8n needs to install it from its environment.
 * @param {{ packageDir: string, workDir: string }} options  workDir: where the tarball and the stand-in npm go
 * @returns {Promise<{ env: Record<string, string>, pathDir: string, name: string, version: string, tarball: string }>}
 *   env: the N8N_COMMUNITY_PACKAGES settings; pathDir: put it first on n8n's PATH
 */
export async function packageFromEnvironment({ packageDir, workDir }) {
	const { name, version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8'));
	await mkdir(workDir, { recursive: true });
	const tarball = resolve(await npmPack(resolve(packageDir), workDir));
	const pathDir = join(workDir, 'bin');
	await mkdir(pathDir, { recursive: true });
	const npm = join(pathDir, 'npm');
	await writeFile(npm, standInNpm({ spec: `${name}@${version}`, version, tarball, realNpm: findOnPath('npm') }));
	await chmod(npm, 0o755);
	return {
		env: {
			N8N_COMMUNITY_PACKAGES_MANAGED_BY_ENV: 'true',
			N8N_COMMUNITY_PACKAGES: JSON.stringify([{ name, version }]),
		},
		pathDir,
		name,
		version,
		tarball,
	};
}

const quote = (text) => `'${text.replace(/'/g, `'\\''`)}'`;

function standInNpm({ spec, version, tarball, realNpm }) {
	return [
		'#!/bin/sh',
		`# n8n's registry calls for ${spec} answered from ${tarball}; every other call goes to the real npm`,
		`if [ "$2" = ${quote(spec)} ]; then`,
		'  case "$1" in',
		`    view) echo ${quote(JSON.stringify(version))}; exit 0 ;;`,
		`    pack) cp ${quote(tarball)} . && echo ${quote(basename(tarball))}; exit 0 ;;`,
		'  esac',
		'fi',
		`exec ${quote(realNpm)} "$@"`,
		'',
	].join('\n');
}

function findOnPath(command) {
	for (const dir of (process.env.PATH ?? '').split(delimiter)) {
		const file = join(dir, command);
		try {
			accessSync(file, constants.X_OK);
			return file;
		} catch {
			/* not here */
		}
	}
	throw new Error(`no ${command} on PATH`);
}
