import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { requiredTextParameter, textParameter } from '../../../shared/parameters';
import { perItem } from '../../helpers/operation';
import { QUEUE_HINT, requiredQueueField } from '../common.descriptions';

const properties: INodeProperties[] = [
	requiredQueueField,
	{
		displayName: 'Reason',
		name: 'pauseReason',
		type: 'string',
		default: '',
		description: 'Shown in queue stats while paused',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['queue'], operation: ['pause'] } }, properties);

export const execute = perItem(
	async (ctx, client, i) =>
		await client.call('set_queue_paused', {
			p_queue: requiredTextParameter(ctx, 'queue', 'Queue', i, QUEUE_HINT),
			p_paused: true,
			p_reason: textParameter(ctx, 'pauseReason', i),
		}),
);
