// Bad input: the documented SQLSTATE (22023 bad argument, PT404 unknown job, PT409 not held / wrong state),
// a message naming the field, and every table left exactly as it was.
import { TestDatabase } from '../support/database';
import { claim, enqueue, one, openTestDatabase, pgError, snapshotTables, UNKNOWN } from './helpers';

let db: TestDatabase;
const ids: Record<string, string> = {};

beforeAll(async () => {
	db = await openTestDatabase();
	// some of everything, so the checksums cover real rows
	ids.running = await enqueue(db.pool, { priority: 0 });
	ids.dead = await enqueue(db.pool, { priority: 1, maxRetries: 0 });
	ids.done = await enqueue(db.pool, { priority: 2 });
	await claim(db.pool, 'w1', { limit: 3 });
	await db.pool.query(`select mcp_jobs.complete_job($1)`, [ids.done]);
	ids.dl = (await one(db.pool, `select dead_letter_id from mcp_jobs.fail_job($1, 'x')`, [ids.dead])).dead_letter_id;
	ids.resolvedDl = (await one(db.pool, `insert into mcp_jobs.dead_letter_queue (job_id, queue, source, job_type, payload, attempts, resolved, resolved_at)
		values (gen_random_uuid(), 'default', 's', 't', '{}', 1, true, now()) returning id`)).id;
	ids.queued = await enqueue(db.pool, { scheduledAt: '2099-01-01T00:00:00Z', idempotencyKey: 'k' });
	await db.pool.query(`select mcp_jobs.set_queue_paused('paused', true, 'why')`);
	await db.pool.query(`insert into mcp_jobs.metrics (bucket, queue, source, job_type, enqueued) values (date_trunc('hour', now()), 'default', 's', 't', 1)`);
	await db.pool.query(`select mcp_jobs.log_job_event($1, 'hello')`, [ids.running]);
});
afterAll(async () => { await db.drop(); });

type Case = [name: string, sql: string, params: (keyof typeof ids | string | null)[], code: string, message: RegExp];

const oversized = JSON.stringify(Array.from({ length: 10001 }, () => ({ source: 's', job_type: 't' })));

const cases: Case[] = [
	// enqueue_job
	['enqueue_job null source', `select mcp_jobs.enqueue_job(null, 'sync')`, [], '22023', /^p_source is required/],
	['enqueue_job empty source', `select mcp_jobs.enqueue_job('', 'sync')`, [], '22023', /^p_source is required/],
	['enqueue_job null job_type', `select mcp_jobs.enqueue_job('n8n', null)`, [], '22023', /^p_job_type is required/],
	['enqueue_job blank job_type', `select mcp_jobs.enqueue_job('n8n', '   ')`, [], '22023', /^p_job_type is required/],
	['enqueue_job array payload', `select mcp_jobs.enqueue_job('n8n', 'sync', '[1,2]')`, [], '22023', /^p_payload must be a JSON object, got array/],
	['enqueue_job string payload', `select mcp_jobs.enqueue_job('n8n', 'sync', '"text"')`, [], '22023', /^p_payload must be a JSON object, got string/],
	['enqueue_job negative priority', `select mcp_jobs.enqueue_job('n8n', 'sync', '{}', -1)`, [], '22023', /^p_priority must be a whole number from 0 to 1000000, got -1/],
	['enqueue_job negative max_retries', `select mcp_jobs.enqueue_job('n8n', 'sync', p_max_retries => -1)`, [], '22023', /^p_max_retries must be a whole number from 0/],
	['enqueue_job negative retry delay', `select mcp_jobs.enqueue_job('n8n', 'sync', p_retry_delay_seconds => -1)`, [], '22023', /^p_retry_delay_seconds must be a whole number from 0/],
	// enqueue_jobs
	['enqueue_jobs object', `select * from mcp_jobs.enqueue_jobs('{}')`, [], '22023', /^p_jobs must be a JSON array/],
	['enqueue_jobs null', `select * from mcp_jobs.enqueue_jobs(null)`, [], '22023', /^p_jobs must be a JSON array/],
	['enqueue_jobs element not an object', `select * from mcp_jobs.enqueue_jobs('[5]')`, [], '22023', /^p_jobs\[0\] must be a JSON object/],
	['enqueue_jobs one bad element rejects the batch', `select * from mcp_jobs.enqueue_jobs('[{"source":"s","job_type":"a"},{"source":"s"}]')`, [], '22023', /^p_jobs\[1\]\.job_type is required/],
	['enqueue_jobs missing source', `select * from mcp_jobs.enqueue_jobs('[{"job_type":"a"}]')`, [], '22023', /^p_jobs\[0\]\.source is required/],
	['enqueue_jobs source not a string', `select * from mcp_jobs.enqueue_jobs('[{"source":1,"job_type":"a"}]')`, [], '22023', /^p_jobs\[0\]\.source must be a text \(JSON string\)/],
	['enqueue_jobs bad scheduled_at', `select * from mcp_jobs.enqueue_jobs('[{"source":"s","job_type":"a","scheduled_at":"next tuesday"}]')`, [], '22023', /^p_jobs\[0\]\.scheduled_at must be an ISO 8601 timestamp/],
	['enqueue_jobs numeric scheduled_at', `select * from mcp_jobs.enqueue_jobs('[{"source":"s","job_type":"a","scheduled_at":12345}]')`, [], '22023', /^p_jobs\[0\]\.scheduled_at/],
	['enqueue_jobs word priority', `select * from mcp_jobs.enqueue_jobs('[{"source":"s","job_type":"a","priority":"high"}]')`, [], '22023', /^p_jobs\[0\]\.priority must be a whole number/],
	['enqueue_jobs fractional priority', `select * from mcp_jobs.enqueue_jobs('[{"source":"s","job_type":"a","priority":1.5}]')`, [], '22023', /^p_jobs\[0\]\.priority must be a whole number from 0 to 1000000/],
	['enqueue_jobs array payload', `select * from mcp_jobs.enqueue_jobs('[{"source":"s","job_type":"a","payload":[1]}]')`, [], '22023', /^p_jobs\[0\]\.payload must be a JSON object/],
	['enqueue_jobs numeric idempotency key', `select * from mcp_jobs.enqueue_jobs('[{"source":"s","job_type":"a","idempotency_key":5}]')`, [], '22023', /^p_jobs\[0\]\.idempotency_key must be a text \(JSON string\)/],
	['enqueue_jobs over 10000', `select * from mcp_jobs.enqueue_jobs($1::jsonb)`, [oversized], '22023', /^p_jobs has 10001 items; send at most 10000/],
	// claim_next_job
	['claim null worker', `select * from mcp_jobs.claim_next_job(null)`, [], '22023', /^p_worker_id is required/],
	['claim blank worker', `select * from mcp_jobs.claim_next_job('  ')`, [], '22023', /^p_worker_id is required/],
	['claim p_limit 0', `select * from mcp_jobs.claim_next_job('w', p_limit => 0)`, [], '22023', /^p_limit must be a whole number from 1 to 1000, got 0/],
	['claim p_limit 1001', `select * from mcp_jobs.claim_next_job('w', p_limit => 1001)`, [], '22023', /^p_limit must be a whole number from 1 to 1000/],
	['claim p_limit null', `select * from mcp_jobs.claim_next_job('w', p_limit => null)`, [], '22023', /^p_limit must be a whole number from 1 to 1000/],
	['claim p_lease_seconds 0', `select * from mcp_jobs.claim_next_job('w', p_lease_seconds => 0)`, [], '22023', /^p_lease_seconds must be a whole number from 1 to 86400/],
	['claim p_lease_seconds too long', `select * from mcp_jobs.claim_next_job('w', p_lease_seconds => 86401)`, [], '22023', /^p_lease_seconds must be a whole number from 1 to 86400/],
	// complete_job / fail_job / heartbeat_job
	['complete_job null id', `select mcp_jobs.complete_job(null)`, [], '22023', /^p_job_id is required/],
	['complete_job unknown id', `select mcp_jobs.complete_job($1)`, [UNKNOWN], 'PT404', new RegExp(`^job ${UNKNOWN} not found`)],
	['complete_job wrong worker', `select mcp_jobs.complete_job($1, null, 'w2')`, ['running'], 'PT409', /held by worker w1, not w2/],
	['complete_job queued job', `select mcp_jobs.complete_job($1)`, ['queued'], 'PT409', /is queued, not running/],
	['complete_job finished job', `select mcp_jobs.complete_job($1)`, ['done'], 'PT409', /is completed, not running/],
	['fail_job null id', `select mcp_jobs.fail_job(null, 'x')`, [], '22023', /^p_job_id is required/],
	['fail_job unknown id', `select mcp_jobs.fail_job($1, 'x')`, [UNKNOWN], 'PT404', /not found/],
	['fail_job wrong worker', `select mcp_jobs.fail_job($1, 'x', 'w2')`, ['running'], 'PT409', /held by worker w1, not w2/],
	['fail_job dead job', `select mcp_jobs.fail_job($1, 'x')`, ['dead'], 'PT409', /is failed, not running/],
	['fail_job negative delay', `select mcp_jobs.fail_job($1, 'x', p_retry_delay_seconds => -1)`, ['running'], '22023', /^p_retry_delay_seconds must be a whole number/],
	['heartbeat_job null id', `select mcp_jobs.heartbeat_job(null)`, [], '22023', /^p_job_id is required/],
	['heartbeat_job unknown id', `select mcp_jobs.heartbeat_job($1)`, [UNKNOWN], 'PT404', /not found/],
	['heartbeat_job wrong worker', `select mcp_jobs.heartbeat_job($1, 'w2')`, ['running'], 'PT409', /not w2/],
	['heartbeat_job lease 0', `select mcp_jobs.heartbeat_job($1, p_lease_seconds => 0)`, ['running'], '22023', /^p_lease_seconds must be a whole number from 1 to 86400/],
	['heartbeat_job progress 101', `select mcp_jobs.heartbeat_job($1, p_progress => 101)`, ['running'], '22023', /^p_progress must be a whole number from 0 to 100/],
	['heartbeat_job progress -1', `select mcp_jobs.heartbeat_job($1, p_progress => -1)`, ['running'], '22023', /^p_progress/],
	// batch forms: the batch itself must be an array
	['complete_jobs object', `select * from mcp_jobs.complete_jobs('{}')`, [], '22023', /^p_jobs must be a JSON array/],
	['fail_jobs null', `select * from mcp_jobs.fail_jobs(null)`, [], '22023', /^p_jobs must be a JSON array/],
	['heartbeat_jobs string', `select * from mcp_jobs.heartbeat_jobs('"x"')`, [], '22023', /^p_jobs must be a JSON array/],
	['log_job_events object', `select * from mcp_jobs.log_job_events('{}')`, [], '22023', /^p_events must be a JSON array/],
	['log_job_event unknown job', `select mcp_jobs.log_job_event($1, 'x')`, [UNKNOWN], 'PT404', /not found/],
	['log_job_event bad type', `select mcp_jobs.log_job_event($1, 'x', 'completed')`, ['queued'], '22023', /^p_event_type must be 'log' or 'progress'/],
	// admin
	['get_job null', `select mcp_jobs.get_job(null)`, [], '22023', /^p_job_id is required/],
	['get_job unknown', `select mcp_jobs.get_job($1)`, [UNKNOWN], 'PT404', /not found/],
	['cancel_job null', `select mcp_jobs.cancel_job(null)`, [], '22023', /^p_job_id is required/],
	['cancel_job unknown', `select mcp_jobs.cancel_job($1)`, [UNKNOWN], 'PT404', /not found/],
	['cancel_job finished', `select mcp_jobs.cancel_job($1)`, ['done'], 'PT409', /is already completed/],
	['retry_job unknown', `select mcp_jobs.retry_job($1)`, [UNKNOWN], 'PT404', /not found/],
	['retry_job running', `select mcp_jobs.retry_job($1)`, ['running'], 'PT409', /is running/],
	['retry_job completed', `select mcp_jobs.retry_job($1)`, ['done'], 'PT409', /is completed/],
	['requeue_dead_letter null', `select mcp_jobs.requeue_dead_letter(null)`, [], '22023', /^p_dead_letter_id is required/],
	['requeue_dead_letter unknown', `select mcp_jobs.requeue_dead_letter($1)`, [UNKNOWN], 'PT404', /dead letter .* not found/],
	['requeue_dead_letter resolved', `select mcp_jobs.requeue_dead_letter($1)`, ['resolvedDl'], 'PT409', /already resolved/],
	['resolve_dead_letter null', `select mcp_jobs.resolve_dead_letter(null)`, [], '22023', /^p_dead_letter_id is required/],
	['resolve_dead_letter unknown', `select mcp_jobs.resolve_dead_letter($1)`, [UNKNOWN], 'PT404', /not found/],
	['resolve_dead_letter resolved', `select mcp_jobs.resolve_dead_letter($1)`, ['resolvedDl'], 'PT409', /already resolved/],
	['list_jobs bad status', `select * from mcp_jobs.list_jobs(p_status => 'done')`, [], '22023', /^p_status must be one of/],
	['list_jobs p_limit 0', `select * from mcp_jobs.list_jobs(p_limit => 0)`, [], '22023', /^p_limit must be a whole number from 1 to 1000/],
	['list_dead_letters p_limit 0', `select * from mcp_jobs.list_dead_letters(p_limit => 0)`, [], '22023', /^p_limit must be a whole number from 1 to 1000/],
	['set_queue_paused null queue', `select mcp_jobs.set_queue_paused(null)`, [], '22023', /^p_queue is required/],
	['set_queue_paused null flag', `select mcp_jobs.set_queue_paused('q', null)`, [], '22023', /^p_paused must be true/],
	['get_queue_stats window 0', `select * from mcp_jobs.get_queue_stats(null, 0)`, [], '22023', /^p_window_hours must be a whole number from 1/],
	['get_queue_stats stuck 0', `select * from mcp_jobs.get_queue_stats(null, 24, 0)`, [], '22023', /^p_stuck_after_minutes must be a whole number from 1/],
	['cleanup_jobs negative days', `select * from mcp_jobs.cleanup_jobs(-1)`, [], '22023', /^p_older_than_days must be a whole number from 0/],
	['cleanup_jobs p_limit 0', `select * from mcp_jobs.cleanup_jobs(30, 0)`, [], '22023', /^p_limit must be a whole number from 1/],
	// timestamps: finite, from 1970 to 9999 (0.1.0 took them, and get_queue_stats then failed for every queue)
	['enqueue_job infinity', `select mcp_jobs.enqueue_job('s', 't', p_scheduled_at => 'infinity')`, [], '22023', /^p_scheduled_at must be a time from 1970-01-01 to 9999-12-31 UTC, got infinity/],
	['enqueue_job -infinity', `select mcp_jobs.enqueue_job('s', 't', p_scheduled_at => '-infinity')`, [], '22023', /^p_scheduled_at must be a time from 1970-01-01/],
	['enqueue_job 4713 BC', `select mcp_jobs.enqueue_job('s', 't', p_scheduled_at => '4713-01-01 BC')`, [], '22023', /^p_scheduled_at must be a time from 1970-01-01/],
	['enqueue_jobs infinity', `select * from mcp_jobs.enqueue_jobs('[{"source":"s","job_type":"t","scheduled_at":"infinity"}]')`, [], '22023', /^p_jobs\[0\]\.scheduled_at must be a time from 1970-01-01/],
	['enqueue_jobs year 10000', `select * from mcp_jobs.enqueue_jobs('[{"source":"s","job_type":"t","scheduled_at":"10000-01-01T00:00:00Z"}]')`, [], '22023', /^p_jobs\[0\]\.scheduled_at must be a time from 1970-01-01/],
	['aggregate_metrics infinity', `select mcp_jobs.aggregate_metrics('-infinity')`, [], '22023', /^p_since must be a time from 1970-01-01/],
	['aggregate_metrics over 48 hours', `select mcp_jobs.aggregate_metrics(now() - interval '3 days')`, [], '22023', /^aggregate_metrics covers at most 48 hours per call/],
	// lengths: names at most 200 characters, keys 500 (0.1.0: btree error 54000 past ~2.7 kB, a broken pg_notify past ~8 kB)
	['enqueue_job 201-character source', `select mcp_jobs.enqueue_job(repeat('s', 201), 't')`, [], '22023', /^p_source is 201 characters long; at most 200 are allowed$/],
	['enqueue_job 8 kB queue', `select mcp_jobs.enqueue_job('s', 't', p_queue => repeat('q', 8000))`, [], '22023', /^p_queue is 8000 characters long; at most 200/],
	['enqueue_job 3 kB job_type', `select mcp_jobs.enqueue_job('s', repeat('t', 3000))`, [], '22023', /^p_job_type is 3000 characters long/],
	['enqueue_job 501-character idempotency key', `select mcp_jobs.enqueue_job('s', 't', p_idempotency_key => repeat('k', 501))`, [], '22023', /^p_idempotency_key is 501 characters long; at most 500/],
	['enqueue_job 3 kB group key', `select mcp_jobs.enqueue_job('s', 't', p_group_key => repeat('g', 3000))`, [], '22023', /^p_group_key is 3000 characters long; at most 500/],
	['enqueue_jobs 8 kB queue', `select * from mcp_jobs.enqueue_jobs(jsonb_build_array(jsonb_build_object('source', 's', 'job_type', 't', 'queue', repeat('q', 8000))))`, [], '22023', /^p_jobs\[0\]\.queue is 8000 characters long/],
	['claim 8 kB queue', `select * from mcp_jobs.claim_next_job('w', repeat('q', 8000))`, [], '22023', /^p_queue is 8000 characters long/],
	['claim blank queue', `select * from mcp_jobs.claim_next_job('w', '  ')`, [], '22023', /^p_queue is blank: pass a queue name/],
	['claim 201-character worker', `select * from mcp_jobs.claim_next_job(repeat('w', 201))`, [], '22023', /^p_worker_id is 201 characters long/],
	['set_queue_paused 8 kB queue', `select mcp_jobs.set_queue_paused(repeat('q', 8000))`, [], '22023', /^p_queue is 8000 characters long/],
	// numbers in JSON, by the one rule, echoing at most 100 characters of the value
	['enqueue_jobs priority "1" and 200,000 zeros', `select * from mcp_jobs.enqueue_jobs(jsonb_build_array(jsonb_build_object('source', 's', 'job_type', 't', 'priority', '1' || repeat('0', 200000))))`, [], '22023', /^p_jobs\[0\]\.priority must be a whole number from 0 to 1000000, got "10{98}… \(200003 characters\)$/],
	['enqueue_jobs unknown field', `select * from mcp_jobs.enqueue_jobs('[{"source":"s","job_type":"t","scheduledAt":"2099-01-01T00:00:00Z"}]')`, [], '22023', /^p_jobs\[0\] has unknown field\(s\) "scheduledAt"; known fields: /],
	['list_jobs 1 MB status', `select * from mcp_jobs.list_jobs(p_status => repeat('x', 1000000))`, [], '22023', /^p_status must be one of waiting, queued, running, completed, failed, cancelled; got "x{99}… \(1000002 characters\)$/],
	// ranges of typed arguments (0.1.0: silently clamped, returned nothing, or leaked an internal 22008)
	['reap_expired_jobs p_limit 0', `select * from mcp_jobs.reap_expired_jobs(p_limit => 0)`, [], '22023', /^p_limit must be a whole number from 1 to 10000, got 0/],
	['reap_expired_jobs p_limit -1', `select * from mcp_jobs.reap_expired_jobs(p_limit => -1)`, [], '22023', /^p_limit must be a whole number from 1 to 10000, got -1/],
	['get_job p_event_limit -1', `select mcp_jobs.get_job($1, -1)`, ['running'], '22023', /^p_event_limit must be a whole number from 0 to 10000, got -1/],
	['cleanup_jobs 2147483647 days', `select * from mcp_jobs.cleanup_jobs(2147483647)`, [], '22023', /^p_older_than_days must be a whole number from 0 to 36500, got 2147483647/],
	['cleanup_jobs keep metrics 2147483647 days', `select * from mcp_jobs.cleanup_jobs(30, 10, 2147483647)`, [], '22023', /^p_keep_metrics_days must be a whole number from 1 to 36500/],
	['cleanup_jobs keep metrics -2147483647 days', `select * from mcp_jobs.cleanup_jobs(30, 10, -2147483647)`, [], '22023', /^p_keep_metrics_days must be a whole number from 1 to 36500/],
	['cleanup_jobs keep metrics -1 days', `select * from mcp_jobs.cleanup_jobs(30, 10, -1)`, [], '22023', /^p_keep_metrics_days must be a whole number from 1 to 36500, got -1/],
	['cleanup_jobs keep metrics 0 days', `select * from mcp_jobs.cleanup_jobs(30, 10, 0)`, [], '22023', /^p_keep_metrics_days must be a whole number from 1 to 36500, got 0/],
	['cleanup_jobs p_limit over 10000', `select * from mcp_jobs.cleanup_jobs(30, 10001)`, [], '22023', /^p_limit must be a whole number from 1 to 10000/],
	// queue limits
	['set_queue_limits max_running 0', `select mcp_jobs.set_queue_limits('q', p_max_running => 0)`, [], '22023', /^p_max_running must be a whole number from 1 to 100000, got 0/],
	['set_queue_limits negative group limit', `select mcp_jobs.set_queue_limits('q', p_group_max_running => -1)`, [], '22023', /^p_group_max_running must be a whole number from 1/],
	['set_queue_limits zero rate', `select mcp_jobs.set_queue_limits('q', p_rate_limit => 0, p_rate_window_seconds => 1)`, [], '22023', /^p_rate_limit must be a whole number from 1/],
	['set_queue_limits rate without window', `select mcp_jobs.set_queue_limits('q', p_rate_limit => 10)`, [], '22023', /^p_rate_window_seconds is required with a rate limit/],
	['set_queue_limits group rate without window', `select mcp_jobs.set_queue_limits('q', p_group_rate_limit => 10)`, [], '22023', /^p_rate_window_seconds is required with a rate limit/],
	['set_queue_limits window without limit', `select mcp_jobs.set_queue_limits('q', p_rate_window_seconds => 60)`, [], '22023', /^p_rate_window_seconds is set without a rate limit/],
	['set_queue_limits null queue', `select mcp_jobs.set_queue_limits(null, 3)`, [], '22023', /^p_queue is required/],
	['set_queue_limits limits of a paused queue', `select mcp_jobs.set_queue_limits('paused', 0)`, [], '22023', /^p_max_running must be a whole number/],
];

test.each(cases)('%s', async (_name, sql, params, code, message) => {
	const before = await snapshotTables(db.pool);
	const error = await pgError(db.pool.query(sql, params.map((p) => (p !== null && p in ids ? ids[p] : p))));
	expect({ code: error.code, message: error.message }).toEqual({ code, message: expect.stringMatching(message) });
	expect(error.code).not.toBe('40001');
	expect(await snapshotTables(db.pool)).toEqual(before);
});

test('the fixture holds rows in every table (so the checksums mean something)', async () => {
	const snap = await snapshotTables(db.pool);
	for (const [table, { count }] of Object.entries(snap)) expect([table, count > 0]).toEqual([table, true]);
});

// The batch functions check the usual item ({job_id, run_id?, worker_id?} and fields without rules) inline and call
// item_problem only for anything else: both ways must judge every item alike.
describe('batch items: the inline check agrees with item_problem', () => {
	const batchFields: [fn: string, known: string[]][] = [
		['complete_jobs', ['job_id', 'run_id', 'worker_id', 'result']],
		['fail_jobs', ['job_id', 'run_id', 'worker_id', 'error', 'retryable', 'retry_delay_seconds']],
		['heartbeat_jobs', ['job_id', 'run_id', 'worker_id', 'lease_seconds', 'progress', 'message']],
	];
	const id = UNKNOWN;
	const items: unknown[] = [
		{ job_id: id },
		{ job_id: ` ${id.replace(/-/g, '')} ` },
		{ job_id: id.toUpperCase(), run_id: null, worker_id: null },
		{ job_id: id, run_id: id, worker_id: 'w'.repeat(200), result: [1], error: { any: 'json' } },
		{ job_id: 5 },
		{ job_id: '' },
		{ job_id: 'not-a-uuid' },
		{ job_id: `${id}0` },
		{ job_id: id, run_id: '' },
		{ job_id: id, run_id: 7 },
		{ job_id: id, run_id: 'x' },
		{ job_id: id, worker_id: '   ' },
		{ job_id: id, worker_id: 'w'.repeat(201) },
		{ job_id: id, worker_id: 3 },
		{ job_id: id, worker_id: ['w'] },
		{ job_id: id, unknown: 1 },
		{ run_id: id },
		{ job_id: null },
		[id],
		id,
	];
	const cases = batchFields.flatMap(([fn, known]) =>
		items.map((item) => [`${fn} ${JSON.stringify(item).slice(0, 80)}`, fn, JSON.stringify(item), known] as const),
	);

	test.each(cases)('%s', async (_name, fn, item, known) => {
		const expected = (await one(db.pool, `select mcp_jobs_private.item_problem($1::jsonb, 'p_jobs[0].', $2, array['job_id']) as p`, [item, known])).p;
		const got = await one(db.pool, `select error_code, error_message from mcp_jobs.${fn}(jsonb_build_array($1::jsonb))`, [item]);
		if (expected === null) expect(got.error_code).toBe('PT404');
		else expect(got).toEqual({ error_code: '22023', error_message: expected });
	});
});
