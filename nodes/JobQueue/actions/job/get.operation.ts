import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { JobsClient } from '../../../shared/client';
import { jobIdParameter } from '../../../shared/parameters';
import { runBatch } from '../../../shared/runBatch';
import { batchResult } from '../../helpers/batchResult';
import { jobLocator } from '../common.descriptions';

const properties: INodeProperties[] = [jobLocator];

export const description = updateDisplayOptions({ show: { resource: ['job'], operation: ['get'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	client: JobsClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runBatch(this, client, 'get_jobs', items, (i) => ({ job_id: jobIdParameter(this, 'jobId', i) }), batchResult);
}
