import type { INodeProperties } from 'n8n-workflow';
import * as getAll from './getAll.operation';
import * as getGroups from './getGroups.operation';
import * as requeue from './requeue.operation';
import * as resolve from './resolve.operation';

export { getAll, getGroups, requeue, resolve };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['deadLetter'] } },
		options: [
			{
				name: 'Get Groups',
				value: 'getGroups',
				action: 'Get dead letters grouped by error',
				description: 'Unresolved dead letters by queue and final error, largest group first',
			},
			{ name: 'Get Many', value: 'getAll', action: 'Get many dead letters', description: 'Jobs that ran out of retries' },
			{ name: 'Requeue', value: 'requeue', action: 'Requeue a dead letter', description: 'Run the job again' },
			{ name: 'Resolve', value: 'resolve', action: 'Resolve a dead letter', description: 'Mark it handled without running it' },
		],
		default: 'getAll',
	},
	...getAll.description,
	...getGroups.description,
	...requeue.description,
	...resolve.description,
];
