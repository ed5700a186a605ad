import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import type { JobsClient } from '../shared/client';
import { getJobsClient } from '../shared/credentials';
import { credentialTest, JOBS_ICON } from '../shared/nodeDescription';
import { integerParameter, isoDate, jobIdParameter, jsonObjectParameter, runIdParameter, textParameter } from '../shared/parameters';
import { runBatch } from '../shared/runBatch';
import { finishFromItems } from './outcomes';

type Operation = 'complete' | 'fail' | 'finishItems' | 'snooze' | 'progress' | 'log';

const show = (...operation: Operation[]) => ({ show: { operation } });

export class CompleteFailJob implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Complete/Fail Job',
		name: 'completeFailJob',
		icon: JOBS_ICON,
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["operation"] }}',
		description: 'Finish claimed jobs (complete, fail with retry, or snooze), report progress or log events; all items in one call',
		defaults: { name: 'Complete Job' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'supabaseJobsApi', required: true, testedBy: 'supabaseJobsApiTest' }],
		properties: [
			// one resource (a claimed job): a Resource field would be a choice with one option
			// eslint-disable-next-line @n8n/community-nodes/resource-operation-pattern
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Complete', value: 'complete', action: 'Complete a job', description: 'Mark the job done with a result' },
					{
						name: 'Complete or Fail From Items',
						value: 'finishItems',
						action: 'Complete or fail jobs from handler items',
						description:
							'Each item is one job outcome, {job_id, run_id, result} or {job_id, run_id, error}, read without expressions: fast for big batches',
					},
					{
						name: 'Fail',
						value: 'fail',
						action: 'Fail a job',
						description: 'Record the error; retry later with backoff or move to the dead letter queue',
					},
					{ name: 'Log Event', value: 'log', action: 'Log an event on a job', description: 'Add a line to the job history' },
					{
						name: 'Report Progress',
						value: 'progress',
						action: 'Report progress of a job',
						description: 'Extend the lease and record progress, for long jobs',
					},
					{
						name: 'Snooze',
						value: 'snooze',
						action: 'Snooze a job',
						description:
							'Put the job back in the queue until later without counting an attempt, e.g. after HTTP 429 with Retry-After',
					},
				],
				default: 'complete',
			},
			{
				displayName:
					'Each item is one job\'s outcome, as a handler Code node returns it: <code>{job_id, run_id, worker_id?, result}</code> completes the job, <code>{job_id, run_id, worker_id?, error}</code> fails it. The fields are read as they are, with no expression per item: for batches of hundreds of jobs this is many times faster than Complete and Fail with mapped fields.',
				name: 'finishItemsNotice',
				type: 'notice',
				default: '',
				displayOptions: show('finishItems'),
			},
			{
				displayName: 'Job ID',
				name: 'jobId',
				type: 'string',
				default: '={{ $json.id }}',
				required: true,
				displayOptions: show('complete', 'fail', 'snooze', 'progress', 'log'),
				description: 'ID of the claimed job',
				hint: 'After other nodes, map it from the claim, e.g. {{ $("Claim Job").item.json.id }}',
			},
			{
				displayName: 'Run ID',
				name: 'runId',
				type: 'string',
				default: '={{ $json.run_id }}',
				displayOptions: show('complete', 'fail', 'snooze', 'progress', 'log'),
				description:
					'The run_id of the claim. The call then applies only to that run: if its lease expired and the job was claimed again, a late complete, fail or progress report fails (the job was re-claimed) instead of touching the new run. Empty: whatever run the job is in.',
				hint: 'After other nodes, map it from the claim, e.g. {{ $("Claim Job").item.json.run_id }}',
			},
			{
				displayName: 'Worker ID',
				name: 'workerId',
				type: 'string',
				default: '',
				displayOptions: show('complete', 'fail', 'snooze', 'progress'),
				description:
					'If set, only succeed when this worker still holds the job (protects against finishing a job another worker re-claimed after a lost lease)',
			},
			{
				displayName: 'Result',
				name: 'result',
				type: 'json',
				default: '={{ $json }}',
				displayOptions: show('complete'),
				description: 'A JSON object stored as the job result',
			},
			{
				displayName: 'Error Message',
				name: 'errorMessage',
				type: 'string',
				default: '={{ $json.error?.message ?? $json.error ?? "Job failed" }}',
				displayOptions: show('fail'),
			},
			{
				displayName: 'Retryable',
				name: 'retryable',
				type: 'boolean',
				default: true,
				displayOptions: show('fail', 'finishItems'),
				description: 'Whether to retry (while retries remain); off sends the job straight to the dead letter queue',
			},
			{
				displayName: 'Retry Delay Seconds',
				name: 'retryDelaySeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				displayOptions: show('fail'),
				description: 'Wait exactly this long before the retry; 0 uses exponential backoff',
			},
			{
				displayName: 'Snooze Seconds',
				name: 'snoozeSeconds',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 2_592_000 },
				default: 60,
				displayOptions: show('snooze'),
				description: 'Run the job again this many seconds from now, e.g. what the Retry-After header of a 429 response says',
			},
			{
				displayName: 'Snooze Until',
				name: 'snoozeUntil',
				type: 'dateTime',
				default: '',
				displayOptions: show('snooze'),
				description: 'Run the job again at this time instead (when set, Snooze Seconds is ignored)',
			},
			{
				displayName: 'Reason',
				name: 'snoozeReason',
				type: 'string',
				default: '',
				displayOptions: show('snooze'),
				placeholder: 'e.g. rate limited by the CRM',
				description: "Why, shown in the job's history",
			},
			{
				displayName: 'Progress (%)',
				name: 'progress',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 100 },
				default: 0,
				displayOptions: show('progress'),
			},
			{
				displayName: 'Lease Seconds',
				name: 'leaseSeconds',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 86400 },
				default: 300,
				displayOptions: show('progress'),
				description: 'Extend the lease to this many seconds from now',
			},
			{
				displayName: 'Message',
				name: 'message',
				type: 'string',
				default: '',
				displayOptions: show('progress', 'log'),
			},
			{
				displayName: 'Data',
				name: 'data',
				type: 'json',
				default: '{}',
				displayOptions: show('log'),
				description: 'A JSON object stored with the event',
			},
		],
	};

	methods = { credentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const operation = this.getNodeParameter('operation', 0) as Operation;
		const { client } = await getJobsClient(this);
		return [await operations[operation](this, client, items)];
	}
}

type Execute = (ctx: IExecuteFunctions, client: JobsClient, items: INodeExecutionData[]) => Promise<INodeExecutionData[]>;

/** Every operation is one batch call for all items. */
const operations: Record<Operation, Execute> = {
	complete: async (ctx, client, items) =>
		await runBatch(ctx, client, 'complete_jobs', items, (i) => ({
			...heldJob(ctx, i),
			result: jsonObjectParameter(ctx, 'result', 'Result', i),
		})),
	fail: async (ctx, client, items) =>
		await runBatch(ctx, client, 'fail_jobs', items, (i) => {
			const job = heldJob(ctx, i);
			const message = ctx.getNodeParameter('errorMessage', i, '') as unknown;
			const delay = integerParameter(ctx, 'retryDelaySeconds', 'Retry Delay Seconds', i, 0, 2_592_000, 0);
			return {
				...job,
				error: typeof message === 'string' ? message : JSON.stringify(message),
				retryable: ctx.getNodeParameter('retryable', i, true) as boolean,
				retry_delay_seconds: delay > 0 ? delay : undefined,
			};
		}),
	finishItems: finishFromItems,
	snooze: async (ctx, client, items) =>
		await runBatch(ctx, client, 'snooze_jobs', items, (i) => ({
			...heldJob(ctx, i),
			...snoozeTime(ctx, i),
			reason: textParameter(ctx, 'snoozeReason', i),
		})),
	progress: async (ctx, client, items) =>
		await runBatch(ctx, client, 'heartbeat_jobs', items, (i) => ({
			...heldJob(ctx, i),
			progress: integerParameter(ctx, 'progress', 'Progress (%)', i, 0, 100, 0),
			lease_seconds: integerParameter(ctx, 'leaseSeconds', 'Lease Seconds', i, 1, 86400, 300),
			message: textParameter(ctx, 'message', i),
		})),
	log: async (ctx, client, items) =>
		await runBatch(ctx, client, 'log_job_events', items, (i) => ({
			job_id: jobIdParameter(ctx, 'jobId', i),
			run_id: runIdParameter(ctx, 'runId', i),
			message: String(ctx.getNodeParameter('message', i, '')),
			data: jsonObjectParameter(ctx, 'data', 'Data', i),
		})),
};

/** Snooze Until when set, else Snooze Seconds. */
function snoozeTime(ctx: IExecuteFunctions, i: number): { until: string } | { seconds: number } {
	const until = textParameter(ctx, 'snoozeUntil', i);
	if (!until) return { seconds: integerParameter(ctx, 'snoozeSeconds', 'Snooze Seconds', i, 0, 2_592_000, 60) };
	return { until: isoDate(ctx.getNode(), 'Snooze Until', until, i, ', or clear it and set Snooze Seconds') };
}

/** The job an item completes, fails or reports on, and (if set) the run and the worker that must still hold it. */
function heldJob(ctx: IExecuteFunctions, i: number): { job_id: string; run_id?: string; worker_id?: string } {
	return {
		job_id: jobIdParameter(ctx, 'jobId', i),
		run_id: runIdParameter(ctx, 'runId', i),
		worker_id: textParameter(ctx, 'workerId', i),
	};
}
