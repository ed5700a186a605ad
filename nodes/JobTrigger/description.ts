import type { INodeProperties } from 'n8n-workflow';
import { jobTypesField, leaseSecondsField, queueField, workerIdField } from '../shared/descriptions';

const claimMode = { show: { mode: ['claimAndRun'] } };

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
					'Claim each new job and start one execution per job, up to Max Concurrent Executions; the job stays reserved while its execution runs',
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
		description: 'How many jobs this trigger runs at the same time. More jobs wait in the queue until an execution ends.',
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
				displayName: 'Instant Wake-Ups (LISTEN)',
				name: 'listen',
				type: 'boolean',
				default: true,
				description:
					"Whether to LISTEN for new jobs on the credential's Postgres connection string (for Supabase API: its optional Database Connection String), so the workflow starts within milliseconds. Polling continues either way.",
			},
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
				displayName: 'Poll Interval (Seconds)',
				name: 'pollIntervalSeconds',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 3600 },
				default: 5,
				description:
					'How often to check the queue besides wake-ups: the only wake-up without a LISTEN connection, and the safety net for wake-ups missed while disconnected',
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
