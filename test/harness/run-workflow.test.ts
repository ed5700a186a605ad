import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type {
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IRun,
	ITriggerFunctions,
	ITriggerResponse,
} from 'n8n-workflow';
import { chain, fakeRun, runWorkflow, startTrigger } from '../support/n8n/run-workflow';

const base = (name: string, extra: Partial<INodeTypeDescription> = {}): INodeTypeDescription => ({
	displayName: name,
	name,
	group: ['transform'],
	version: 1,
	description: name,
	defaults: { name },
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	properties: [],
	...extra,
});

class Uppercase implements INodeType {
	description = base('uppercase', {
		properties: [{ displayName: 'Text', name: 'text', type: 'string', default: '' }],
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [
			this.getInputData().map((item, i) => ({
				json: { ...item.json, upper: (this.getNodeParameter('text', i) as string).toUpperCase() },
				pairedItem: { item: i },
			})),
		];
	}
}

// The usual n8n per-item error handling: throw with itemIndex, or turn the error into an item.
class FailOnFlag implements INodeType {
	description = base('failOnFlag');

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const out: INodeExecutionData[] = [];
		for (const [i, item] of this.getInputData().entries()) {
			if (item.json.fail) {
				const error = new NodeOperationError(this.getNode(), `bad item ${i}`, { itemIndex: i });
				if (!this.continueOnFail()) throw error;
				out.push({ json: { error: error.message }, pairedItem: { item: i } });
			} else {
				out.push({ json: { ok: item.json.id }, pairedItem: { item: i } });
			}
		}
		return [out];
	}
}

class UsesCredentials implements INodeType {
	description = base('usesCredentials', { credentials: [{ name: 'fakeApi', required: true }] });

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const { token, region } = await this.getCredentials<{ token: string; region: string }>('fakeApi');
		return [this.getInputData().map((item, i) => ({ json: { ...item.json, token, region }, pairedItem: { item: i } }))];
	}
}

const fakeApi: ICredentialType = {
	name: 'fakeApi',
	displayName: 'Fake API',
	properties: [
		{ displayName: 'Token', name: 'token', type: 'string', default: '' },
		{ displayName: 'Region', name: 'region', type: 'string', default: 'eu' },
	],
};

const nodeTypes = {
	'test.uppercase': new Uppercase(),
	'test.failOnFlag': new FailOnFlag(),
	'test.usesCredentials': new UsesCredentials(),
};

const items = (...jsons: IDataObject[]): INodeExecutionData[] => jsons.map((json) => ({ json }));

describe('runWorkflow', () => {
	it('evaluates parameter expressions per item and keeps pairedItem through a chain', async () => {
		const result = await runWorkflow({
			nodeTypes,
			workflow: {
				nodes: [
					{ name: 'Upper', type: 'test.uppercase', parameters: { text: '={{ $json.name }}-{{ $itemIndex }}' } },
					{ name: 'Fail', type: 'test.failOnFlag' },
				],
				connections: chain('Upper', 'Fail'),
			},
			input: items({ id: 1, name: 'ada' }, { id: 2, name: 'bob' }),
		});

		expect(result.run.status).toBe('success');
		expect(result.executionOrder).toEqual(['Manual Trigger', 'Upper', 'Fail']);
		expect(result.outputOf('Upper')).toEqual([
			{ json: { id: 1, name: 'ada', upper: 'ADA-0' }, pairedItem: { item: 0 } },
			{ json: { id: 2, name: 'bob', upper: 'BOB-1' }, pairedItem: { item: 1 } },
		]);
		expect(result.outputOf('Fail').map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it('uses the given Manual Trigger and evaluates $() references to it', async () => {
		const result = await runWorkflow({
			nodeTypes,
			workflow: {
				nodes: [
					{ name: 'Start', type: 'n8n-nodes-base.manualTrigger' },
					{ name: 'Upper', type: 'test.uppercase', parameters: { text: "={{ $('Start').item.json.name }}" } },
				],
				connections: chain('Start', 'Upper'),
			},
			input: items({ name: 'x' }),
		});
		expect(result.outputOf('Upper')[0].json.upper).toBe('X');
	});

	it('runs the Manual Trigger for real when no input is given', async () => {
		const result = await runWorkflow({
			nodeTypes,
			workflow: { nodes: [{ name: 'Upper', type: 'test.uppercase', parameters: { text: 'static' } }], connections: {} },
		});
		expect(result.outputOf('Manual Trigger')).toEqual([{ json: {}, pairedItem: { item: 0 } }]);
		expect(result.outputOf('Upper')).toEqual([{ json: { upper: 'STATIC' }, pairedItem: { item: 0 } }]);
	});

	it('stops on a failing item without onError, with the error on the node', async () => {
		const result = await runWorkflow({
			nodeTypes,
			workflow: { nodes: [{ name: 'Fail', type: 'test.failOnFlag' }], connections: {} },
			input: items({ id: 1 }, { id: 2, fail: true }),
		});
		expect(result.run.status).toBe('error');
		// n8n keeps a serialised copy of the error (a plain object), as it would store it
		expect(result.errorOf('Fail')).toMatchObject({
			name: 'NodeOperationError',
			message: 'bad item 1',
			context: { itemIndex: 1 },
			node: { name: 'Fail' },
		});
		expect(result.outputOf('Fail')).toEqual([]);
	});

	it("routes a failing item to the regular output with onError 'continueRegularOutput'", async () => {
		const result = await runWorkflow({
			nodeTypes,
			workflow: {
				nodes: [{ name: 'Fail', type: 'test.failOnFlag', onError: 'continueRegularOutput' }],
				connections: {},
			},
			input: items({ id: 1 }, { id: 2, fail: true }, { id: 3 }),
		});
		expect(result.run.status).toBe('success');
		expect(result.errorOf('Fail')).toBeUndefined();
		expect(result.outputOf('Fail')).toEqual([
			{ json: { ok: 1 }, pairedItem: { item: 0 } },
			{ json: { error: 'bad item 1' }, pairedItem: { item: 1 } },
			{ json: { ok: 3 }, pairedItem: { item: 2 } },
		]);
	});

	it("routes a failing item to the error output with onError 'continueErrorOutput'", async () => {
		const result = await runWorkflow({
			nodeTypes,
			workflow: {
				nodes: [
					{ name: 'Fail', type: 'test.failOnFlag', onError: 'continueErrorOutput' },
					{ name: 'On Error', type: 'test.uppercase', parameters: { text: '={{ $json.error }}' } },
				],
				connections: {
					Fail: { main: [[], [{ node: 'On Error', type: NodeConnectionTypes.Main, index: 0 }]] },
				},
			},
			input: items({ id: 1 }, { id: 2, fail: true }),
		});
		expect(result.outputOf('Fail', 0)).toEqual([{ json: { ok: 1 }, pairedItem: { item: 0 } }]);
		// n8n merges the paired input item's json into the error item
		expect(result.outputOf('Fail', 1)).toEqual([
			{ json: { id: 2, fail: true, error: 'bad item 1' }, pairedItem: { item: 1 } },
		]);
		expect(result.outputOf('On Error')[0].json.upper).toBe('BAD ITEM 1');
	});

	it('resolves credentials by type, with the credential type defaults', async () => {
		const result = await runWorkflow({
			nodeTypes,
			credentials: { fakeApi: { token: 's3cret' } },
			credentialTypes: { fakeApi },
			workflow: { nodes: [{ name: 'Creds', type: 'test.usesCredentials' }], connections: {} },
			input: items({ id: 1 }),
		});
		expect(result.outputOf('Creds')).toEqual([{ json: { id: 1, token: 's3cret', region: 'eu' }, pairedItem: { item: 0 } }]);
	});

	it('fails the node when the test gave no credentials it needs', async () => {
		const result = await runWorkflow({
			nodeTypes,
			workflow: {
				nodes: [{ name: 'Creds', type: 'test.usesCredentials', credentials: { fakeApi: { id: '1', name: 'x' } } }],
				connections: {},
			},
		});
		expect(result.errorOf('Creds')?.message).toMatch(/no credentials of type "fakeApi"/);
	});
});

describe('startTrigger', () => {
	const closed = jest.fn();
	const outcomes: string[] = [];

	class TickTrigger implements INodeType {
		description = base('tickTrigger', {
			group: ['trigger'],
			inputs: [],
			credentials: [{ name: 'fakeApi', required: true }],
			properties: [{ displayName: 'Label', name: 'label', type: 'string', default: '' }],
		});

		async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
			const label = this.getNodeParameter('label') as string;
			const { token } = await this.getCredentials('fakeApi');
			const fire = () => {
				const done = this.helpers.createDeferredPromise<IRun>();
				this.emit([this.helpers.returnJsonArray([{ label, token }])], undefined, done);
				void done.promise.then((run) => outcomes.push(`${run.status}:${run.data.resultData.error?.message ?? ''}`));
			};
			if (this.getMode() === 'manual') return { manualTriggerFunction: async () => fire() };
			const timer = setInterval(fire, 5);
			return {
				closeFunction: async () => {
					clearInterval(timer);
					closed();
				},
			};
		}
	}

	beforeEach(() => {
		closed.mockClear();
		outcomes.length = 0;
	});

	it('records emits with their donePromise and calls closeFunction on close', async () => {
		const trigger = await startTrigger(new TickTrigger(), {
			parameters: { label: "={{ 'tick' }}" },
			credentials: { fakeApi: { token: 't' } },
		});
		try {
			const [first, second] = await trigger.waitForEmits(2);
			expect(first.data).toEqual([[{ json: { label: 'tick', token: 't' } }]]);
			expect(trigger.context.getMode()).toBe('trigger');

			first.donePromise?.resolve(fakeRun('success'));
			second.donePromise?.resolve(fakeRun('error', new NodeOperationError(trigger.context.getNode(), 'boom')));
			await new Promise((resolve) => setImmediate(resolve));
			expect(outcomes).toEqual(['success:', 'error:boom']);
		} finally {
			await trigger.close();
		}
		expect(closed).toHaveBeenCalledTimes(1);
		await trigger.close();
		expect(closed).toHaveBeenCalledTimes(1);
	});

	it('exposes manualTriggerFunction in manual mode, feeding manualTriggerResponse like n8n', async () => {
		const trigger = await startTrigger(new TickTrigger(), {
			mode: 'manual',
			parameters: { label: 'manual' },
			credentials: { fakeApi: { token: 't' } },
		});
		await trigger.manualTriggerFunction?.();
		expect(trigger.emitted).toHaveLength(1);
		await expect(trigger.response?.manualTriggerResponse).resolves.toEqual([[{ json: { label: 'manual', token: 't' } }]]);
	});
});
