import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { JobsClient } from '../../../shared/client';
import { jobIdParameter } from '../../../shared/parameters';
import { runBatch } from '../../../shared/runBatch';
import { batchResult } from '../../helpers/batchResult';
import { jobLocator } from '../common.descriptions';

const properties: INodeProperties[] = [
	jobLocator,
	{
		displayName: 'Reset Attempts',
		name: 'resetAttempts',
		type: 'boolean',
		default: true,
		description: 'Whether to give a failed or cancelled job its full retries again',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['job'], operation: ['retry'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	client: JobsClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runBatch(
		this,
		client,
		'retry_jobs',
		items,
		(i) => ({
			job_id: jobIdParameter(this, 'jobId', i),
			reset_attempts: this.getNodeParameter('resetAttempts', i, true) as boolean,
		}),
		batchResult,
	);
}
