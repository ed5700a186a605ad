import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { JobsClient } from '../../../shared/client';
import { runPerItem } from '../../../shared/runPerItem';
import { listingArgs } from '../../helpers/listingArgs';
import { filtersField, limitField } from '../common.descriptions';

const properties: INodeProperties[] = [
	limitField,
	filtersField({
		displayName: 'Include Resolved',
		name: 'includeResolved',
		type: 'boolean',
		default: false,
		description: 'Whether to list resolved dead letters too',
	}),
];

export const description = updateDisplayOptions({ show: { resource: ['deadLetter'], operation: ['getAll'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	client: JobsClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runPerItem(this, items.length, async (i) => {
		const { filters, args } = listingArgs(this, i);
		return await client.call('list_dead_letters', { ...args, p_resolved: filters.includeResolved ? null : false });
	});
}
