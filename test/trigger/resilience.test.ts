// Job Trigger: a killed LISTEN connection, "Notify" mode, the manual test ("Fetch test event") and activation
// errors, against the real database with n8n-core's real TriggerContext.
import type { INodeParameters } from 'n8n-workflow';
import { JobTrigger } from '../../nodes/JobTrigger/JobTrigger.node';
import { closeAllPools } from '../../nodes/shared/transport/postgresTransport';
import { createEmptyDatabase, type TestDatabase } from '../support/database';
import { fakeRun, startTrigger, type StartTriggerOptions, type StartedTrigger } from '../support/n8n/run-workflow';
import { enqueue, enqueueN, jobsOf, listenBackends, postgresCredentials, useTriggerDatabase, waitFor, watchCycles, watchLog } from './helpers';
import { startProxy } from './tcp-proxy';

const env = useTriggerDatabase();
const started = env.started;
let db: TestDatabase;
beforeAll(() => (db = env.db));

async function start(parameters: INodeParameters, opts: Partial<StartTriggerOptions> = {}): Promise<StartedTrigger> {
	const trigger = await startTrigger(new JobTrigger(), { parameters, credentials: postgresCredentials(db.url), ...opts });
	started.push(trigger);
	return trigger;
}

test('LISTEN connection killed (pg_terminate_backend) mid-run: reconnects, catches up, loses and repeats nothing', async () => {
	const trigger = await start({ queue: 'kill', maxConcurrent: 20, options: { pollIntervalSeconds: 60 } });
	const [first] = await waitFor(() => listenBackends(db.pool), 'the LISTEN backend');
	const ids = await enqueueN(db.pool, 'kill', 2);
	await trigger.waitForEmits(2, 2000); // both still running: no execution end wakes the trigger below

	const killed = await db.pool.query(`select pg_terminate_backend($1) as ok`, [first]);
	expect(killed.rows[0].ok).toBe(true);
	// enqueued while nobody listens: their NOTIFY is lost; the catch-up poll after reconnecting finds them
	ids.push(...(await enqueueN(db.pool, 'kill', 3)));
	const t0 = performance.now();
	await trigger.waitForEmits(5, 5000);
	console.log(`Job Trigger: jobs enqueued while the LISTEN connection was down emitted ${Math.round(performance.now() - t0)} ms later`);
	const [second] = await waitFor(async () => {
		const pids = await listenBackends(db.pool);
		return pids?.includes(first) ? undefined : pids;
	}, 'a new LISTEN backend');
	expect(second).not.toBe(first);

	// and instant wake-ups work again
	ids.push(...(await enqueueN(db.pool, 'kill', 2)));
	await trigger.waitForEmits(7, 2000);
	for (const e of trigger.emitted) e.donePromise!.resolve(fakeRun('success'));
	await waitFor(async () => (await jobsOf(db.pool, 'kill')).every((r) => r.status === 'completed'), 'all jobs completed');
	await trigger.close(); // nothing is emitted after this

	const emittedIds = trigger.emitted.map((e) => e.data[0][0].json.id);
	expect(emittedIds).toHaveLength(7);
	expect(new Set(emittedIds)).toEqual(new Set(ids));
	const runs = await db.pool.query(
		`select j.id, count(r.*)::int as runs from mcp_jobs.jobs j join mcp_jobs.job_runs r on r.job_id = j.id
		 where j.queue = 'kill' group by j.id`,
	);
	expect(runs.rows.map((r) => r.runs)).toEqual([1, 1, 1, 1, 1, 1, 1]);
});

test('database outage (all connections cut and refused until a heartbeat and a reconnect failed): no crash, reconnects, catches up', async () => {
	const proxy = await startProxy(db.url);
	try {
		const trigger = await start({ queue: 'outage', leaseSeconds: 5, options: { pollIntervalSeconds: 60 } }, {
			credentials: postgresCredentials(proxy.url),
		});
		await waitFor(() => listenBackends(db.pool), 'the LISTEN backend');
		const [running] = await enqueueN(db.pool, 'outage', 1);
		await trigger.waitForEmits(1, 2000);

		const log = watchLog(trigger);
		const failed = (pattern: RegExp) => log.lines.filter((l) => pattern.test(l)).length;
		const down = performance.now();
		await proxy.down();
		const during = await enqueueN(db.pool, 'outage', 2); // directly: the trigger cannot see the database
		await waitFor(
			() => failed(/could not renew the leases/) >= 1 && failed(/LISTEN connection lost or refused/) >= 2,
			'a failed heartbeat (every ~1.7 s) and a refused reconnect',
		);
		await proxy.up();
		const t0 = performance.now();
		await trigger.waitForEmits(3, 8000);
		console.log(
			`Job Trigger: after a ${Math.round(t0 - down)} ms outage, the jobs enqueued during it were emitted ` +
				`${Math.round(performance.now() - t0)} ms after the database came back`,
		);
		expect(trigger.emitted.map((e) => e.data[0][0].json.id)).toEqual([running, ...during]);

		for (const e of trigger.emitted) e.donePromise!.resolve(fakeRun('success'));
		await waitFor(async () => (await jobsOf(db.pool, 'outage')).every((r) => r.status === 'completed'), 'all jobs completed');
		const runs = await db.pool.query(
			`select count(*)::int as n from mcp_jobs.job_runs r join mcp_jobs.jobs j on j.id = r.job_id where j.queue = 'outage'`,
		);
		expect(runs.rows[0].n).toBe(3);
	} finally {
		await Promise.all(started.splice(0).map((t) => t.close()));
		await proxy.down();
	}
});

describe('Notify mode', () => {
	test('emits the new jobs of one wake-up as one execution, without claiming; no backfill; filters by source', async () => {
		const older = await enqueueN(db.pool, 'notify', 2, { source: 'mine' });
		const trigger = await start({ mode: 'notify', queue: 'notify', source: 'mine', options: { pollIntervalSeconds: 60 } });
		await waitFor(() => listenBackends(db.pool), 'the LISTEN backend');
		await enqueue(db.pool, 'notify', [{ source: 'other' }]);
		const fresh = await enqueueN(db.pool, 'notify', 3, { source: 'mine' });
		await trigger.waitForEmits(1, 2000);
		// the next job comes alone in the next execution: the first one had all three
		const next = await enqueueN(db.pool, 'notify', 1, { source: 'mine' });
		await trigger.waitForEmits(2, 2000);
		expect(trigger.emitted.map((e) => e.data[0].map((item) => item.json.id))).toEqual([fresh, next]);
		const [{ data, donePromise }] = trigger.emitted;
		expect(donePromise).toBeUndefined();
		expect(data[0][0].json).toMatchObject({ queue: 'notify', source: 'mine', status: 'queued', attempts: 0 });

		const rows = await jobsOf(db.pool, 'notify');
		expect(rows.map((r) => [r.status, r.attempts])).toEqual(Array(7).fill(['queued', 0]));
		expect(rows.slice(0, 2).map((r) => r.id)).toEqual(older);
	});

	test('filters by job types (several) and sees each job once, also over polls', async () => {
		const cycles = watchCycles();
		const trigger = await start({
			mode: 'notify',
			queue: 'notify-types',
			jobTypes: 'a, b',
			options: { listen: false, pollIntervalSeconds: 1 },
		});
		const [a, , b] = await enqueue(db.pool, 'notify-types', [{ job_type: 'a' }, { job_type: 'c' }, { job_type: 'b' }]);
		await trigger.waitForEmits(1, 2500);
		const polled = cycles.count();
		await waitFor(() => cycles.count() >= polled + 2, 'two more polls');
		expect(trigger.emitted).toHaveLength(1);
		// and the next poll emits only what is new
		const [c] = await enqueue(db.pool, 'notify-types', [{ job_type: 'b' }]);
		await trigger.waitForEmits(2, 2500);
		expect(trigger.emitted.map((e) => e.data[0].map((item) => item.json.id))).toEqual([[a, b], [c]]);
	});
});

describe('manual test (Fetch test event)', () => {
	test('emits the newest queued job without claiming it', async () => {
		const [, newest] = await enqueueN(db.pool, 'manual', 2);
		const trigger = await start({ queue: 'manual' }, { mode: 'manual' });
		await trigger.manualTriggerFunction!();
		await expect(trigger.response?.manualTriggerResponse).resolves.toEqual([[{ json: expect.objectContaining({ id: newest }) }]]);
		expect((await jobsOf(db.pool, 'manual')).map((r) => r.status)).toEqual(['queued', 'queued']);
	});

	test('fails with what to do when the queue has no queued job', async () => {
		const trigger = await start({ queue: 'manual-empty' }, { mode: 'manual' });
		await expect(trigger.manualTriggerFunction!()).rejects.toThrow(
			'No queued job in queue manual-empty — enqueue one with the Enqueue Job node, then fetch again',
		);
		const typed = await start({ queue: 'manual-empty', jobTypes: 'send_email' }, { mode: 'manual' });
		await expect(typed.manualTriggerFunction!()).rejects.toThrow(/No queued job of type send_email in queue manual-empty/);
	});
});

test('activation fails with an explained error when the migrations are missing', async () => {
	const empty = await createEmptyDatabase();
	try {
		await expect(
			startTrigger(new JobTrigger(), { parameters: { queue: 'x' }, credentials: postgresCredentials(empty.url) }),
		).rejects.toThrow(/next_job_due_at was not found: the migrations are not applied/);
	} finally {
		await closeAllPools();
		await empty.drop();
	}
});
