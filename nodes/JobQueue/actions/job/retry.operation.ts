import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { jobIdParameter } from '../../../shared/parameters';
import { adminBatch } from '../../helpers/operation';
import { jobLocator } from '../common.descriptions';

const properties: INodeProperties[] = [
	jobLocator,
	{
		displayName: 'Reset Attempts',
		name: 'resetAttempts',
		type: 'boolean',
		default: true,
		description: 'Whether to give a failed or cancelled job its full retries again',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['job'], operation: ['retry'] } }, properties);

export const execute = adminBatch('retry_jobs', (ctx, i) => ({
	job_id: jobIdParameter(ctx, 'jobId', i),
	reset_attempts: ctx.getNodeParameter('resetAttempts', i, true) as boolean,
}));
