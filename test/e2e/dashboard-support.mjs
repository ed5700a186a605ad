// The jobs dashboard in a real browser: Debian's chromium driven by playwright-core (no browser download),
// and the queue contents the dashboard tests and the screenshot script show. Used by dashboard.test.mjs and
// scripts/dashboard-screenshots.mjs.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

/** Starts the system chromium; the error says how to install it when it is missing. */
export async function launchChromium() {
	if (!existsSync(CHROMIUM))
		throw new Error(`no chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
	return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

/** Opens the dashboard page and waits for the key prompt. */
export async function openDashboard(browser, baseUrl, { viewport = { width: 1440, height: 900 } } = {}) {
	const page = await browser.newPage({ viewport });
	const problems = [];
	page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
	page.on('console', (message) => {
		// chromium logs every 4xx answer (a wrong key, a 409 the page reports); anything else, e.g. a CSP violation, is a problem
		if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()))
			problems.push(`console: ${message.text()}`);
	});
	await page.goto(`${baseUrl}/webhook/jobs/dashboard`);
	await page.waitForSelector('#key-input');
	return { page, problems };
}

/** Types the key and waits until the queues view shows; returns the page's first-paint measure in ms. */
export async function unlock(page, key) {
	await page.fill('#key-input', key);
	await page.click('#key-submit');
	await page.waitForSelector('#app:not([hidden]) #queues-table tbody tr');
	return page.evaluate(() => performance.getEntriesByName('dashboard:first-paint').at(-1)?.duration);
}

/** Enqueues jobs (enqueue_jobs) with defaults source e2e, job type report; returns their ids in order. */
export async function enqueue(db, queue, jobs) {
	const rows = jobs.map((job) => ({ source: 'e2e', job_type: 'report', queue, ...job }));
	const { rows: ids } = await db.query('select id from mcp_jobs.enqueue_jobs($1::jsonb) order by ordinal', [JSON.stringify(rows)]);
	return ids.map((r) => r.id);
}

export const XSS = {
	script: '<script>window.__xss = "script"</script>',
	img: '"><img src=x onerror="window.__xss = \'img\'">',
};

/**
 * Puts jobs of `queue` in every state through the queue's own functions (claim, complete, fail, cancel):
 * completed, dead-lettered (three final errors, one of them markup), failed and waiting for a retry, running,
 * cancelled, queued and due, queued for later; plus a queued job whose fields carry markup. Job type `report`:
 * the instant worker (types example, http_request) leaves them alone.
 */
export async function seedEveryState(db, queue) {
	const worker = 'e2e-dashboard-worker';
	const processed = await enqueue(db, queue, [
		{ payload: { step: 'done-1' } },
		{ payload: { step: 'done-2' } },
		{ payload: { step: 'done-3' } },
		{ payload: { step: 'dead-1' }, max_retries: 0 },
		{ payload: { step: 'dead-2' }, max_retries: 0 },
		{ payload: { step: 'dead-3' }, max_retries: 0 },
		{ payload: { step: 'dead-xss' }, max_retries: 0 },
		{ payload: { step: 'retry-later' }, max_retries: 2, retry_delay_seconds: 3600 },
		{ payload: { step: 'running' } },
	]);
	const { rows: claimed } = await db.query('select id from mcp_jobs.claim_next_job($1, $2, null, 100, 3600)', [worker, queue]);
	if (claimed.length !== processed.length) throw new Error(`claimed ${claimed.length} of ${processed.length} seeded jobs`);
	const [done1, done2, done3, dead1, dead2, dead3, deadXss, retryLater, running] = processed;
	await db.query('select * from mcp_jobs.complete_jobs($1::jsonb)', [
		JSON.stringify([done1, done2, done3].map((id, i) => ({ job_id: id, worker_id: worker, result: { rows: i, note: XSS.script } }))),
	]);
	await db.query('select * from mcp_jobs.fail_jobs($1::jsonb)', [
		JSON.stringify([
			{ job_id: dead1, worker_id: worker, error: 'upstream timeout after 30 s' },
			{ job_id: dead2, worker_id: worker, error: 'upstream timeout after 30 s' },
			{ job_id: dead3, worker_id: worker, error: 'payload.projectId is missing', retryable: false },
			{ job_id: deadXss, worker_id: worker, error: `handler crashed: ${XSS.img} ${XSS.script}` },
			{ job_id: retryLater, worker_id: worker, error: 'rate limited' },
		]),
	]);
	const [cancelled, due1, due2, later, xss] = await enqueue(db, queue, [
		{ payload: { step: 'cancelled' } },
		{ payload: { step: 'due-1' } },
		{ payload: { step: 'due-2' }, priority: 1 },
		{ payload: { step: 'later' }, scheduled_at: new Date(Date.now() + 6 * 3600_000).toISOString() },
		{ payload: { script: XSS.script, img: XSS.img }, source: XSS.img, job_type: `report ${XSS.script}`, idempotency_key: XSS.img },
	]);
	await db.query("select mcp_jobs.cancel_job($1, 'seeded as cancelled')", [cancelled]);
	return {
		done: [done1, done2, done3],
		dead: [dead1, dead2, dead3, deadXss],
		retryLater,
		running,
		cancelled,
		due: [due1, due2],
		later,
		xss,
	};
}

/** What the overview should show for a queue, counted straight from the tables. */
export async function countsInSql(db, queue) {
	const { rows } = await db.query(
		`select count(*) filter (where status = 'queued' and scheduled_at <= now())::int as due,
		        count(*) filter (where status = 'queued' and scheduled_at > now())::int as waiting,
		        count(*) filter (where status = 'running')::int as running,
		        count(*) filter (where status = 'failed')::int as failed,
		        count(*) filter (where status = 'completed')::int as completed,
		        (select count(*)::int from mcp_jobs.dead_letter_queue d where d.queue = $1 and not d.resolved) as dead_letters
		 from mcp_jobs.jobs where queue = $1`,
		[queue],
	);
	return rows[0];
}

/**
 * Adds `total` jobs in `queue` the way a busy queue has them: enqueued in batches of 10,000, 90 % claimed and
 * completed in batches of 1,000 (with their runs and events), the rest left queued.
 */
export async function seedVolume(db, queue, total, { log = () => undefined } = {}) {
	const batch = 10_000;
	for (let done = 0; done < total; done += batch) {
		const n = Math.min(batch, total - done);
		await db.query(
			`select count(*) from mcp_jobs.enqueue_jobs((
			   select jsonb_agg(jsonb_build_object('source', (array['odoo','vercel','n8n','edge'])[1 + i % 4],
			     'job_type', (array['discovery','sync','bir_1601c','report'])[1 + i % 4], 'queue', $1::text,
			     'payload', jsonb_build_object('i', i), 'priority', i % 10,
			     'idempotency_key', case when i % 3 = 0 then 'volume-' || i end))
			   from generate_series($2::int, $3::int) i))`,
			[queue, done + 1, done + n],
		);
		log(`  enqueued ${done + n} / ${total}`);
	}
	for (let left = Math.floor(total * 0.9); left > 0; left -= 1000) {
		await db.query(
			`select count(*) from mcp_jobs.complete_jobs((
			   select jsonb_agg(jsonb_build_object('job_id', c.id, 'worker_id', 'volume', 'result', jsonb_build_object('ok', true)))
			   from mcp_jobs.claim_next_job('volume', $1, null, $2, 300) c))`,
			[queue, Math.min(1000, left)],
		);
	}
	await db.query('vacuum analyze mcp_jobs.jobs');
}

/** The median of numbers. */
export const median = (values) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};
