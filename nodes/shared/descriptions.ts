import type { INodeProperties } from 'n8n-workflow';

/** Parameter descriptions shared by several nodes. */
export const queueField: INodeProperties = {
	displayName: 'Queue',
	name: 'queue',
	type: 'string',
	default: 'default',
	description: 'Name of the queue. Queues are created on first use and can be paused separately.',
};

export const jobTypesField: INodeProperties = {
	displayName: 'Job Types',
	name: 'jobTypes',
	type: 'string',
	default: '',
	placeholder: 'e.g. send_email, sync_contacts',
	description: 'Comma-separated job types to take; empty takes every type',
};

export const workerIdField: INodeProperties = {
	displayName: 'Worker ID',
	name: 'workerId',
	type: 'string',
	default: '',
	placeholder: 'e.g. n8n-email-worker',
	description:
		'Who holds the claimed jobs. Empty uses a stable ID of this n8n instance and workflow. Complete/Fail Job can check it.',
};

export const leaseSecondsField: INodeProperties = {
	displayName: 'Lease Seconds',
	name: 'leaseSeconds',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 86400 },
	default: 300,
	description:
		'How long the job stays reserved for this worker. If it is not completed, failed or extended (Report Progress) in time, another worker may run it again.',
};
