import type { INodeProperties } from 'n8n-workflow';
import * as cancel from './cancel.operation';
import * as get from './get.operation';
import * as getAll from './getAll.operation';
import * as getResults from './getResults.operation';
import * as retry from './retry.operation';
import * as search from './search.operation';

export { cancel, get, getAll, getResults, retry, search };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['job'] } },
		options: [
			{ name: 'Cancel', value: 'cancel', action: 'Cancel a job', description: 'Stop a waiting, queued or running job' },
			{ name: 'Get', value: 'get', action: 'Get a job', description: 'A job with its runs and events' },
			{ name: 'Get Many', value: 'getAll', action: 'Get many jobs', description: 'List jobs, newest first' },
			{
				name: 'Get Results',
				value: 'getResults',
				action: 'Get the results of jobs',
				description: 'The status, result and error of each given job, e.g. to aggregate the jobs it depended on',
			},
			{ name: 'Retry', value: 'retry', action: 'Retry a job', description: 'Run a failed, cancelled or waiting job now' },
			{
				name: 'Search',
				value: 'search',
				action: 'Search jobs',
				description: 'Find jobs by ID or idempotency key prefix, with filters; newest first or by priority',
			},
		],
		default: 'get',
	},
	...get.description,
	...getAll.description,
	...search.description,
	...getResults.description,
	...cancel.description,
	...retry.description,
];
