import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { JobsClient } from '../../../shared/client';
import { requiredTextParameter, textParameter } from '../../../shared/parameters';
import { QUEUE_HINT, requiredQueueField } from '../common.descriptions';
import { runPerItem } from '../../../shared/runPerItem';

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

export async function execute(
	this: IExecuteFunctions,
	client: JobsClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runPerItem(
		this,
		items.length,
		async (i) =>
			await client.call('set_queue_paused', {
				p_queue: requiredTextParameter(this, 'queue', 'Queue', i, QUEUE_HINT),
				p_paused: true,
				p_reason: textParameter(this, 'pauseReason', i),
			}),
	);
}
