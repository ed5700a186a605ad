import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { JobsClient } from '../../../shared/client';
import { jobIdParameter, textParameter } from '../../../shared/parameters';
import { runBatch } from '../../../shared/runBatch';
import { batchResult } from '../../helpers/batchResult';
import { jobLocator } from '../common.descriptions';

const properties: INodeProperties[] = [
	jobLocator,
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: '',
		description: 'Stored on the job and in its history',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['job'], operation: ['cancel'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	client: JobsClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runBatch(
		this,
		client,
		'cancel_jobs',
		items,
		(i) => ({ job_id: jobIdParameter(this, 'jobId', i), reason: textParameter(this, 'reason', i) }),
		batchResult,
	);
}
