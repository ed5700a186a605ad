import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { getJobsClient } from '../shared/credentials';
import { credentialTest, JOBS_ICON } from '../shared/nodeDescription';
import { queueField } from '../shared/descriptions';
import { integerParameter, jsonObjectParameter, requiredTextParameter } from '../shared/parameters';
import { runBatch } from '../shared/runBatch';
import type { EnqueueItem } from '../shared/transport/functions';

export class EnqueueJob implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Enqueue Job',
		name: 'enqueueJob',
		icon: JOBS_ICON,
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["jobType"] }}',
		description: 'Add jobs to the Supabase/Postgres job queue (all input items in one call)',
		defaults: { name: 'Enqueue Job' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'supabaseJobsApi', required: true, testedBy: 'supabaseJobsApiTest' }],
		properties: [
			{
				displayName: 'Source',
				name: 'source',
				type: 'string',
				default: 'n8n',
				required: true,
				description: 'Who enqueues the job, e.g. n8n, odoo, vercel. Used in stats and filters.',
			},
			{
				displayName: 'Job Type',
				name: 'jobType',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'e.g. send_email',
				description: 'What kind of job this is; workers pick jobs by type',
			},
			{
				displayName: 'Payload',
				name: 'payloadSource',
				type: 'options',
				options: [
					{ name: 'Input Item', value: 'item', description: "The input item's JSON becomes the payload" },
					{ name: 'JSON', value: 'json', description: 'Write the payload (expressions allowed)' },
				],
				default: 'item',
			},
			{
				displayName: 'Payload JSON',
				name: 'payload',
				type: 'json',
				default: '{}',
				displayOptions: { show: { payloadSource: ['json'] } },
				description: 'A JSON object with what the worker needs',
			},
			{
				displayName: 'Priority',
				name: 'priority',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 5,
				description: 'Lower runs first: 0 is most urgent, 5 is normal',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Delay Seconds',
						name: 'delaySeconds',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 0,
						description: 'Do not run before this many seconds from now (ignored when Run At is set)',
					},
					{
						displayName: 'Group Key',
						name: 'groupKey',
						type: 'string',
						default: '',
						placeholder: 'e.g. {{ $json.customerId }}',
						description:
							"Jobs with the same key are limited together by the queue's group limits (Job Queue → Queue → Set Limits), e.g. one at a time per customer, in order",
					},
					{
						displayName: 'Idempotency Key',
						name: 'idempotencyKey',
						type: 'string',
						default: '',
						description:
							'Enqueueing the same key twice in a queue returns the first job instead of adding another (e.g. an order number)',
					},
					{
						displayName: 'Max Retries',
						name: 'maxRetries',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 3,
						description: 'Retries after the first attempt fails; then the job goes to the dead letter queue',
					},
					{ ...queueField },
					{
						displayName: 'Retry Delay Seconds',
						name: 'retryDelaySeconds',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 60,
						description: 'Backoff base: retries wait this, then twice as long, and so on (capped at one hour)',
					},
					{
						displayName: 'Run At',
						name: 'runAt',
						type: 'dateTime',
						default: '',
						description: 'Do not run before this time',
					},
				],
			},
		],
	};

	methods = { credentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const { client } = await getJobsClient(this);
		return [await runBatch(this, client, 'enqueue_jobs', items, (i) => jobSpec(this, items, i))];
	}
}

function jobSpec(ctx: IExecuteFunctions, items: INodeExecutionData[], i: number): EnqueueItem {
	const jobType = requiredTextParameter(
		ctx,
		'jobType',
		'Job Type',
		i,
		'Set Job Type to what the worker should do, e.g. send_email (an expression like {{ $json.type }} works).',
	);
	const source = requiredTextParameter(ctx, 'source', 'Source', i, 'Set Source, e.g. n8n.');
	const payload =
		ctx.getNodeParameter('payloadSource', i) === 'json'
			? jsonObjectParameter(ctx, 'payload', 'Payload JSON', i)
			: items[i].json;
	const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
	const spec: EnqueueItem = {
		source,
		job_type: jobType,
		payload,
		priority: integerParameter(ctx, 'priority', 'Priority', i, 0, 1_000_000, 5),
		queue: (options.queue as string) || 'default',
	};
	if (options.runAt) {
		const at = new Date(options.runAt as string);
		if (Number.isNaN(at.getTime())) {
			throw new NodeOperationError(ctx.getNode(), `Run At "${options.runAt}" is not a date`, {
				itemIndex: i,
				description: 'Use an ISO date like 2026-02-01T00:00:00Z.',
			});
		}
		spec.scheduled_at = at.toISOString();
	} else if (options.delaySeconds) {
		spec.scheduled_at = new Date(Date.now() + Number(options.delaySeconds) * 1000).toISOString();
	}
	if (options.maxRetries !== undefined) spec.max_retries = options.maxRetries as number;
	if (options.retryDelaySeconds !== undefined) spec.retry_delay_seconds = options.retryDelaySeconds as number;
	if (options.idempotencyKey) spec.idempotency_key = String(options.idempotencyKey);
	if (options.groupKey) spec.group_key = String(options.groupKey);
	return spec;
}
