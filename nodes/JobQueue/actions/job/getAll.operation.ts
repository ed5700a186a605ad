import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { JobsClient } from '../../../shared/client';
import type { JobStatus } from '../../../shared/transport/rows';
import { runPerItem } from '../../../shared/runPerItem';
import { listingArgs } from '../../helpers/listingArgs';
import { filtersField, limitField } from '../common.descriptions';

const properties: INodeProperties[] = [
	limitField,
	filtersField({
		displayName: 'Status',
		name: 'status',
		type: 'options',
		options: ['queued', 'running', 'completed', 'failed', 'cancelled'].map((s) => ({ name: s, value: s })),
		default: 'queued',
	}),
];

export const description = updateDisplayOptions({ show: { resource: ['job'], operation: ['getAll'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	client: JobsClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runPerItem(this, items.length, async (i) => {
		const { filters, args } = listingArgs(this, i);
		return await client.call('list_jobs', { ...args, p_status: (filters.status as JobStatus) || undefined });
	});
}
