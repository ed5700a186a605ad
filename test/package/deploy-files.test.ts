// What can be checked of the Docker set-up and the release workflow without Docker or GitHub: deploy/docker-compose.yml
// parses, pins the n8n the e2e tests prove, installs this package (its current version) the way
// test/e2e/deploy.test.mjs proves in that n8n, and uses only variables README.md#docker documents; the release
// workflow publishes with provenance on a tag, only after .ci/run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const read = (...path: string[]) => readFileSync(join(ROOT, ...path), 'utf8');
const pkg = JSON.parse(read('package.json'));
const composeText = read('deploy', 'docker-compose.yml');
const compose = parse(composeText);
const services: Record<string, any> = compose.services;
/** The n8n version the harness (npm start, the e2e tests) runs. */
const harnessN8n = /export const DEFAULT_N8N_VERSION = '([^']+)'/.exec(read('scripts', 'n8n', 'install.mjs'))![1];

/** The names in `${NAME}`, `${NAME:-default}`, `${NAME:?error}`, nested ones included. */
const interpolated = (text: string) => [...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]))].sort();

/** `${NAME:-default}` → default, the way Compose fills an unset variable. */
const withDefaults = (value: string): string =>
	value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:-((?:[^{}]|\{[^{}]*\})*)\}/g, (_, fallback: string) => withDefaults(fallback));

/** README's Docker section: from its heading to the next section of the same level. */
function readmeSection(heading: string): string {
	const readme = read('README.md');
	const start = readme.indexOf(`\n## ${heading}`);
	expect(start).toBeGreaterThan(-1);
	const end = readme.indexOf('\n## ', start + 1);
	return readme.slice(start, end === -1 ? undefined : end);
}

describe('deploy/docker-compose.yml', () => {
	const n8nServices = Object.entries(services).filter(([, s]) => /n8nio\/n8n/.test(s.image));

	it('runs the n8n the e2e tests prove, pinned, for main and workers', () => {
		expect(n8nServices.map(([name]) => name).sort()).toEqual(['n8n', 'n8n-worker']);
		for (const [, service] of n8nServices) {
			expect(withDefaults(service.image)).toBe(`docker.n8n.io/n8nio/n8n:${harnessN8n}`);
		}
	});

	it("installs this package's current version through n8n's environment, also on workers and with n8n 3.0", () => {
		for (const [name, service] of n8nServices) {
			const env = service.environment;
			expect({ name, managedByEnv: env.N8N_COMMUNITY_PACKAGES_MANAGED_BY_ENV, unverified: env.N8N_UNVERIFIED_PACKAGES_ENABLED }).toEqual({
				name,
				managedByEnv: 'true',
				unverified: 'true',
			});
			expect(env.N8N_REINSTALL_MISSING_PACKAGES).toBe('true');
			expect(JSON.parse(withDefaults(env.N8N_COMMUNITY_PACKAGES))).toEqual([{ name: pkg.name, version: pkg.version }]);
		}
		expect(withDefaults(services.migrate.command.join(' '))).toContain(`--package=${pkg.name}@${pkg.version} supabase-jobs-migrate`);
		expect(Object.keys(pkg.bin)).toContain('supabase-jobs-migrate');
	});

	it('starts n8n after the queue is migrated; Redis and the workers only with the queue profile', () => {
		expect(services.n8n.depends_on.migrate.condition).toBe('service_completed_successfully');
		const inProfile = (profile: string) =>
			Object.entries(services)
				.filter(([, s]) => (s.profiles ?? []).includes(profile))
				.map(([name]) => name);
		expect(inProfile('queue').sort()).toEqual(['n8n-worker', 'redis']);
		expect(services['n8n-worker'].command).toBe('worker');
		for (const [name, service] of Object.entries(services)) {
			for (const needed of Object.keys(service.depends_on ?? {})) expect({ name, needed, exists: needed in services }).toMatchObject({ exists: true });
		}
	});

	it('uses only variables README.md#docker documents, and .env.example names every required one', () => {
		const section = readmeSection('Docker');
		const used = interpolated(composeText);
		expect(used.length).toBeGreaterThan(5);
		expect(used.filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
		const required = [...new Set([...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):\?/g)].map((m) => m[1]))];
		const example = read('deploy', '.env.example');
		expect(required.filter((name) => !new RegExp(`^${name}=`, 'm').test(example))).toEqual([]);
		const mentioned = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
		expect(mentioned.filter((name) => !used.includes(name))).toEqual([]);
	});
});

test('.ci/run fails when npm ci or npm install changes a tracked file', () => {
	const lines = read('.ci', 'run')
		.split('\n')
		.map((line) => line.trim());
	const diff = lines.indexOf('git diff --exit-code');
	expect(lines.indexOf('npm ci')).toBeGreaterThan(-1);
	expect(lines.findIndex((line) => line.startsWith('npm install'))).toBeGreaterThan(lines.indexOf('npm ci'));
	expect(diff).toBeGreaterThan(lines.findIndex((line) => line.startsWith('npm install')));
});

describe('.github/workflows/release.yml', () => {
	const workflow = parse(read('.github', 'workflows', 'release.yml'));
	const steps: Array<{ run?: string }> = workflow.jobs.release.steps;
	const index = (pattern: RegExp) => steps.findIndex((step) => pattern.test(step.run ?? ''));

	it('publishes with npm provenance when a version tag is pushed, after .ci/run', () => {
		expect(workflow.on.push.tags).toEqual(['v*']);
		expect(workflow.permissions['id-token']).toBe('write');
		const checks = index(/^\.ci\/run$/);
		const publish = index(/^npm publish --provenance\b/);
		expect(checks).toBeGreaterThan(-1);
		expect(publish).toBeGreaterThan(checks);
		const tagCheck = index(/package\.json'\)\.version.*GITHUB_REF_NAME/);
		expect(tagCheck).toBeGreaterThan(-1);
		expect(tagCheck).toBeLessThan(publish);
	});
});
