#!/usr/bin/env node
// Generates workflows/jobs-dashboard.json from dashboard/ (the page, the Code node sources, the routes).
//   node scripts/build-dashboard.mjs          writes the template
//   node scripts/build-dashboard.mjs --check  exits 1 when the committed template differs from a fresh build
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPage } from '../dashboard/build/page.mjs';
import { buildWorkflow } from '../dashboard/build/workflow.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEMPLATE = join(REPO, 'workflows', 'jobs-dashboard.json');

export async function buildDashboardTemplate() {
	const workflow = buildWorkflow({
		html: await buildPage(join(REPO, 'dashboard', 'page')),
		readRequest: await readFile(join(REPO, 'dashboard', 'server', 'read-request.js'), 'utf8'),
		buildResponse: await readFile(join(REPO, 'dashboard', 'server', 'build-response.js'), 'utf8'),
	});
	return `${JSON.stringify(workflow, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const fresh = await buildDashboardTemplate();
	const name = relative(REPO, TEMPLATE);
	if (process.argv.includes('--check')) {
		const committed = await readFile(TEMPLATE, 'utf8').catch(() => '');
		if (committed !== fresh) {
			console.error(`${name} is stale: it differs from a build of dashboard/. Run: node scripts/build-dashboard.mjs`);
			process.exit(1);
		}
		console.log(`${name} is up to date`);
	} else {
		await writeFile(TEMPLATE, fresh);
		console.log(`wrote ${name} (${Math.round(fresh.length / 1024)} KiB)`);
	}
}
