// The jobs dashboard template in a real n8n 2.40.7 and a real browser (Debian's chromium through playwright-core):
// n8n serves the page in its CSP sandbox, the page calls the template's API cross-origin (Origin: null), and
// every action is checked in the database. Ends with the timings on 100,000 jobs (docs/dashboard.md).
import assert from 'node:assert/strict';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { waitUntil } from '../../scripts/lib/wait.mjs';
import { guarded, openStack } from './support.mjs';
import {
	countsInSql,
	enqueue,
	launchChromium,
	median,
	openDashboard,
	seedEveryState,
	seedVolume,
	unlock,
	XSS,
} from './dashboard-support.mjs';

const QUEUE = 'dash-e2e';
const VOLUME = 100_000;

let stack;
let browser;
let page;
let problems;
let seeded;
before(async () => {
	stack = await openStack({ activate: ['instant-worker.json', 'jobs-dashboard.json'] });
	browser = await launchChromium();
	seeded = await seedEveryState(stack.db, QUEUE);
	({ page, problems } = await openDashboard(browser, stack.n8n.baseUrl));
});
after(async () => {
	await browser?.close();
	await stack?.close();
});
/** guarded(), plus on failure a screenshot (its path printed) and the job panel closed for the next test. */
const guard = (fn) =>
	guarded(() => stack)(async () => {
		try {
			await fn();
		} catch (error) {
			const file = join(tmpdir(), `dashboard-e2e-${Date.now()}.png`);
			await page?.screenshot({ path: file, fullPage: true }).then(
				() => console.error(`  screenshot of the failure: ${file}`),
				() => undefined,
			);
			if (await page?.isVisible('#job-panel').catch(() => false)) await page.click('#job-close');
			throw error;
		}
	});
const db = () => stack.db;
const one = async (sql, params) => (await db().query(sql, params)).rows[0];
const notice = () => page.locator('#notice');
const queueCell = (field) => page.locator(`#queues-table tr[data-queue="${QUEUE}"] td[data-field="${field}"]`);

test(
	'n8n serves the page sandboxed, and the API answers the preflight of Origin null',
	guard(async () => {
		const pageResponse = await fetch(`${stack.n8n.baseUrl}/webhook/jobs/dashboard`);
		assert.equal(pageResponse.status, 200);
		assert.match(pageResponse.headers.get('content-type'), /^text\/html/);
		assert.match(pageResponse.headers.get('content-security-policy'), /^sandbox /);
		assert.doesNotMatch(pageResponse.headers.get('content-security-policy'), /allow-same-origin/);
		assert.equal(await page.evaluate(() => self.origin), 'null', 'the page runs with an opaque origin');

		const preflight = await fetch(`${stack.n8n.baseUrl}/webhook/jobs/dashboard/api`, {
			method: 'OPTIONS',
			headers: { Origin: 'null', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-api-key' },
		});
		assert.equal(preflight.status, 204);
		assert.equal(preflight.headers.get('access-control-allow-origin'), 'null');
		assert.match(preflight.headers.get('access-control-allow-headers'), /x-api-key/i);
		assert.match(preflight.headers.get('access-control-allow-methods'), /POST/);
	}),
);

test(
	'without a valid key the page shows only the prompt',
	guard(async () => {
		assert.equal(await page.isVisible('#app'), false);
		assert.equal(await page.locator('#app td').count(), 0, 'no data rendered before the key');
		await page.fill('#key-input', 'not-the-key');
		await page.click('#key-submit');
		await page.waitForSelector('#key-error:not([hidden])');
		assert.match(await page.textContent('#key-error'), /API key was not accepted \(HTTP 403\)/);
		assert.equal(await page.isVisible('#app'), false);
		assert.equal(await page.locator('#app td').count(), 0);
	}),
);

test(
	'with the key: the queue counts match SQL',
	guard(async () => {
		await unlock(page, stack.apiKey);
		const expected = await countsInSql(db(), QUEUE);
		assert.deepEqual(expected, { due: 3, waiting: 2, running: 1, failed: 4, completed: 3, dead_letters: 4 }, 'the seed itself');
		for (const [field, value] of Object.entries(expected))
			assert.equal(await queueCell(field).textContent(), String(value), `${field} shown`);
		const success = await one('select success_rate_pct from mcp_jobs.get_queue_stats($1)', [QUEUE]);
		assert.equal(await queueCell('success').textContent(), `${Number(success.success_rate_pct).toFixed(1)} %`);
	}),
);

test(
	'pause a queue with a reason, then resume it',
	guard(async () => {
		await page.selectOption('#pause-queue', QUEUE);
		await page.fill('#pause-reason', 'maintenance window');
		await page.click('#pause-form button[type=submit]');
		await assertNotice(new RegExp(`Paused queue "${QUEUE}" \\(maintenance window\\)`));
		assert.deepEqual(await one('select processing_enabled, paused_reason from mcp_jobs.queue_settings where queue = $1', [QUEUE]), {
			processing_enabled: false,
			paused_reason: 'maintenance window',
		});
		const row = page.locator(`#queues-table tr[data-queue="${QUEUE}"]`);
		await row.getByText('maintenance window').waitFor();
		await row.getByRole('button', { name: 'Resume' }).click();
		await assertNotice(new RegExp(`Resumed queue "${QUEUE}"`));
		assert.equal((await one('select processing_enabled from mcp_jobs.queue_settings where queue = $1', [QUEUE])).processing_enabled, true);
		await row.getByRole('button', { name: 'Pause…' }).waitFor();
	}),
);

test(
	'jobs table: filters and paging; a row opens the job; cancel and retry it',
	guard(async () => {
		await page.click('.tab[data-view=jobs]');
		await page.fill('#jobs-filters input[name=queue]', QUEUE);
		await page.selectOption('#jobs-filters select[name=status]', 'queued');
		await page.click('#jobs-filters button[type=submit]');
		await page.waitForFunction((n) => document.querySelectorAll('#jobs-table tbody tr[data-job-id]').length === n, 5);
		const shown = await page.locator('#jobs-table tbody tr[data-job-id]').evaluateAll((rows) => rows.map((r) => r.dataset.jobId));
		const { rows } = await db().query("select id from mcp_jobs.jobs where queue = $1 and status = 'queued' order by seq desc", [QUEUE]);
		assert.deepEqual(
			shown,
			rows.map((r) => r.id),
			'the queued jobs of the queue, newest first',
		);

		await page.click(`#jobs-table tr[data-job-id="${seeded.due[0]}"]`);
		await page.waitForFunction(() => !document.querySelector('#job-cancel').disabled);
		await page.fill('#cancel-reason', 'not needed any more');
		await page.click('#job-cancel');
		await assertNotice(/Cancelled job .*: its status is now cancelled/);
		assert.deepEqual(await one('select status, error from mcp_jobs.jobs where id = $1', [seeded.due[0]]), {
			status: 'cancelled',
			error: 'not needed any more',
		});
		await page.locator('#job-body .badge.cancelled').first().waitFor();

		await page.click('#job-retry');
		await assertNotice(/is queued again and due now/);
		const retried = await one('select status, attempts, scheduled_at <= now() as due from mcp_jobs.jobs where id = $1', [seeded.due[0]]);
		assert.deepEqual(retried, { status: 'queued', attempts: 0, due: true });
		await page.click('#job-close');
	}),
);

test(
	'an API error is shown in words: cancelling a job that was cancelled meanwhile → 409',
	guard(async () => {
		await page.uncheck('#auto-refresh'); // the page must not learn of the change before the click
		await page.click(`#jobs-table tr[data-job-id="${seeded.due[1]}"]`);
		await page.waitForFunction(() => !document.querySelector('#job-cancel').disabled);
		await db().query("select mcp_jobs.cancel_job($1, 'cancelled behind the page')", [seeded.due[1]]);
		await page.click('#job-cancel');
		await assertNotice(/Could not cancel job .*: job .* is already cancelled: only waiting, queued or running jobs can be/, 'bad');
		await page.locator('#job-body .badge.cancelled').first().waitFor(); // and the refresh after the action shows why
		await page.click('#job-close');
		await page.check('#auto-refresh');
	}),
);

test(
	'jobs: search by idempotency key prefix and by job id, sort by priority, the waiting filter (Job → Search)',
	guard(async () => {
		const queue = 'dash-e2e-search';
		const later = new Date(Date.now() + 3600_000).toISOString(); // no worker takes them meanwhile
		const ids = await enqueue(
			db(),
			queue,
			[3, 1, 2, 1, 0, 3].map((priority, i) => ({
				payload: { i },
				priority,
				scheduled_at: later,
				idempotency_key: `inv-${i < 3 ? 'a' : 'b'}-${i}`,
			})),
		);
		const [waiting] = await enqueue(db(), queue, [{ payload: { waits: true }, depends_on: [ids[0]] }]);
		const expected = async (where, params, order = 'seq desc') =>
			(await db().query(`select id from mcp_jobs.jobs where ${where} order by ${order}`, params)).rows.map((r) => r.id);
		/** Fills the filter form, applies it and waits until the table shows exactly `want`, in order. */
		const search = async (fields, want) => {
			await page.click('#jobs-filters button[type=reset]');
			await page.waitForFunction(() => document.querySelector('#jobs-filters input[name=search]').value === '');
			for (const [name, value] of Object.entries(fields)) {
				if (name === 'status' || name === 'sort') await page.selectOption(`#jobs-filters select[name=${name}]`, value);
				else await page.fill(`#jobs-filters input[name=${name}]`, value);
			}
			await page.click('#jobs-filters button[type=submit]');
			await page
				.waitForFunction(
					(ids) =>
						JSON.stringify([...document.querySelectorAll('#jobs-table tbody tr[data-job-id]')].map((r) => r.dataset.jobId)) ===
						JSON.stringify(ids),
					want,
					{ timeout: 10_000 },
				)
				.catch(() => undefined);
			const shown = await page.locator('#jobs-table tbody tr[data-job-id]').evaluateAll((rows) => rows.map((r) => r.dataset.jobId));
			assert.deepEqual(shown, want, JSON.stringify(fields));
		};

		await page.click('.tab[data-view=jobs]');
		assert.equal(await page.isVisible('#jobs-hint'), false, 'no feature is missing');
		const byKey = await expected("idempotency_key like 'inv-a%'");
		assert.deepEqual(byKey, [ids[2], ids[1], ids[0]]);
		await search({ search: 'inv-a' }, byKey);
		await search({ search: ids[4] }, [ids[4]]);
		const prefix = ids[5].slice(0, 8).toUpperCase();
		const byPrefix = await expected(`id::text like $1 || '%' or idempotency_key like $2 || '%'`, [prefix.toLowerCase(), prefix]);
		assert.ok(byPrefix.includes(ids[5]));
		await search({ search: prefix }, byPrefix);
		const byPriority = await expected('queue = $1', [queue], 'priority, seq');
		assert.deepEqual(byPriority.slice(0, 3), [ids[4], ids[1], ids[3]], 'priority 0, then 1 oldest first');
		await search({ queue, sort: 'priority' }, byPriority);
		await search({ queue, status: 'waiting' }, [waiting]);
		assert.equal((await one('select status from mcp_jobs.jobs where id = $1', [waiting])).status, 'waiting');
		await page.click('#jobs-filters button[type=reset]');
	}),
);

test(
	'dead letters: grouped by final error; requeue one, resolve two with notes (bulk)',
	guard(async () => {
		await page.click('.tab[data-view=dead-letters]');
		const group = page.locator('#groups-table tr', { hasText: 'upstream timeout after 30 s' });
		await group.waitFor();
		assert.equal(await group.locator('td').nth(1).textContent(), '2');

		const letters = await db().query(
			'select id, job_id, final_error from mcp_jobs.dead_letter_queue where queue = $1 and not resolved order by seq',
			[QUEUE],
		);
		const byJob = new Map(letters.rows.map((d) => [d.job_id, d.id]));
		const requeued = byJob.get(seeded.dead[2]);
		await page.check(`#dead-letters-table tr[data-dead-letter-id="${requeued}"] input[type=checkbox]`);
		await page.click('#requeue-selected');
		await assertNotice(/Requeued 1 dead letter\(s\): their jobs run again with fresh attempts\./);
		assert.deepEqual(await one('select resolved, resolution_notes from mcp_jobs.dead_letter_queue where id = $1', [requeued]), {
			resolved: true,
			resolution_notes: 'requeued',
		});
		assert.deepEqual(await one('select status, attempts from mcp_jobs.jobs where id = $1', [seeded.dead[2]]), {
			status: 'queued',
			attempts: 0,
		});

		await group.getByRole('button', { name: 'Select 2' }).click();
		await page.click('#resolve-selected');
		await assertNotice(/Write a note before resolving/, 'bad');
		await page.fill('#dead-letter-notes', 'upstream fixed, data re-synced by hand');
		await page.click('#resolve-selected');
		await assertNotice(/Resolved 2 dead letter\(s\)\./);
		const resolved = await db().query(
			'select resolved, resolved_by, resolution_notes from mcp_jobs.dead_letter_queue where id = any($1::uuid[])',
			[[byJob.get(seeded.dead[0]), byJob.get(seeded.dead[1])]],
		);
		assert.deepEqual(
			resolved.rows,
			Array(2).fill({ resolved: true, resolved_by: 'dashboard', resolution_notes: 'upstream fixed, data re-synced by hand' }),
		);
		await page.waitForFunction(() => document.querySelectorAll('#dead-letters-table tbody tr').length === 1);
	}),
);

test(
	'dead letters: the groups count every unresolved dead letter, as SQL groups them (Dead Letter → Get Groups)',
	guard(async () => {
		// 600 more dead letters in another queue, through the queue's functions: more than the page lists (500)
		const queue = 'dash-e2e-groups';
		const ids = await enqueue(
			db(),
			queue,
			Array.from({ length: 600 }, (_, i) => ({ payload: { i }, max_retries: 0 })),
		);
		const { rows: claimed } = await db().query("select id from mcp_jobs.claim_next_job('e2e-groups', $1, null, 1000, 600)", [queue]);
		assert.equal(claimed.length, ids.length);
		await db().query('select * from mcp_jobs.fail_jobs($1::jsonb)', [
			JSON.stringify(ids.map((id, i) => ({ job_id: id, worker_id: 'e2e-groups', error: i % 3 ? 'quota exceeded' : 'bad gateway (502)' }))),
		]);
		const { rows: want } = await db().query(
			`select coalesce(final_error, '(no message)') as error, count(*)::int as n, queue
			 from mcp_jobs.dead_letter_queue where not resolved
			 group by queue, final_error order by count(*) desc, max(created_at) desc, queue, final_error`,
		);
		assert.deepEqual(
			want.slice(0, 2).map((g) => [g.error, g.n]),
			[
				['quota exceeded', 400],
				['bad gateway (502)', 200],
			],
		);
		await page.click('.tab[data-view=overview]');
		await page.click('.tab[data-view=dead-letters]');
		const read = () =>
			page
				.locator('#groups-table tbody tr')
				.evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent)));
		const expectedRows = want.map((g) => [g.error, g.n.toLocaleString('en'), g.queue]);
		await page
			.waitForFunction(
				(n) =>
					document.querySelectorAll('#groups-table tbody tr').length === n &&
					/400/.test(document.querySelector('#groups-table tbody td:nth-child(2)')?.textContent),
				expectedRows.length,
				{
					timeout: 10_000,
				},
			)
			.catch(() => undefined);
		assert.deepEqual(await read(), expectedRows);
		assert.match(
			await page.textContent('#groups-hint'),
			/^60\d unresolved dead letters in \d+ group\(s\); the list below shows the newest 500/,
		);
		// resolved again, so that the timings at the end list as many dead letters as before
		await db().query(
			`select count(*) from mcp_jobs.resolve_dead_letters((select jsonb_agg(jsonb_build_object('dead_letter_id', id))
			   from mcp_jobs.dead_letter_queue where queue = $1 and not resolved))`,
			[queue],
		);
	}),
);

test(
	'enqueue form: bad input is named; a valid job is enqueued and seen completing',
	guard(async () => {
		await page.click('.tab[data-view=enqueue]');
		const before = (await one('select count(*)::int as n from mcp_jobs.jobs')).n;
		await page.fill('#enqueue-job-type', '');
		await page.fill('#enqueue-payload', '{"hello": ');
		await page.fill('#enqueue-priority', '-1');
		await page.click('#enqueue-form button[type=submit]');
		const errors = await page.locator('#enqueue-errors li').allTextContents();
		assert.equal(errors.length, 3, errors.join(' | '));
		assert.match(errors.join(' | '), /Job type is required.*Payload is not valid JSON.*Priority must be a whole number from 0 to 1000000/);
		assert.equal((await one('select count(*)::int as n from mcp_jobs.jobs')).n, before, 'nothing enqueued');

		await page.fill('#enqueue-job-type', 'example');
		await page.fill('#enqueue-payload', '{"hello": "dashboard"}');
		await page.fill('#enqueue-priority', '2');
		await page.fill('#enqueue-idempotency-key', `form-${Date.now()}`);
		await page.click('#enqueue-form button[type=submit]');
		await assertNotice(/Enqueued job \w{8} \(example\) in queue "default"/);
		const job = await one(
			"select id, payload, priority, source from mcp_jobs.jobs where job_type = 'example' and source = 'dashboard' " +
				'order by seq desc limit 1',
		);
		assert.deepEqual({ payload: job.payload, priority: job.priority }, { payload: { hello: 'dashboard' }, priority: 2 });
		// the instant worker runs it; the open panel follows the job without a reload
		await page.locator('#job-body .badge.completed').first().waitFor({ timeout: 30_000 });
		assert.equal((await one('select status from mcp_jobs.jobs where id = $1', [job.id])).status, 'completed');
		// the Job Trigger stores the last node's output as the job's result: the example handler's echo
		assert.match(await page.textContent('#job-result'), /"hello": "dashboard"[\s\S]*"handled": true/);
		await page.click('#job-close');
	}),
);

test(
	'overview: the throughput chart shows the completed and failed runs per hour and the open jobs of SQL (Queue → Get Throughput)',
	guard(async () => {
		const { rows: want } = await db().query(
			`with h as (select g, g + interval '1 hour' as e
			            from generate_series(date_trunc('hour', now()) - interval '23 hours', date_trunc('hour', now()), interval '1 hour') g)
			 select (select count(*) from mcp_jobs.jobs j
			          where j.status = 'completed' and j.finished_at >= h.g and j.finished_at < h.e)::int as completed,
			        (select count(*) from mcp_jobs.job_runs r
			          where r.status in ('failed', 'lease_expired') and r.finished_at >= h.g and r.finished_at < h.e)::int as failed
			 from h order by h.g`,
		);
		const open = (await one("select count(*)::int as n from mcp_jobs.jobs where status in ('waiting', 'queued', 'running')")).n;
		const expected = want.map((h) => [h.completed, h.failed]);
		const total = (k) => expected.reduce((sum, h) => sum + h[k], 0);
		assert.ok(total(0) >= 4 && total(1) >= 605, 'the seeded, enqueued and dead-lettered jobs are in the window');
		await page.click('.tab[data-view=jobs]');
		await page.click('.tab[data-view=overview]'); // reloads the chart
		const bars = () =>
			page.locator('#throughput rect.completed title').evaluateAll((titles) =>
				titles.map((t) => {
					const [, completed, failed, depth] = /: ([\d,]+) completed, ([\d,]+) failed, ([\d,]+) open/.exec(t.textContent);
					return [completed, failed, depth].map((n) => Number(n.replace(/,/g, '')));
				}),
			);
		await page
			.waitForFunction(
				(want) =>
					JSON.stringify(
						[...document.querySelectorAll('#throughput rect.completed title')].map((t) =>
							/: ([\d,]+) completed, ([\d,]+) failed/
								.exec(t.textContent)
								.slice(1)
								.map((n) => Number(n.replace(/,/g, ''))),
						),
					) === JSON.stringify(want),
				expected,
				{ timeout: 15_000 },
			)
			.catch(() => undefined);
		const shown = await bars();
		assert.deepEqual(
			shown.map(([completed, failed]) => [completed, failed]),
			expected,
		);
		assert.equal(shown.at(-1)[2], open, 'open jobs now');
		assert.match(await page.getAttribute('#throughput svg', 'aria-label'), /^Last 24 hours: \d+ completed, \d+ failed$/);
	}),
);

test(
	'job content with markup is shown as text and never runs',
	guard(async () => {
		await page.click('.tab[data-view=jobs]');
		await page.click('#jobs-filters button[type=reset]');
		await page.fill('#jobs-filters input[name=queue]', QUEUE);
		await page.click('#jobs-filters button[type=submit]');
		const row = page.locator(`#jobs-table tr[data-job-id="${seeded.xss}"]`);
		await row.waitFor();
		assert.equal(await row.locator('td').nth(1).textContent(), `report ${XSS.script}`, 'job type as text');
		assert.equal(await row.locator('td').nth(2).textContent(), XSS.img, 'source as text');
		await row.click();
		await page.waitForSelector('#job-payload');
		assert.deepEqual(JSON.parse(await page.textContent('#job-payload')), { script: XSS.script, img: XSS.img });
		await page.click('#job-close');
		await page.click(`#jobs-table tr[data-job-id="${seeded.dead[3]}"]`);
		await page.waitForSelector('#job-error');
		assert.equal(await page.textContent('#job-error'), `handler crashed: ${XSS.img} ${XSS.script}`);
		await page.click('#job-close');
		await page.click('.tab[data-view=dead-letters]');
		await page.locator('#groups-table td', { hasText: 'handler crashed' }).first().waitFor();

		assert.equal(await page.evaluate(() => window.__xss), undefined, 'no injected script or handler ran');
		assert.equal(await page.locator('img').count(), 0, 'no <img> element was created from job content');
		assert.equal(await page.locator('script').count(), 1, "only the page's own script");
		assert.deepEqual(problems, [], 'no page errors or CSP violations');
	}),
);

test(
	'Lock forgets the key: back to the bare prompt, nothing of the queue left in the page',
	guard(async () => {
		await page.click('.tab[data-view=overview]');
		await page.locator('#queues-table tbody tr').first().waitFor();
		await page.click('#lock');
		await page.waitForSelector('#key-prompt:not([hidden])');
		assert.equal(await page.isVisible('#app'), false);
		assert.equal(await page.locator('#app td, #app li, #job-body *, #pause-queue option, #queue-names option, #throughput *').count(), 0);
		assert.equal(await page.inputValue('#key-input'), '');
	}),
);

test(
	`${VOLUME.toLocaleString('en')} jobs: first paint and refresh times`,
	{ timeout: 20 * 60_000 },
	guard(async () => {
		const t0 = Date.now();
		await seedVolume(db(), 'volume', VOLUME);
		console.log(`  seeded ${VOLUME} jobs in ${Math.round((Date.now() - t0) / 1000)} s`);
		({ page, problems } = await openDashboard(browser, stack.n8n.baseUrl));
		const firstPaint = await unlock(page, stack.apiKey);
		await page.uncheck('#auto-refresh'); // only the measured refreshes run
		const refreshes = [];
		for (const view of ['overview', 'jobs', 'dead-letters']) {
			await page.evaluate(() => performance.clearMeasures('dashboard:refresh'));
			await page.click(`.tab[data-view=${view}]`); // this first refresh warms the view up, unmeasured
			await page.waitForFunction(() => performance.getEntriesByName('dashboard:refresh').length > 0);
			for (let i = 0; i < 7; i++) {
				await page.evaluate(() => performance.clearMeasures('dashboard:refresh'));
				await page.click('#refresh-now');
				const ms = await page
					.waitForFunction(() => performance.getEntriesByName('dashboard:refresh').at(-1)?.duration)
					.then((h) => h.jsonValue());
				refreshes.push({ view, ms: Math.round(ms) });
			}
		}
		const byView = Object.fromEntries(
			['overview', 'jobs', 'dead-letters'].map((v) => [v, median(refreshes.filter((r) => r.view === v).map((r) => r.ms))]),
		);
		const load = loadavg()[0].toFixed(1);
		console.log(
			`  first paint ${Math.round(firstPaint)} ms; refresh medians ${JSON.stringify(byView)} ms; ` +
				`all ${refreshes.map((r) => r.ms).join(' ')}; load average ${load}`,
		);
		const count = await queueCellOf('volume', 'completed');
		assert.equal(count, (VOLUME * 0.9).toLocaleString('en'));
		assert.deepEqual(problems, []);
		// The targets (first paint < 1 s, refresh < 300 ms) are measured here and recorded in docs/dashboard.md, not
		// asserted: on a shared 2-core machine they follow its load. The bounds below (5x) catch a real regression,
		// e.g. a view that reads every job again.
		const met = (ms, target) => (ms < target ? 'met' : `NOT met at load ${load}`);
		console.log(
			`  targets: first paint ${met(firstPaint, 1000)}; ` +
				Object.entries(byView)
					.map(([v, ms]) => `${v} ${met(ms, 300)}`)
					.join(', '),
		);
		assert.ok(firstPaint < 5000, `first paint ${Math.round(firstPaint)} ms < 5000 ms`);
		for (const [view, ms] of Object.entries(byView)) assert.ok(ms < 1500, `${view} refresh median ${ms} ms < 1500 ms`);
	}),
);

async function queueCellOf(queue, field) {
	await page.click('.tab[data-view=overview]');
	return page.locator(`#queues-table tr[data-queue="${queue}"] td[data-field="${field}"]`).textContent();
}

async function assertNotice(pattern, kind = 'ok') {
	await waitUntil(async () => pattern.test((await notice().textContent()) ?? ''), {
		timeoutMs: 15_000,
		intervalMs: 100,
		what: `the notice ${pattern}`,
		details: () => '',
	}).catch(async (error) => {
		throw new Error(`${error.message}; the notice says: ${await notice().textContent()}`);
	});
	assert.equal(await notice().getAttribute('class'), `notice ${kind}`);
}
