// Process-wide n8n runtime setup shared by runWorkflow() and startTrigger(). Jest gives every test
// file its own module registry, so this runs once per test file, with its own DI container.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GlobalConfig, InstanceSettingsConfig } from '@n8n/config';
import { Container } from '@n8n/di';
import { Expression } from 'n8n-workflow';

let ready: Promise<void> | undefined;

export async function ensureN8nEnvironment(): Promise<void> {
	ready ??= setUp();
	await ready;
}

async function setUp(): Promise<void> {
	// @n8n/di and @n8n/config are n8n-core's dependencies, not ours: we must get the very copies it
	// uses, or the services we register below would land in a different container.
	for (const dependency of ['@n8n/di', '@n8n/config']) {
		const ours = require.resolve(dependency);
		const core = require.resolve(dependency, { paths: [dirname(require.resolve('n8n-core'))] });
		if (ours !== core) throw new Error(`test harness: ${dependency} resolves to ${ours}, n8n-core uses ${core}`);
	}

	// The real Logger (built on first use) logs at 'info' to the console unless N8N_LOG_LEVEL says otherwise.
	if (!process.env.N8N_LOG_LEVEL) Container.get(GlobalConfig).logging.level = 'silent';

	// n8n-core builds its InstanceSettings lazily from the DI container (NodeExecutionContext, Cipher)
	// and creates `<n8nFolder>/config` (the encryption key) unless it exists. Keep tests away from
	// ~/.n8n: use a fixed folder under the OS temp dir and write the file ourselves, atomically, so
	// parallel jest workers only ever read a complete one.
	const userHome = join(tmpdir(), 'n8n-nodes-supabase-jobs-tests');
	const n8nFolder = join(userHome, '.n8n');
	const encryptionKey = 'test-encryption-key';
	mkdirSync(n8nFolder, { recursive: true });
	const staging = join(n8nFolder, `config.${process.pid}.tmp`);
	writeFileSync(staging, JSON.stringify({ encryptionKey }));
	renameSync(staging, join(n8nFolder, 'config'));
	Container.set(
		InstanceSettingsConfig,
		Object.assign(new InstanceSettingsConfig(), {
			userHome,
			n8nFolder,
			encryptionKey,
			enforceSettingsFilePermissions: false,
		}),
	);

	// n8n-workflow 2.40 has three expression engines. 'legacy' evaluates in-process (@n8n/tournament
	// + n8n's sandbox); it is the Expression class default, so what n8n's NodeTestHarness runs.
	// 'vm', the n8n server default, needs isolated-vm's native addon: its package ships builds for
	// Node ABIs 137/147 only, none for Node 20 (ABI 115), and nothing is compiled here. 'quickjs'
	// (wasm) works on Node 20. We default to 'legacy'; N8N_EXPRESSION_ENGINE=quickjs reruns the
	// tests on an isolated engine, like n8n's per-engine test matrix. Both isolated engines load
	// @n8n/expression-runtime with import(), which jest allows only with
	// NODE_OPTIONS=--experimental-vm-modules.
	const engine = process.env.N8N_EXPRESSION_ENGINE ?? 'legacy';
	if (engine !== 'legacy' && engine !== 'vm' && engine !== 'quickjs') {
		throw new Error(`test harness: unknown N8N_EXPRESSION_ENGINE "${engine}"`);
	}
	Expression.setExpressionEngine(engine);
	if (engine !== 'legacy') {
		await Expression.initExpressionEngine({
			engine,
			poolSize: 1,
			maxCodeCacheSize: 1024,
			bridgeTimeout: 5000,
			bridgeMemoryLimit: 128,
		});
	}
	if (Expression.getActiveImplementation() !== engine) {
		throw new Error(`test harness: expression engine "${engine}" did not start`);
	}
}
