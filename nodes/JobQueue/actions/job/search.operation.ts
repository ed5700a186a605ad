import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';
import { textParameter } from '../../../shared/parameters';
import type { SearchArgs } from '../../../shared/transport/functions';
import type { JobStatus } from '../../../shared/transport/rows';
import { perItem } from '../../helpers/operation';
import { limitField } from '../common.descriptions';
import { queueField } from '../../../shared/descriptions';

const properties: INodeProperties[] = [
	{
		displayName: 'Search',
		name: 'search',
		type: 'string',
		default: '',
		placeholder: 'e.g. 1f0c2a7e or order-1234',
		description:
			'A job ID (whole, or its first characters) or the start of an idempotency key (case-sensitive); empty finds every job that matches the filters',
	},
	{
		displayName: 'Sort',
		name: 'sort',
		type: 'options',
		options: [
			{ name: 'Newest First', value: 'created' },
			{ name: 'Priority', value: 'priority', description: 'The most urgent (lowest priority number) first, then the oldest' },
		],
		default: 'created',
	},
	limitField,
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Cursor',
				name: 'cursor',
				type: 'string',
				default: '',
				description:
					'Paging: from the last job of the previous page, its seq (Newest First), or its priority and seq joined by a colon (Priority), e.g. 5:1234',
			},
			{ displayName: 'Job Type', name: 'jobType', type: 'string', default: '' },
			{ ...queueField, default: '' },
			{ displayName: 'Source', name: 'source', type: 'string', default: '' },
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: ['waiting', 'queued', 'running', 'completed', 'failed', 'cancelled'].map((s) => ({ name: s, value: s })),
				default: 'queued',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['job'], operation: ['search'] } }, properties);

const text = (value: unknown) => String(value ?? '').trim() || undefined;

/** Jobs by id or idempotency key prefix and the filters, newest first or by priority, one page per item. */
export const execute = perItem(async (ctx, client, i) => {
	const filters = ctx.getNodeParameter('filters', i, {}) as IDataObject;
	const args: SearchArgs = {
		p_search: textParameter(ctx, 'search', i),
		p_sort: ctx.getNodeParameter('sort', i, 'created') as SearchArgs['p_sort'],
		p_limit: ctx.getNodeParameter('limit', i, 50) as number,
		p_queue: text(filters.queue),
		p_status: text(filters.status) as JobStatus | undefined,
		p_source: text(filters.source),
		p_job_type: text(filters.jobType),
		p_cursor: text(filters.cursor),
	};
	return await client.call('search_jobs', args);
});
