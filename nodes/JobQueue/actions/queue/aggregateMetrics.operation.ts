import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { textParameter } from '../../../shared/parameters';
import { perItem } from '../../helpers/operation';

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

export const execute = perItem(async (ctx, client, i) => {
	const since = textParameter(ctx, 'since', i);
	const rows = await client.call('aggregate_metrics', { p_since: since ? new Date(since).toISOString() : undefined });
	return { rows_written: rows };
});
