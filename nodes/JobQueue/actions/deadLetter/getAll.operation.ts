import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { listingArgs } from '../../helpers/listingArgs';
import { perItem } from '../../helpers/operation';
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

export const execute = perItem(async (ctx, client, i) => {
	const { filters, args } = listingArgs(ctx, i);
	return await client.call('list_dead_letters', { ...args, p_resolved: filters.includeResolved ? null : false });
});
