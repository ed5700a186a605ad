// Recurring jobs with pg_cron, as the README shows them: the statement pg_cron runs on every tick enqueues one job
// per slot, however often it runs in that slot (two schedulers, a retried tick). The README's SQL is what runs here.
// pg_cron itself needs shared_preload_libraries, which the embedded test server does not have, so the schedule is
// not created here: what pg_cron would run on each tick is.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestDatabase } from '../support/database';
import { one, openTestDatabase, rows } from './helpers';

let db: TestDatabase;
beforeAll(async () => (db = await openTestDatabase()));
afterAll(async () => await db.drop());

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const indented = /<!-- recurring-pg-cron[^>]*-->\s*```sql\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const block = indented.replace(/^ {2}/gm, '');
/** The statement pg_cron runs: the body between the $$ of cron.schedule(...). */
const tick = /\$\$([\s\S]*?)\$\$/.exec(block)?.[1]?.trim() ?? '';

test('the README shows a cron.schedule whose statement enqueues with an idempotency key per slot', () => {
	expect(block).toMatch(/^select cron\.schedule\('[^']+', '[^']+', \$\$/);
	expect(tick).toMatch(/^select mcp_jobs\.enqueue_job\(/);
	expect(tick).toMatch(/p_idempotency_key =>/);
});

test('the statement run several times in one slot enqueues one job, keyed by the slot', async () => {
	const ids = [];
	for (let i = 0; i < 3; i++) ids.push(Object.values(await one(db.pool, tick))[0]);
	expect(new Set(ids).size).toBe(1);
	const jobs = await rows(db.pool, `select source, job_type, idempotency_key from mcp_jobs.jobs`);
	expect(jobs).toEqual([{ source: 'pg_cron', job_type: 'nightly_report', idempotency_key: expect.stringMatching(/^nightly_report:\d{4}-\d\d-\d\dT\d\d:\d\d$/) }]);
	const { slot } = await one(db.pool, `select to_char(date_trunc('minute', now()), 'YYYY-MM-DD"T"HH24:MI') as slot`);
	expect(jobs[0].idempotency_key).toBe(`nightly_report:${slot}`);
});
