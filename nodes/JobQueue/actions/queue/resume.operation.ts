import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { JobsClient } from '../../../shared/client';
import { requiredTextParameter } from '../../../shared/parameters';
import { QUEUE_HINT, requiredQueueField } from '../common.descriptions';
import { runPerItem } from '../../../shared/runPerItem';

const properties: INodeProperties[] = [requiredQueueField];

export const description = updateDisplayOptions({ show: { resource: ['queue'], operation: ['resume'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	client: JobsClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runPerItem(
		this,
		items.length,
		async (i) => await client.call('set_queue_paused', { p_queue: requiredTextParameter(this, 'queue', 'Queue', i, QUEUE_HINT), p_paused: false }),
	);
}
