import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { textParameter } from '../../../shared/parameters';
import { perItem } from '../../helpers/operation';
import { optionalQueueField } from '../common.descriptions';

const properties: INodeProperties[] = [
	optionalQueueField,
	{
		displayName: 'Window Hours',
		name: 'windowHours',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 24,
		description: 'Success rate and durations are computed over jobs finished in this window',
	},
	{
		displayName: 'Stuck After Minutes',
		name: 'stuckAfterMinutes',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 60,
		description: 'Running jobs started longer ago than this count as stuck',
	},
	{
		displayName: 'Duration Sample',
		name: 'durationSample',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1000000 },
		default: 1000,
		description:
			'The average and p95 run duration are computed over the latest this many jobs completed in the window, per queue (more is slower on big queues)',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['queue'], operation: ['getStats'] } }, properties);

export const execute = perItem(
	async (ctx, client, i) =>
		await client.call('get_queue_stats', {
			p_queue: textParameter(ctx, 'queue', i),
			p_window_hours: ctx.getNodeParameter('windowHours', i, 24) as number,
			p_stuck_after_minutes: ctx.getNodeParameter('stuckAfterMinutes', i, 60) as number,
			p_duration_sample: ctx.getNodeParameter('durationSample', i, 1000) as number,
		}),
);
