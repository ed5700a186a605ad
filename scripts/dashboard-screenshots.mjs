#!/usr/bin/env node
// Regenerates the dashboard screenshots in docs/dashboard/ (shown in the README and docs/dashboard.md):
// a throwaway n8n with the package and the dashboard template, the queue filled with jobs in every state,
// each view captured in Debian's chromium.
//
//   npm run build && node scripts/dashboard-screenshots.mjs     (about 3 minutes)
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStack } from '../test/e2e/support.mjs';
import { enqueue, launchChromium, openDashboard, seedEveryState, seedVolume, unlock } from '../test/e2e/dashboard-support.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(REPO, 'docs', 'dashboard');

const stack = await openStack({ activate: ['instant-worker.json', 'jobs-dashboard.json'] });
const browser = await launchChromium();
try {
	await mkdir(OUT, { recursive: true });
	const seeded = await seedEveryState(stack.db, 'reports');
	await seedVolume(stack.db, 'sync', 2_000);
	// spread the sync jobs over the last 20 hours, so that the throughput chart has a day to show
	await stack.db.query(`
		with s as (select id, make_interval(hours => (seq % 20)::int, mins => (seq % 53)::int) as d from mcp_jobs.jobs where queue = 'sync'),
		     runs as (update mcp_jobs.job_runs r set started_at = r.started_at - s.d, finished_at = r.finished_at - s.d
		              from s where r.job_id = s.id)
		update mcp_jobs.jobs j set created_at = j.created_at - s.d, started_at = j.started_at - s.d, finished_at = j.finished_at - s.d
		from s where j.id = s.id`);
	await enqueue(stack.db, 'email', [{ job_type: 'send_invoice', payload: { to: 'ops@example.com' } }]);
	await stack.db.query("select mcp_jobs.set_queue_paused('email', true, 'SMTP provider outage')");

	const { page, problems } = await openDashboard(browser, stack.n8n.baseUrl, { viewport: { width: 1360, height: 860 } });
	const shoot = async (name) => {
		await page.screenshot({ path: join(OUT, `${name}.png`) });
		console.log(`wrote ${relative(REPO, join(OUT, `${name}.png`))}`);
	};
	await shoot('key-prompt');
	await unlock(page, stack.apiKey);
	await shoot('queues');
	await page.locator('#throughput svg').waitFor();
	await page
		.locator('#throughput')
		.locator('xpath=..')
		.screenshot({ path: join(OUT, 'throughput.png') });
	console.log(`wrote ${relative(REPO, join(OUT, 'throughput.png'))}`);

	await page.click('.tab[data-view=jobs]');
	await page.fill('#jobs-filters input[name=queue]', 'reports');
	await page.click('#jobs-filters button[type=submit]');
	await page.locator(`#jobs-table tr[data-job-id="${seeded.dead[0]}"]`).waitFor();
	await shoot('jobs');
	await page.click(`#jobs-table tr[data-job-id="${seeded.retryLater}"]`);
	await page.locator('#job-body .timeline').waitFor();
	await shoot('job');
	await page.click('#job-close');

	await page.click('.tab[data-view=dead-letters]');
	const group = page.locator('#groups-table tr', { hasText: 'upstream timeout' });
	await group.getByRole('button').click();
	await page.fill('#dead-letter-notes', 'upstream fixed at 14:05');
	await shoot('dead-letters');

	await page.click('.tab[data-view=enqueue]');
	await page.fill('#enqueue-job-type', 'example');
	await page.fill('#enqueue-payload', '{"projectId": "xyz123", "fullScan": true');
	await page.click('#enqueue-form button[type=submit]');
	await page.locator('#enqueue-errors li').first().waitFor();
	await shoot('enqueue');
	if (problems.length) throw new Error(`the page reported problems: ${problems.join(' | ')}`);
} finally {
	await browser.close();
	await stack.close();
}
