import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { textParameter } from '../../../shared/parameters';
import { perItem } from '../../helpers/operation';
import { optionalQueueField } from '../common.descriptions';

const properties: INodeProperties[] = [
	optionalQueueField,
	{
		displayName: 'Hours',
		name: 'hours',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 744 },
		default: 24,
		description: 'How many hours back, the current one included (at most 744, 31 days)',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['queue'], operation: ['getThroughput'] } }, properties);

/** One item per hour, oldest first: completed and failed runs, and the jobs open at the hour's end. */
export const execute = perItem(
	async (ctx, client, i) =>
		await client.call('get_throughput', {
			p_queue: textParameter(ctx, 'queue', i),
			p_hours: ctx.getNodeParameter('hours', i, 24) as number,
		}),
);
