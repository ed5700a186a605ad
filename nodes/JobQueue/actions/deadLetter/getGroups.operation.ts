import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { textParameter } from '../../../shared/parameters';
import { perItem } from '../../helpers/operation';
import { optionalQueueField } from '../common.descriptions';

const properties: INodeProperties[] = [
	optionalQueueField,
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1000 },
		default: 50,
		description: 'Max number of results to return',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['deadLetter'], operation: ['getGroups'] } }, properties);

/** One item per group of unresolved dead letters (queue and final error), largest first. */
export const execute = perItem(
	async (ctx, client, i) =>
		await client.call('get_dead_letter_groups', {
			p_queue: textParameter(ctx, 'queue', i),
			p_limit: ctx.getNodeParameter('limit', i, 50) as number,
		}),
);
