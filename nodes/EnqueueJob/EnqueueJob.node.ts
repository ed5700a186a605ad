import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { getJobsClient } from '../shared/credentials';
import { credentialTest, JOBS_ICON } from '../shared/nodeDescription';
import { queueField } from '../shared/descriptions';
import { runBatch } from '../shared/runBatch';
import { jobSpec } from './jobSpec';

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
						displayName: 'Dedupe Window Seconds',
						name: 'dedupeSeconds',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 31_536_000 },
						default: 60,
						displayOptions: { show: { dedupeMode: ['window'] } },
						description: 'How long the first job holds its Idempotency Key',
					},
					{
						displayName: 'Deduplication',
						name: 'dedupeMode',
						type: 'options',
						options: [
							{
								name: 'Forever',
								value: 'forever',
								description: 'The first job with the key wins; enqueueing the key again returns that job until cleanup deletes it',
							},
							{
								name: 'While Active',
								value: 'while_active',
								description:
									'The key blocks only while its job is waiting, queued or running; once that job has finished, the key adds a new job',
							},
							{
								name: 'Window (Throttle)',
								value: 'window',
								description: 'The first job wins for Dedupe Window Seconds after it was enqueued; then the key adds a new job',
							},
							{
								name: 'Replace (Debounce)',
								value: 'replace',
								description:
									'While the job holding the key is still queued, enqueueing the key again replaces its payload and run time (same job, replaced = true). A job already running is left alone and a new one is queued after it.',
							},
						],
						default: 'forever',
						description: 'What enqueueing an Idempotency Key that is already in the queue does',
					},
					{
						displayName: 'Delay Seconds',
						name: 'delaySeconds',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 0,
						description: 'Do not run before this many seconds from now (ignored when Run At is set)',
					},
					{
						displayName: 'Depends On',
						name: 'dependsOn',
						type: 'string',
						default: '',
						placeholder: 'e.g. {{ $json.childJobIds }}',
						description:
							'IDs of jobs this job waits for (a list, or separated by commas). It is not claimed until all of them completed, and it is cancelled if one of them ends in the dead letter queue or is cancelled.',
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
					{
						displayName: 'Max Snoozes',
						name: 'maxSnoozes',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 100_000 },
						default: 100,
						description: 'How often the job may be snoozed (e.g. on HTTP 429) before a snooze counts as a failed attempt',
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
