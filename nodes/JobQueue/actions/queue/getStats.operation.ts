import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { JobsClient } from '../../../shared/client';
import { textParameter } from '../../../shared/parameters';
import { optionalQueueField } from '../common.descriptions';
import { runPerItem } from '../../../shared/runPerItem';

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
];

export const description = updateDisplayOptions({ show: { resource: ['queue'], operation: ['getStats'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	client: JobsClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runPerItem(
		this,
		items.length,
		async (i) =>
			await client.call('get_queue_stats', {
				p_queue: textParameter(this, 'queue', i),
				p_window_hours: this.getNodeParameter('windowHours', i, 24) as number,
				p_stuck_after_minutes: this.getNodeParameter('stuckAfterMinutes', i, 60) as number,
			}),
	);
}
