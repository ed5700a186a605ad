import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { JobsClient } from '../../../shared/client';
import { textParameter } from '../../../shared/parameters';
import { runPerItem } from '../../../shared/runPerItem';

const properties: INodeProperties[] = [
	{
		displayName: 'Since',
		name: 'since',
		type: 'dateTime',
		default: '',
		description: 'Recompute hours from this time on; empty means the previous hour',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['queue'], operation: ['aggregateMetrics'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	client: JobsClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runPerItem(this, items.length, async (i) => {
		const since = textParameter(this, 'since', i);
		const rows = await client.call('aggregate_metrics', { p_since: since ? new Date(since).toISOString() : undefined });
		return { rows_written: rows };
	});
}
