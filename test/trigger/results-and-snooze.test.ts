// Job Trigger, On Execution End = Complete or Fail Job: what it stores as the result (option Result) and how it
// snoozes a job whose execution failed with HTTP 429 (option Honour Retry-After). The executions are real runs of
// n8n's engine (WorkflowExecute), and the 429 comes from a local HTTP server through n8n's own request helper,
// wrapped as n8n's HTTP Request node wraps it, so the IRun is the one n8n would hand the trigger.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
	NodeApiError,
	NodeConnectionTypes,
	createRunExecutionData,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type IRun,
} from 'n8n-workflow';
import { JobTrigger } from '../../nodes/JobTrigger/JobTrigger.node';
import { RESULT_MAX_BYTES } from '../../nodes/JobTrigger/result';
import type { TestDatabase } from '../support/database';
import { fakeRun, runWorkflow, startTrigger, type StartedTrigger } from '../support/n8n/run-workflow';
import { enqueue, jobsOf, postgresCredentials, runsOf, useTriggerDatabase, waitFor } from './helpers';
import { asQueueMode } from './queue-mode';

const env = useTriggerDatabase();
let db: TestDatabase;
beforeAll(() => (db = env.db));

async function start(queue: string, options: INodeParameters = {}): Promise<StartedTrigger> {
	const trigger = await startTrigger(new JobTrigger(), {
		parameters: { queue, options: { pollIntervalSeconds: 60, ...options } },
		credentials: postgresCredentials(db.url),
	});
	env.started.push(trigger);
	return trigger;
}

/** Outputs the items in its parameter `items` (a JSON array), like a Set or Code node at the end of a workflow. */
class Output implements INodeType {
	description: INodeType['description'] = {
		displayName: 'Output',
		name: 'output',
		group: ['transform'],
		version: 1,
		description: 'Test node',
		defaults: { name: 'Output' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Items', name: 'items', type: 'json', default: '[]' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = JSON.parse(this.getNodeParameter('items', 0) as string) as object[];
		return [items.map((json) => ({ json: json as INodeExecutionData['json'] }))];
	}
}

/**
 * GETs its `url` and throws what n8n nodes throw on an HTTP error: with helper 'request' as n8n's HTTP Request node
 * (v3/v4: n8n's legacy request helper, its 429 message, a NodeApiError around the request error), with helper
 * 'httpRequest' as most other nodes (n8n's httpRequest helper, a NodeApiError around the AxiosError).
 */
class HttpGet implements INodeType {
	description: INodeType['description'] = {
		displayName: 'HTTP GET',
		name: 'httpGet',
		group: ['transform'],
		version: 1,
		description: 'Test node',
		defaults: { name: 'HTTP GET' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{ displayName: 'URL', name: 'url', type: 'string', default: '' },
			{ displayName: 'Helper', name: 'helper', type: 'string', default: 'request' },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const url = this.getNodeParameter('url', 0) as string;
		try {
			const body =
				this.getNodeParameter('helper', 0) === 'request'
					? await this.helpers.request({ uri: url, json: true })
					: await this.helpers.httpRequest({ url, json: true });
			return [[{ json: body }]];
		} catch (reason) {
			// HttpRequestV3.node.ts sets this message on a 429 before wrapping
			if (reason.statusCode === 429) reason.message = "Try spacing your requests out using the batching settings under 'Options'";
			throw new NodeApiError(this.getNode(), reason, { itemIndex: 0 });
		}
	}
}

const nodeTypes = { 'test.output': new Output(), 'test.httpGet': new HttpGet() };

async function execution(node: { type: string; parameters: INodeParameters }): Promise<IRun> {
	const { run } = await runWorkflow({
		nodeTypes,
		workflow: { nodes: [{ name: 'Last', ...node }], connections: {} },
		mode: 'trigger',
	});
	return run;
}

const outputs = async (items: unknown[]) => await execution({ type: 'test.output', parameters: { items: JSON.stringify(items) } });

async function finishOne(queue: string, run: IRun, options: INodeParameters = {}) {
	const [id] = await enqueue(db.pool, queue, [{}]);
	const trigger = await start(queue, options);
	await trigger.waitForEmits(1);
	trigger.emitted[0].donePromise!.resolve(run);
	return await waitFor(async () => {
		const [row] = await jobsOf(db.pool, queue);
		return row.status !== 'running' && row;
	}, `job ${id} finished`);
}

describe('Result', () => {
	test('Last Node Output (the default): one item is stored as it is', async () => {
		const row = await finishOne('result-one', await outputs([{ answer: 42, nested: { ok: true } }]));
		expect(row).toMatchObject({ status: 'completed', result: { answer: 42, nested: { ok: true } } });
	});

	test('several items are stored as {items: [...]}; none as {items: []}', async () => {
		const several = await finishOne('result-many', await outputs([{ n: 1 }, { n: 2 }]));
		expect(several.result).toEqual({ items: [{ n: 1 }, { n: 2 }] });
		const none = await finishOne('result-none', await outputs([]));
		expect(none.result).toEqual({ items: [] });
	});

	test(`an output larger than ${RESULT_MAX_BYTES / 1024} kB is stored truncated, with a flag and its size`, async () => {
		const big = 'x'.repeat(RESULT_MAX_BYTES);
		const row = await finishOne('result-big', await outputs([{ big }]));
		const bytes = Buffer.byteLength(JSON.stringify({ big }));
		expect(row.result).toMatchObject({ truncated: true, bytes });
		expect(Buffer.byteLength(row.result.preview)).toBeLessThanOrEqual(RESULT_MAX_BYTES);
		expect(row.result.preview.startsWith('{"big":"xxx')).toBe(true);
	});

	test('Execution Summary and None', async () => {
		const summary = await finishOne('result-summary', await outputs([{ a: 1 }]), { result: 'summary' });
		expect(summary.result).toEqual({ executionStatus: 'success', finishedAt: expect.any(String) });
		const none = await finishOne('result-empty', await outputs([{ a: 1 }]), { result: 'none' });
		expect(none.result).toEqual({});
	});

	test('queue mode (no runData reaches the trigger): the summary, saying why the output is missing', async () => {
		const row = await finishOne('result-queue-mode', asQueueMode(await outputs([{ a: 1 }])));
		expect(row.result).toEqual({ executionStatus: 'success', finishedAt: expect.any(String), output: expect.stringMatching(/^not available/) });
	});
});

describe('Honour Retry-After', () => {
	let server: Server;
	let url: string;
	/** What the next request gets: status, headers, body. */
	let answer: { status: number; headers?: Record<string, string>; body: unknown };
	beforeAll(async () => {
		server = createServer((_req, res) => {
			res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
			res.end(JSON.stringify(answer.body));
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
	});
	afterAll(async () => await new Promise((resolve) => server.close(resolve)));

	/** An execution whose last node GETs the server with n8n's legacy request helper (HTTP Request node) or httpRequest. */
	const request = async (helper: 'request' | 'httpRequest' = 'request') =>
		await execution({ type: 'test.httpGet', parameters: { url, helper } });
	const secondsUntil = (at: Date) => (at.getTime() - Date.now()) / 1000;

	test('a 429 whose body names the wait (retry_after, kept by n8n in context.data) snoozes the job for it: no attempt counted, the run ends as snoozed', async () => {
		answer = { status: 429, body: { error: 'slow down', retry_after: 30 } };
		const run = await request('httpRequest');
		expect(run.status).toBe('error');
		const row = await finishOne('snooze-body', run, { retryAfterFallbackSeconds: 600 });
		expect(row).toMatchObject({ status: 'queued', attempts: 0, snoozes: 1, error: null });
		expect(secondsUntil(row.scheduled_at)).toBeGreaterThan(25);
		expect(secondsUntil(row.scheduled_at)).toBeLessThanOrEqual(30);
		const [snoozed] = await runsOf(db.pool, row.id);
		expect(snoozed).toMatchObject({ status: 'snoozed', error: expect.stringMatching(/^HTTP 429 \(Retry-After 30 s\)/) });
	});

	test('queue mode (the error as JSON): still recognised, the wait from the body still found', async () => {
		answer = { status: 429, body: { retry_after: 45 } };
		const row = await finishOne('snooze-queue-mode', asQueueMode(await request('httpRequest')), { retryAfterFallbackSeconds: 600 });
		expect(row).toMatchObject({ status: 'queued', attempts: 0, snoozes: 1 });
		expect(secondsUntil(row.scheduled_at)).toBeGreaterThan(40);
		expect(secondsUntil(row.scheduled_at)).toBeLessThanOrEqual(45);
	});

	test("the HTTP Request node's error keeps no Retry-After (header nor body): the job snoozes for Snooze Without Retry-After", async () => {
		answer = { status: 429, headers: { 'retry-after': '30' }, body: { retry_after: 30 } };
		const row = await finishOne('snooze-header', await request('request'), { retryAfterFallbackSeconds: 600 });
		expect(row).toMatchObject({ status: 'queued', attempts: 0, snoozes: 1 });
		expect(secondsUntil(row.scheduled_at)).toBeGreaterThan(590);
		const [snoozed] = await runsOf(db.pool, row.id);
		expect(snoozed.error).toMatch(/^HTTP 429 \(no Retry-After\)/);
	});

	test('a Retry-After header an error carries is honoured, in seconds or as an HTTP date', async () => {
		const thrown = (headers: Record<string, string>) =>
			({ ...fakeRun('error'), data: createRunExecutionData({ resultData: { runData: {}, error: { message: 'limited', httpCode: '429', headers } as never } }) }) as IRun;
		const seconds = await finishOne('snooze-thrown', thrown({ 'Retry-After': '20' }), { retryAfterFallbackSeconds: 600 });
		expect(secondsUntil(seconds.scheduled_at)).toBeGreaterThan(15);
		expect(secondsUntil(seconds.scheduled_at)).toBeLessThanOrEqual(20);
		const date = await finishOne('snooze-date', thrown({ 'retry-after': new Date(Date.now() + 120_000).toUTCString() }), { retryAfterFallbackSeconds: 600 });
		expect(secondsUntil(date.scheduled_at)).toBeGreaterThan(110);
		expect(secondsUntil(date.scheduled_at)).toBeLessThanOrEqual(121);
	});

	test('off: a 429 fails the job like any error; other HTTP errors always fail it', async () => {
		answer = { status: 429, body: { retry_after: 30 } };
		const off = await finishOne('snooze-off', await request(), { honourRetryAfter: false });
		expect(off).toMatchObject({ status: 'queued', attempts: 1, snoozes: 0, error: expect.stringMatching(/too many requests/i) });
		answer = { status: 503, body: { retry_after: 30 } };
		const unavailable = await finishOne('snooze-503', await request());
		expect(unavailable).toMatchObject({ attempts: 1, snoozes: 0 });
		expect((await runsOf(db.pool, unavailable.id))[0].status).toBe('failed');
	});
});
