import type { INodeProperties } from 'n8n-workflow';
import { jobTypesField, leaseSecondsField, queueField, workerIdField } from '../shared/descriptions';

const claimMode = { show: { mode: ['claimAndRun'] } };
/** An option of the Options collection that matters only when the trigger finishes the jobs itself. */
const completeOrFail = { show: { '/mode': ['claimAndRun'], '/onExecutionEnd': ['completeOrFail'] } };

export const properties: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Claim and Run',
				value: 'claimAndRun',
				description:
					'Claim each new job and start one execution per job (or per Jobs per Execution jobs), up to Max Concurrent Executions; the job stays reserved while its execution runs',
			},
			{
				name: 'Notify',
				value: 'notify',
				description: 'Start one execution with the jobs added since the last one, without claiming them (they stay queued)',
			},
		],
		default: 'claimAndRun',
	},
	{ ...queueField },
	{ ...jobTypesField, description: 'Comma-separated job types to react to; empty reacts to every type' },
	{
		displayName: 'Source',
		name: 'source',
		type: 'string',
		default: '',
		placeholder: 'e.g. odoo',
		description: 'Only jobs from this source; empty takes every source',
		displayOptions: { show: { mode: ['notify'] } },
	},
	{
		displayName: 'Max Concurrent Executions',
		name: 'maxConcurrent',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1000 },
		default: 5,
		description:
			'How many executions this trigger runs at the same time, each with one job (or up to Jobs per Execution jobs). More jobs wait in the queue until an execution ends.',
		displayOptions: claimMode,
	},
	{
		displayName: 'On Execution End',
		name: 'onExecutionEnd',
		type: 'options',
		options: [
			{
				name: 'Complete or Fail Job',
				value: 'completeOrFail',
				description:
					'Complete the job when the execution succeeds, fail it (retry or dead letter) with the error when it fails. A job the workflow already finished is left as it is.',
			},
			{
				name: 'Leave to Workflow',
				value: 'leaveToWorkflow',
				description:
					'Complete Job / Fail Job nodes in the workflow finish the job; the trigger only stops renewing its lease',
			},
		],
		default: 'completeOrFail',
		displayOptions: claimMode,
	},
	{
		...leaseSecondsField,
		default: 60,
		description:
			'How long a claimed job stays reserved. The trigger renews it every third of this time while the execution runs; if n8n stops, the job runs again (elsewhere) once it expires.',
		displayOptions: claimMode,
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Execution Timeout (Seconds)',
				name: 'executionTimeoutSeconds',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 604800 },
				default: 3600,
				description:
					"How long to keep a job reserved for an execution whose end has not reached the trigger. Then the lease is no longer renewed and the job runs again once it expires. n8n's queue mode can lose the end of a very short execution; this keeps such a job from staying reserved forever. Raise it for longer executions; 0 waits forever.",
				displayOptions: { show: { '/mode': ['claimAndRun'] } },
			},
			{
				displayName: 'Honour Retry-After',
				name: 'honourRetryAfter',
				type: 'boolean',
				default: true,
				description:
					'Whether an execution that fails with HTTP 429 Too Many Requests snoozes its job (back to the queue without counting an attempt) instead of failing it: for the Retry-After the response named, else for Snooze Without Retry-After',
				displayOptions: completeOrFail,
			},
			{
				displayName: 'Instant Wake-Ups (LISTEN)',
				name: 'listen',
				type: 'boolean',
				default: true,
				description:
					"Whether to LISTEN for new jobs on the credential's Postgres connection string (for Supabase API: its optional Database Connection String), so the workflow starts within milliseconds. Polling continues either way.",
			},
			{
				displayName: 'Jobs per Execution',
				name: 'jobsPerExecution',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1000 },
				default: 1,
				description:
					"Start one execution with up to this many claimed jobs, one item per job; Max Concurrent Executions still counts executions. Above 1, each job gets its own outcome through n8n's item linking: when the execution succeeds, a job completes with the items at the end of its branch (as a rule the last node's output) that come from its item, and fails if one of them has an 'error' field, as the items of a node set to On Error: Continue do. To fail one job, end its item with an 'error' field. When the execution stops on an error that names an item, that job fails and the others go back to the queue without counting an attempt; otherwise all fail. In queue mode n8n passes the trigger no item data: all jobs of an execution complete or fail together.",
				displayOptions: { show: { '/mode': ['claimAndRun'] } },
			},
			{
				displayName: 'Poll Interval (Seconds)',
				name: 'pollIntervalSeconds',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 3600 },
				default: 5,
				description:
					'How often to check the queue besides wake-ups: the only wake-up without a LISTEN connection, and the safety net for wake-ups missed while disconnected',
			},
			{
				displayName: 'Result',
				name: 'result',
				type: 'options',
				options: [
					{
						name: 'Last Node Output',
						value: 'lastNode',
						description:
							"The JSON of the last node's output items: one item as it is, several as {items: [...]}; larger than 256 kB stored truncated. With Jobs per Execution above 1, each job's own items (see there). In queue mode n8n does not pass the output to the trigger: the execution summary is stored.",
					},
					{
						name: 'Execution Summary',
						value: 'summary',
						description: '{executionStatus, finishedAt}',
					},
					{ name: 'None', value: 'none', description: 'An empty object' },
				],
				default: 'lastNode',
				description: 'What to store as the result of a job whose execution succeeded',
				displayOptions: completeOrFail,
			},
			{
				displayName: 'Snooze Without Retry-After (Seconds)',
				name: 'retryAfterFallbackSeconds',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 2_592_000 },
				default: 60,
				description:
					'With Honour Retry-After: how long to snooze a job after HTTP 429 when the error does not say how long to wait. n8n keeps neither the Retry-After header nor the body of an HTTP Request node error; to honour the header exactly, see the README (Snooze on HTTP 429).',
				displayOptions: completeOrFail,
			},
			{
				displayName: 'Wait on Deactivation (Seconds)',
				name: 'shutdownWaitSeconds',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 300 },
				default: 10,
				description:
					'When the workflow is deactivated or n8n stops, how long to wait for running executions so their jobs can be finished. Jobs still running then keep their lease until it expires and run again.',
				displayOptions: { show: { '/mode': ['claimAndRun'] } },
			},
			{ ...workerIdField, displayOptions: { show: { '/mode': ['claimAndRun'] } } },
		],
	},
];
