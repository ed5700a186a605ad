import type { INodeProperties } from 'n8n-workflow';
import * as aggregateMetrics from './aggregateMetrics.operation';
import * as cleanup from './cleanup.operation';
import * as getStats from './getStats.operation';
import * as getThroughput from './getThroughput.operation';
import * as pause from './pause.operation';
import * as reapExpired from './reapExpired.operation';
import * as resume from './resume.operation';
import * as setLimits from './setLimits.operation';

export { aggregateMetrics, cleanup, getStats, getThroughput, pause, reapExpired, resume, setLimits };

export const description: INodeProperties[] = [
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
			{
				name: 'Get Throughput',
				value: 'getThroughput',
				action: 'Get hourly throughput',
				description: 'Completed and failed runs per hour, and the open jobs at the end of each hour',
			},
			{ name: 'Pause', value: 'pause', action: 'Pause a queue', description: 'Claims return nothing until resumed' },
			{
				name: 'Reap Expired Leases',
				value: 'reapExpired',
				action: 'Reap expired leases',
				description: 'Re-queue (or dead-letter) jobs whose worker stopped',
			},
			{ name: 'Resume', value: 'resume', action: 'Resume a queue' },
			{
				name: 'Set Limits',
				value: 'setLimits',
				action: 'Set the limits of a queue',
				description: 'Concurrency and rate limits for the queue and per group key, across all workers',
			},
		],
		default: 'getStats',
	},
	...pause.description,
	...resume.description,
	...setLimits.description,
	...getStats.description,
	...getThroughput.description,
	...reapExpired.description,
	...cleanup.description,
	...aggregateMetrics.description,
];
