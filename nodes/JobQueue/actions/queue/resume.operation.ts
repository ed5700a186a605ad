import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { requiredTextParameter } from '../../../shared/parameters';
import { perItem } from '../../helpers/operation';
import { QUEUE_HINT, requiredQueueField } from '../common.descriptions';

const properties: INodeProperties[] = [requiredQueueField];

export const description = updateDisplayOptions({ show: { resource: ['queue'], operation: ['resume'] } }, properties);

export const execute = perItem(
	async (ctx, client, i) =>
		await client.call('set_queue_paused', {
			p_queue: requiredTextParameter(ctx, 'queue', 'Queue', i, QUEUE_HINT),
			p_paused: false,
		}),
);
