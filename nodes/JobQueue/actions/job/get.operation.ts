import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';
import type { JobsClient } from '../../../shared/client';
import { jobIdParameter } from '../../../shared/parameters';
import { runBatch } from '../../../shared/runBatch';
import { flattenBatchRow } from '../../helpers/flattenBatchRow';
import { jobLocator } from '../common.descriptions';

const properties: INodeProperties[] = [jobLocator];

export const description = updateDisplayOptions({ show: { resource: ['job'], operation: ['get'] } }, properties);

export async function execute(this: IExecuteFunctions, client: JobsClient, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await runBatch(this, 'get_jobs', items, (i) => ({ job_id: jobIdParameter(this, 'jobId', i) }), async (prepared) =>
		(await client.call<IDataObject[]>('get_jobs', { p_jobs: prepared })).map(flattenBatchRow),
	);
}
