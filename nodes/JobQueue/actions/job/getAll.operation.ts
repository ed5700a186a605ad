import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import type { JobStatus } from '../../../shared/transport/rows';
import { listingArgs } from '../../helpers/listingArgs';
import { perItem } from '../../helpers/operation';
import { filtersField, limitField } from '../common.descriptions';

const properties: INodeProperties[] = [
	limitField,
	filtersField({
		displayName: 'Status',
		name: 'status',
		type: 'options',
		options: ['waiting', 'queued', 'running', 'completed', 'failed', 'cancelled'].map((s) => ({ name: s, value: s })),
		default: 'queued',
	}),
];

export const description = updateDisplayOptions({ show: { resource: ['job'], operation: ['getAll'] } }, properties);

export const execute = perItem(async (ctx, client, i) => {
	const { filters, args } = listingArgs(ctx, i);
	return await client.call('list_jobs', { ...args, p_status: (filters.status as JobStatus) || undefined });
});
