import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { JobsClient } from '../../../shared/client';
import { runPerItem } from '../../../shared/runPerItem';

const properties: INodeProperties[] = [
	{
		displayName: 'Older Than Days',
		name: 'olderThanDays',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 30,
		description: 'Delete completed, failed and cancelled jobs that finished longer ago than this',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['queue'], operation: ['cleanup'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	client: JobsClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runPerItem(
		this,
		items.length,
		async (i) => await client.call('cleanup_jobs', { p_older_than_days: this.getNodeParameter('olderThanDays', i, 30) as number }),
	);
}
