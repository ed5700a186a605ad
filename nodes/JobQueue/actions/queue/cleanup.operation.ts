import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { perItem } from '../../helpers/operation';

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

export const execute = perItem(
	async (ctx, client, i) =>
		await client.call('cleanup_jobs', { p_older_than_days: ctx.getNodeParameter('olderThanDays', i, 30) as number }),
);
