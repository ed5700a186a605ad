// Job Trigger option Jobs per Execution: up to N claimed jobs start one execution as N items, and each job gets
// its own outcome when the execution ends. The executions are real runs of n8n's engine (WorkflowExecute) over
// the items the trigger emitted, so pairedItem and each node's task `source` are the ones n8n records.
import { NodeApiError, NodeOperationError, type INodeExecutionData, type INodeParameters, type IRun, type JsonObject } from 'n8n-workflow';
import { JobTrigger } from '../../nodes/JobTrigger/JobTrigger.node';
import { JobsClient } from '../../nodes/shared/client';
import type { TestDatabase } from '../support/database';
import {
	MANUAL_TRIGGER_TYPE,
	chain,
	runWorkflow,
	startTrigger,
	type EmittedRun,
	type StartedTrigger,
	type TestNode,
} from '../support/n8n/run-workflow';
import { transformNode } from '../support/n8n/transform-node';
import { enqueue, jobsOf, postgresCredentials, runsOf, useTriggerDatabase, waitFor, watchBatchCalls, type JobSpec } from './helpers';
import { asQueueMode } from './queue-mode';

const env = useTriggerDatabase();
let db: TestDatabase;
beforeAll(() => (db = env.db));

/** The name the trigger node has in the started workflow, and so in the executions' run data. */
const TRIGGER = 'Job Trigger';

async function start(queue: string, jobsPerExecution: number, parameters: INodeParameters = {}): Promise<StartedTrigger> {
	const { options, ...rest } = parameters;
	const trigger = await startTrigger(new JobTrigger(), {
		parameters: { queue, ...rest, options: { pollIntervalSeconds: 60, jobsPerExecution, ...(options as object) } },
		credentials: postgresCredentials(db.url),
	});
	env.started.push(trigger);
	return trigger;
}

/** What each job asks the Handle node to do with its item (payload.action). */
type Action = 'ok' | 'two' | 'none' | 'fail' | 'throw' | 'throw429' | 'throwUnattributed';

/**
 * A per-item handler, like a Code node running once for each item: for each input item (a job row), by its
 * payload.action: 'ok' one output item, 'two' two, 'none' none; 'fail' fails the item (an {error} item when the
 * node is set to continue on error, as n8n nodes do, else a thrown error naming the item); 'throw' and
 * 'throw429' throw an error naming the item, 'throwUnattributed' one naming none.
 */
const handleNode = transformNode('Handle', async function () {
	const out: INodeExecutionData[] = [];
	this.getInputData().forEach((input, item) => {
		const { action = 'ok', i } = input.json.payload as { action?: Action; i: number };
		if (action === 'ok') out.push({ json: { job: i, ok: true }, pairedItem: { item } });
		if (action === 'two') out.push(...[1, 2].map((part) => ({ json: { job: i, part }, pairedItem: { item } })));
		if (action === 'fail') {
			if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), `job ${i} failed`, { itemIndex: item });
			out.push({ json: { error: `job ${i} failed` }, pairedItem: { item } });
		}
		if (action === 'throw') throw new NodeOperationError(this.getNode(), `job ${i} threw`, { itemIndex: item });
		if (action === 'throw429') {
			const body = { message: 'slow down', retry_after: 30 } as JsonObject;
			throw new NodeApiError(this.getNode(), body, { itemIndex: item, httpCode: '429' });
		}
		if (action === 'throwUnattributed') throw new NodeOperationError(this.getNode(), 'the service is down');
	});
	return [out];
});

const nodeTypes = {
	'test.handle': handleNode,
	/** Passes its input items on unchanged (the job rows, when right after the trigger), like a NoOp node. */
	'test.passThrough': transformNode('Pass Through', async function () {
		return [this.getInputData()];
	}),
	/** Adds, after its input items, one item paired with all of them and one paired with none. */
	'test.addSummary': transformNode('Add Summary', async function () {
		const input = this.getInputData();
		const all = input.map((_, index) => ({ item: index }));
		return [
			[
				...input.map((item, index) => ({ json: item.json, pairedItem: { item: index } })),
				{ json: { summary: input.length }, pairedItem: all },
				{ json: { unrelated: true }, pairedItem: [] },
			],
		];
	}),
	/** Routes each item by its job's payload.route, like a Switch node: 'a' to output 0, 'b' to output 1. */
	'test.route': transformNode(
		'Route',
		async function () {
			const routes: INodeExecutionData[][] = [[], []];
			this.getInputData().forEach((input, item) => {
				const { route } = input.json.payload as { route: 'a' | 'b' };
				routes[route === 'a' ? 0 : 1].push({ json: input.json, pairedItem: { item } });
			});
			return routes;
		},
		2,
	),
	/** Rejects the whole batch as a node running once for all items might: an {error} item and a note, linked to no item. */
	'test.rejectBatch': transformNode('Reject Batch', async function () {
		return [[{ json: { error: 'the batch was rejected' } }, { json: { note: 'see the error' } }]];
	}),
};

/**
 * Runs an execution of the workflow Job Trigger → nodes… in n8n's engine, with the items the trigger emitted as the
 * trigger's output, and returns its IRun (as n8n resolves the emit's donePromise with in regular mode).
 */
async function execute(emitted: EmittedRun, nodes: TestNode[]): Promise<IRun> {
	const { run } = await runWorkflow({
		nodeTypes,
		workflow: {
			nodes: [{ name: TRIGGER, type: MANUAL_TRIGGER_TYPE }, ...nodes],
			connections: chain(TRIGGER, ...nodes.map((node) => node.name)),
		},
		input: emitted.data[0],
		mode: 'trigger',
	});
	return run;
}

const handle = (onError?: TestNode['onError']): TestNode => ({ name: 'Handle', type: 'test.handle', onError });

/** Enqueues one job per action (payload {i, action}, no retries unless given); returns the ids in order. */
async function enqueueActions(queue: string, actions: Action[], spec: JobSpec = {}): Promise<string[]> {
	return await enqueue(
		db.pool,
		queue,
		actions.map((action, i) => ({ max_retries: 0, ...spec, payload: { i, action } })),
	);
}

/** The trigger's one execution of all `count` jobs, ended with a real run of `nodes`; then every job's row by id. */
async function runOnce(queue: string, count: number, nodes: TestNode[], options: INodeParameters = {}) {
	const trigger = await start(queue, count, { options });
	const [emitted] = await trigger.waitForEmits(1);
	expect(emitted.data[0]).toHaveLength(count);
	const run = await execute(emitted, nodes);
	emitted.donePromise!.resolve(run);
	const rows = await waitFor(async () => {
		const all = await jobsOf(db.pool, queue);
		return all.every((row) => row.status !== 'running') ? all : undefined;
	}, 'every job finished');
	return { trigger, run, byId: Object.fromEntries(rows.map((row) => [row.id, row])) };
}

/** The claim_next_job calls the trigger makes (their p_limit and how many jobs each returned), until restore(). */
function watchClaims(): { claims: Array<{ limit: number; claimed: number }>; restore(): void } {
	const original = JobsClient.prototype.call;
	const claims: Array<{ limit: number; claimed: number }> = [];
	const spy = jest.spyOn(JobsClient.prototype, 'call').mockImplementation(async function (this: JobsClient, ...args: unknown[]) {
		const answer = await original.apply(this, args as never);
		const [fn, params] = args as [string, { p_limit: number }];
		if (fn === 'claim_next_job') claims.push({ limit: params.p_limit, claimed: (answer as unknown[]).length });
		return answer;
	} as never);
	return { claims, restore: () => spy.mockRestore() };
}

const idsOf = (emitted: EmittedRun) => emitted.data[0].map((item) => item.json.id);

describe('executions', () => {
	test('7 jobs, 3 per execution: one claim, executions of 3, 3 and 1 items, each item a job row in claim order', async () => {
		const ids = await enqueueActions('split', ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
		const watch = watchClaims();
		try {
			const trigger = await start('split', 3, { maxConcurrent: 5 });
			const emitted = await trigger.waitForEmits(3);
			expect(emitted.map(idsOf)).toEqual([ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)]);
			expect(emitted[0].data[0][0].json).toMatchObject({ id: ids[0], status: 'running', payload: { i: 0 }, attempts: 1 });
			// 5 free slots × 3 jobs, in one call
			expect(watch.claims.filter((c) => c.claimed > 0)).toEqual([{ limit: 15, claimed: 7 }]);
			for (const e of emitted) e.donePromise!.resolve(await execute(e, [handle()]));
			await waitFor(async () => (await jobsOf(db.pool, 'split')).every((r) => r.status === 'completed'), '7 completed');
			expect(trigger.emitted).toHaveLength(3);
		} finally {
			watch.restore();
		}
	});

	test('Max Concurrent Executions counts executions: 2 × 3 jobs run; an ended execution lets 3 more in', async () => {
		await enqueueActions('cap', Array<Action>(10).fill('ok'));
		const watch = watchClaims();
		try {
			const trigger = await start('cap', 3, { maxConcurrent: 2 });
			const emitted = await trigger.waitForEmits(2);
			expect(emitted.map((e) => e.data[0].length)).toEqual([3, 3]);
			const counts = async () =>
				Object.fromEntries(
					(await jobsOf(db.pool, 'cap')).reduce((m, r) => m.set(r.status, (m.get(r.status) ?? 0) + 1), new Map()),
				);
			expect(await counts()).toEqual({ running: 6, queued: 4 });

			emitted[0].donePromise!.resolve(await execute(emitted[0], [handle()]));
			await trigger.waitForEmits(3);
			expect(trigger.emitted[2].data[0]).toHaveLength(3);
			await waitFor(async () => (await counts()).completed === 3, 'the first execution’s jobs completed');
			expect(await counts()).toEqual({ completed: 3, running: 6, queued: 1 });
			// never more than the free slots × 3: 2 slots at first, then the one freed
			expect(watch.claims.filter((c) => c.claimed > 0)).toEqual([
				{ limit: 6, claimed: 6 },
				{ limit: 3, claimed: 3 },
			]);
		} finally {
			watch.restore();
		}
	});

	test('a claim cut short (claim_next_job takes at most 1000) is followed at once by one for the slots left', async () => {
		await enqueue(db.pool, 'big', Array.from({ length: 1200 }, (_, i) => ({ payload: { i } })));
		const watch = watchClaims();
		try {
			// polling only: no LISTEN (re)connect wakes it up meanwhile
			const trigger = await start('big', 400, { maxConcurrent: 4, options: { listen: false } });
			const emitted = await trigger.waitForEmits(4);
			expect(emitted.map((e) => e.data[0].length)).toEqual([400, 400, 200, 200]);
			// 4 slots × 400 = 1600 wanted, 1000 claimed; then the one slot left: 400 wanted, the 200 left claimed
			expect(watch.claims).toEqual([
				{ limit: 1000, claimed: 1000 },
				{ limit: 400, claimed: 200 },
			]);
		} finally {
			watch.restore();
		}
	});

	test('heartbeats renew the lease of every job of a running execution, in one call', async () => {
		const ids = await enqueueActions('hb', ['ok', 'ok', 'ok']);
		const calls = watchBatchCalls();
		const trigger = await start('hb', 3, { leaseSeconds: 2 });
		const [emitted] = await trigger.waitForEmits(1);
		expect(idsOf(emitted)).toEqual(ids);
		const leases = async () => (await jobsOf(db.pool, 'hb')).map((r) => r.lease_expires_at.getTime());
		const first = await leases();
		try {
			// the node's view first: the database commits the renewal before the answer reaches the node
			const beat = await waitFor(() => calls.answered.find((c) => c.fn === 'heartbeat_jobs'), 'a heartbeat answered', 3000);
			expect(beat.items.map((item) => item.job_id).sort()).toEqual([...ids].sort());
			expect(beat.rows.every((row) => row.ok)).toBe(true);
			expect((await leases()).every((at, i) => at > first[i])).toBe(true);
		} finally {
			calls.restore();
		}
		emitted.donePromise!.resolve(await execute(emitted, [handle()]));
		await waitFor(async () => (await jobsOf(db.pool, 'hb')).every((r) => r.status === 'completed'), 'all completed');
	});
});

describe('execution succeeded: each job by its own items', () => {
	test("a job completes with the last node's items that come from its item; an {error} item fails its job", async () => {
		const [one, two, none, failed] = await enqueueActions('items', ['ok', 'two', 'none', 'fail']);
		const { run, byId } = await runOnce('items', 4, [handle('continueRegularOutput')]);
		expect(run.status).toBe('success');
		expect(byId[one]).toMatchObject({ status: 'completed', result: { job: 0, ok: true } });
		expect(byId[two]).toMatchObject({ status: 'completed', result: { items: [{ job: 1, part: 1 }, { job: 1, part: 2 }] } });
		expect(byId[none]).toMatchObject({ status: 'completed', result: { items: [] } });
		expect(byId[failed]).toMatchObject({ status: 'failed', error: 'job 3 failed', result: null });
		expect(await runsOf(db.pool, failed)).toEqual([expect.objectContaining({ status: 'failed', error: 'job 3 failed' })]);
	});

	test('an item sent to the error output (On Error: Continue (using error output)) fails its job', async () => {
		const [ok, failed] = await enqueueActions('error-output', ['ok', 'fail']);
		const { run, byId } = await runOnce('error-output', 2, [handle('continueErrorOutput')]);
		// n8n moved the error item to output 1, with the job row's fields under its error
		const outputs = run.data.resultData.runData.Handle[0].data!.main;
		expect(outputs[1]).toEqual([expect.objectContaining({ json: expect.objectContaining({ id: failed, error: 'job 1 failed' }) })]);
		expect(byId[ok]).toMatchObject({ status: 'completed', result: { job: 0, ok: true } });
		expect(byId[failed]).toMatchObject({ status: 'failed', error: 'job 1 failed' });
	});

	test('an item paired with several jobs belongs to each of them; an item paired with none is left out', async () => {
		const [a, b] = await enqueueActions('lineage', ['ok', 'ok']);
		const { byId } = await runOnce('lineage', 2, [handle(), { name: 'Add Summary', type: 'test.addSummary' }]);
		expect(byId[a].result).toEqual({ items: [{ job: 0, ok: true }, { summary: 2 }] });
		expect(byId[b].result).toEqual({ items: [{ job: 1, ok: true }, { summary: 2 }] });
	});

	test('a workflow that branches (a Switch per job type): each job by the end of its own branch, not only the last node', async () => {
		const [a1, b1, a2, b2] = await enqueue(db.pool, 'branches', [
			{ max_retries: 0, payload: { i: 0, route: 'a', action: 'ok' } },
			{ max_retries: 0, payload: { i: 1, route: 'b', action: 'fail' } },
			{ max_retries: 0, payload: { i: 2, route: 'a', action: 'two' } },
			{ max_retries: 0, payload: { i: 3, route: 'b', action: 'ok' } },
		]);
		const trigger = await start('branches', 4);
		const [emitted] = await trigger.waitForEmits(1);
		const main = (...nodes: string[]) => ({ main: nodes.map((node) => [{ node, type: 'main' as const, index: 0 }]) });
		const { run } = await runWorkflow({
			nodeTypes,
			workflow: {
				nodes: [
					{ name: TRIGGER, type: MANUAL_TRIGGER_TYPE },
					{ name: 'Route', type: 'test.route' },
					{ name: 'Handle A', type: 'test.handle' },
					{ name: 'Handle B', type: 'test.handle', onError: 'continueRegularOutput' },
				],
				connections: { [TRIGGER]: main('Route'), Route: main('Handle A', 'Handle B') },
			},
			input: emitted.data[0],
			mode: 'trigger',
		});
		expect(run.data.resultData.lastNodeExecuted).toBe('Handle B');
		emitted.donePromise!.resolve(run);
		const byId = await waitFor(async () => {
			const rows = await jobsOf(db.pool, 'branches');
			return rows.every((r) => r.status !== 'running') ? Object.fromEntries(rows.map((r) => [r.id, r])) : undefined;
		}, 'every job finished');
		expect(byId[a1]).toMatchObject({ status: 'completed', result: { job: 0, ok: true } });
		expect(byId[a2]).toMatchObject({ status: 'completed', result: { items: [{ job: 2, part: 1 }, { job: 2, part: 2 }] } });
		expect(byId[b1]).toMatchObject({ status: 'failed', error: 'job 1 failed' });
		expect(byId[b2]).toMatchObject({ status: 'completed', result: { job: 3, ok: true } });
	});

	test('an {error} item that comes from no job fails every job of the execution', async () => {
		const ids = await enqueueActions('no-lineage', ['ok', 'ok', 'ok']);
		const { run, byId } = await runOnce('no-lineage', 3, [{ name: 'Reject Batch', type: 'test.rejectBatch' }]);
		// 2 items out of 3 without pairedItem: n8n cannot link them to an input item either
		expect(run.data.resultData.runData['Reject Batch'][0].data!.main[0]!.map((item) => item.pairedItem)).toEqual([undefined, undefined]);
		for (const id of ids) expect(byId[id]).toMatchObject({ status: 'failed', error: 'the batch was rejected' });
	});

	test("a retried job's row carried through to the end (its error is the previous attempt's) completes", async () => {
		const [retried, fresh] = await enqueueActions('retried', ['ok', 'ok'], { max_retries: 1 });
		await db.pool.query(`select * from mcp_jobs.claim_next_job('earlier-worker', 'retried', null, 1, 60)`);
		await db.pool.query(`select mcp_jobs.fail_job($1, 'first try failed', p_retry_delay_seconds => 0)`, [retried]);
		const { trigger, byId } = await runOnce('retried', 2, [{ name: 'Pass Through', type: 'test.passThrough' }]);
		const items = trigger.emitted[0].data[0].map((item) => item.json);
		expect(items.find((job) => job.id === retried)).toMatchObject({ attempts: 2, error: 'first try failed' });
		expect(byId[retried]).toMatchObject({ status: 'completed', attempts: 2, result: { id: retried, error: 'first try failed' } });
		expect(byId[fresh]).toMatchObject({ status: 'completed', result: { id: fresh } });
	});

	test('Result = Execution Summary: every job gets the summary; an {error} item still fails its job', async () => {
		const [ok, failed] = await enqueueActions('summary', ['ok', 'fail']);
		const { byId } = await runOnce('summary', 2, [handle('continueRegularOutput')], { result: 'summary' });
		expect(byId[ok]).toMatchObject({ status: 'completed', result: { executionStatus: 'success', finishedAt: expect.any(String) } });
		expect(byId[failed]).toMatchObject({ status: 'failed', error: 'job 1 failed' });
	});
});

describe('execution failed', () => {
	test('an error naming an item fails that job; the others go back to the queue, attempt not counted, and run again', async () => {
		const [before, thrower, after] = await enqueueActions('attributed', ['ok', 'throw', 'ok'], { max_retries: 2 });
		const trigger = await start('attributed', 3);
		const [emitted] = await trigger.waitForEmits(1);
		const run = await execute(emitted, [handle()]);
		expect(run.data.resultData.error).toMatchObject({ message: 'job 1 threw', context: { itemIndex: 1 } });
		emitted.donePromise!.resolve(run);

		// released (their run removed, NOTIFY sent), claimed again at once: as their first attempt
		const [again] = (await trigger.waitForEmits(2)).slice(1);
		expect(idsOf(again).sort()).toEqual([before, after].sort());
		expect(again.data[0].map((item) => item.json.attempts)).toEqual([1, 1]);
		for (const id of [before, after]) expect((await runsOf(db.pool, id)).map((r) => [r.attempt, r.status])).toEqual([[1, 'running']]);

		const failed = await waitFor(
			async () => (await jobsOf(db.pool, 'attributed')).find((r) => r.id === thrower && r.status !== 'running'),
			'the job whose item threw failed',
		);
		expect(failed).toMatchObject({ status: 'queued', attempts: 1, error: 'job 1 threw' });
		expect(await runsOf(db.pool, thrower)).toEqual([expect.objectContaining({ status: 'failed', error: 'job 1 threw' })]);
	});

	test('an HTTP 429 naming an item snoozes that job (Retry-After from the error); the others are released', async () => {
		const [other, limited] = await enqueueActions('attributed-429', ['ok', 'throw429'], { max_retries: 2 });
		const trigger = await start('attributed-429', 2, { options: { retryAfterFallbackSeconds: 600 } });
		const [emitted] = await trigger.waitForEmits(1);
		emitted.donePromise!.resolve(await execute(emitted, [handle()]));
		const [again] = (await trigger.waitForEmits(2)).slice(1);
		expect(idsOf(again)).toEqual([other]);
		const row = await waitFor(
			async () => (await jobsOf(db.pool, 'attributed-429')).find((r) => r.id === limited && r.status !== 'running'),
			'the job whose item got HTTP 429 snoozed',
		);
		expect(row).toMatchObject({ status: 'queued', attempts: 0, snoozes: 1 });
		const seconds = (row.scheduled_at.getTime() - Date.now()) / 1000;
		expect(seconds).toBeGreaterThan(25);
		expect(seconds).toBeLessThanOrEqual(30);
	});

	test('an error naming no item fails every job of the execution with it', async () => {
		const ids = await enqueueActions('unattributed', ['ok', 'throwUnattributed', 'ok']);
		const { trigger, byId } = await runOnce('unattributed', 3, [handle()]);
		for (const id of ids) expect(byId[id]).toMatchObject({ status: 'failed', attempts: 1, error: 'the service is down' });
		expect(trigger.emitted).toHaveLength(1);
	});
});

describe('queue mode (no run data reaches the trigger): the execution decides for all its jobs', () => {
	test('success completes every job with the summary', async () => {
		const ids = await enqueueActions('queue-ok', ['ok', 'fail']);
		const trigger = await start('queue-ok', 2);
		const [emitted] = await trigger.waitForEmits(1);
		emitted.donePromise!.resolve(asQueueMode(await execute(emitted, [handle('continueRegularOutput')])));
		const rows = await waitFor(async () => {
			const all = await jobsOf(db.pool, 'queue-ok');
			return all.every((r) => r.status === 'completed') ? all : undefined;
		}, 'both completed');
		expect(rows.map((r) => r.id)).toEqual(ids);
		for (const row of rows) {
			expect(row.result).toEqual({ executionStatus: 'success', finishedAt: expect.any(String), output: expect.stringMatching(/^not available/) });
		}
	});

	test('an error fails every job, even one naming an item', async () => {
		const ids = await enqueueActions('queue-error', ['ok', 'throw']);
		const trigger = await start('queue-error', 2);
		const [emitted] = await trigger.waitForEmits(1);
		emitted.donePromise!.resolve(asQueueMode(await execute(emitted, [handle()])));
		const rows = await waitFor(async () => {
			const all = await jobsOf(db.pool, 'queue-error');
			return all.every((r) => r.status === 'failed') ? all : undefined;
		}, 'both failed');
		expect(rows.map((r) => [r.id, r.error])).toEqual(ids.map((id) => [id, 'job 1 threw']));
	});
});

test('Jobs per Execution 1 (the default): an {error} item at the end fails the job too, as with more', async () => {
	const [id] = await enqueueActions('single', ['fail']);
	const { byId } = await runOnce('single', 1, [handle('continueRegularOutput')]);
	expect(byId[id]).toMatchObject({ status: 'failed', attempts: 1, error: 'job 0 failed', result: null }); // max_retries 0
});
