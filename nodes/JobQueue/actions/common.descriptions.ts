import type { INodeProperties } from 'n8n-workflow';
import { queueField } from '../../shared/descriptions';

const UUID_REGEX = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const idLocator = (displayName: string, name: string, searchListMethod: string): INodeProperties => ({
	displayName,
	name,
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	modes: [
		{ displayName: 'From List', name: 'list', type: 'list', typeOptions: { searchListMethod, searchable: true } },
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. 1f0c2a7e-5b1d-4d3c-9a51-3c1d2b4e5f60',
			validation: [{ type: 'regex', properties: { regex: UUID_REGEX, errorMessage: 'Not a UUID' } }],
		},
	],
});

export const jobLocator = idLocator('Job', 'jobId', 'searchJobs');

export const deadLetterLocator = idLocator('Dead Letter', 'deadLetterId', 'searchDeadLetters');

/** The queue to pause or resume. */
export const requiredQueueField: INodeProperties = { ...queueField, default: 'default', required: true };

export const QUEUE_HINT = 'Set Queue to the name of the queue, e.g. default.';

/** An optional queue filter. */
export const optionalQueueField: INodeProperties = {
	...queueField,
	default: '',
	description: 'Only this queue; empty for all queues',
};

export const resolvedByField: INodeProperties = {
	displayName: 'Resolved By',
	name: 'resolvedBy',
	type: 'string',
	default: 'n8n',
};

export const limitField: INodeProperties = {
	displayName: 'Limit',
	name: 'limit',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 1000 },
	default: 50,
	description: 'Max number of results to return',
};

/** The filters both listings share; each adds its own (status, include resolved). */
export const listingFilters: INodeProperties[] = [
	{
		displayName: 'After Seq',
		name: 'afterSeq',
		type: 'number',
		default: 0,
		description: 'Only rows with a larger seq, oldest first (e.g. new dead letters since the last run)',
	},
	{
		displayName: 'Before Seq',
		name: 'beforeSeq',
		type: 'number',
		default: 0,
		description: 'Paging: only rows with a smaller seq (pass the last seq of the previous page)',
	},
	{ displayName: 'Job Type', name: 'jobType', type: 'string', default: '' },
	{ ...queueField, default: '' },
	{ displayName: 'Source', name: 'source', type: 'string', default: '' },
];

/** The Filters collection of a listing: the shared filters plus `extra`, in alphabetical order. */
export const filtersField = (...extra: INodeProperties[]): INodeProperties => ({
	displayName: 'Filters',
	name: 'filters',
	type: 'collection',
	placeholder: 'Add Filter',
	default: {},
	options: [...listingFilters, ...extra].sort((a, b) => a.displayName.localeCompare(b.displayName)),
});
