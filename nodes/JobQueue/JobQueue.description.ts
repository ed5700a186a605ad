import type { INodeProperties } from 'n8n-workflow';
import { queueField } from '../shared/descriptions';

const on = (resource: string, ...operation: string[]) => ({ show: { resource: [resource], operation } });

const UUID_REGEX = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const idLocator = (displayName: string, name: string, searchListMethod: string, show: object): INodeProperties => ({
	displayName,
	name,
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	displayOptions: show,
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

export const resourceField: INodeProperties = {
	displayName: 'Resource',
	name: 'resource',
	type: 'options',
	noDataExpression: true,
	options: [
		{ name: 'Job', value: 'job' },
		{ name: 'Dead Letter', value: 'deadLetter' },
		{ name: 'Queue', value: 'queue' },
	],
	default: 'job',
};

export const operationFields: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['job'] } },
		options: [
			{ name: 'Cancel', value: 'cancel', action: 'Cancel a job', description: 'Stop a queued or running job' },
			{ name: 'Get', value: 'get', action: 'Get a job', description: 'A job with its runs and events' },
			{ name: 'Get Many', value: 'getAll', action: 'Get many jobs', description: 'List jobs, newest first' },
			{ name: 'Retry', value: 'retry', action: 'Retry a job', description: 'Run a failed, cancelled or waiting job now' },
		],
		default: 'get',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['deadLetter'] } },
		options: [
			{ name: 'Get Many', value: 'getAll', action: 'Get many dead letters', description: 'Jobs that ran out of retries' },
			{ name: 'Requeue', value: 'requeue', action: 'Requeue a dead letter', description: 'Run the job again' },
			{ name: 'Resolve', value: 'resolve', action: 'Resolve a dead letter', description: 'Mark it handled without running it' },
		],
		default: 'getAll',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['queue'] } },
		options: [
			{
				name: 'Aggregate Metrics',
				value: 'aggregateMetrics',
				action: 'Aggregate hourly metrics',
				description: 'Recompute the hourly metrics rows',
			},
			{ name: 'Clean Up', value: 'cleanup', action: 'Clean up old jobs', description: 'Delete finished jobs older than N days' },
			{ name: 'Get Stats', value: 'getStats', action: 'Get queue stats', description: 'Counts, age, success rate, durations' },
			{ name: 'Pause', value: 'pause', action: 'Pause a queue', description: 'Claims return nothing until resumed' },
			{
				name: 'Reap Expired Leases',
				value: 'reapExpired',
				action: 'Reap expired leases',
				description: 'Re-queue (or dead-letter) jobs whose worker stopped',
			},
			{ name: 'Resume', value: 'resume', action: 'Resume a queue' },
		],
		default: 'getStats',
	},
];

export const fields: INodeProperties[] = [
	idLocator('Job', 'jobId', 'searchJobs', on('job', 'get', 'cancel', 'retry')),
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: '',
		displayOptions: on('job', 'cancel'),
		description: 'Stored on the job and in its history',
	},
	{
		displayName: 'Reset Attempts',
		name: 'resetAttempts',
		type: 'boolean',
		default: true,
		displayOptions: on('job', 'retry'),
		description: 'Whether to give a failed or cancelled job its full retries again',
	},
	idLocator('Dead Letter', 'deadLetterId', 'searchDeadLetters', on('deadLetter', 'requeue', 'resolve')),
	{
		displayName: 'Resolved By',
		name: 'resolvedBy',
		type: 'string',
		default: 'n8n',
		displayOptions: on('deadLetter', 'requeue', 'resolve'),
	},
	{
		displayName: 'Resolution Notes',
		name: 'notes',
		type: 'string',
		default: '',
		displayOptions: on('deadLetter', 'resolve'),
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1000 },
		default: 50,
		displayOptions: { show: { operation: ['getAll'] } },
		description: 'Max number of results to return',
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: { operation: ['getAll'] } },
		options: [
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
			{
				displayName: 'Include Resolved',
				name: 'includeResolved',
				type: 'boolean',
				default: false,
				displayOptions: { show: { '/resource': ['deadLetter'] } },
				description: 'Whether to list resolved dead letters too',
			},
			{ displayName: 'Job Type', name: 'jobType', type: 'string', default: '' },
			{ ...queueField, default: '' },
			{ displayName: 'Source', name: 'source', type: 'string', default: '' },
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: ['queued', 'running', 'completed', 'failed', 'cancelled'].map((s) => ({ name: s, value: s })),
				default: 'queued',
				displayOptions: { show: { '/resource': ['job'] } },
			},
		],
	},
	{
		...queueField,
		default: 'default',
		required: true,
		displayOptions: on('queue', 'pause', 'resume'),
	},
	{
		...queueField,
		default: '',
		description: 'Only this queue; empty for all queues',
		displayOptions: on('queue', 'getStats', 'reapExpired'),
	},
	{
		displayName: 'Reason',
		name: 'pauseReason',
		type: 'string',
		default: '',
		displayOptions: on('queue', 'pause'),
		description: 'Shown in queue stats while paused',
	},
	{
		displayName: 'Window Hours',
		name: 'windowHours',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 24,
		displayOptions: on('queue', 'getStats'),
		description: 'Success rate and durations are computed over jobs finished in this window',
	},
	{
		displayName: 'Stuck After Minutes',
		name: 'stuckAfterMinutes',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 60,
		displayOptions: on('queue', 'getStats'),
		description: 'Running jobs started longer ago than this count as stuck',
	},
	{
		displayName: 'Older Than Days',
		name: 'olderThanDays',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 30,
		displayOptions: on('queue', 'cleanup'),
		description: 'Delete completed, failed and cancelled jobs that finished longer ago than this',
	},
	{
		displayName: 'Since',
		name: 'since',
		type: 'dateTime',
		default: '',
		displayOptions: on('queue', 'aggregateMetrics'),
		description: 'Recompute hours from this time on; empty means the previous hour',
	},
];
