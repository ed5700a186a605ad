import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { jobIdParameter, textParameter } from '../../../shared/parameters';
import { adminBatch } from '../../helpers/operation';
import { jobLocator } from '../common.descriptions';

const properties: INodeProperties[] = [
	jobLocator,
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: '',
		description: 'Stored on the job and in its history',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['job'], operation: ['cancel'] } }, properties);

export const execute = adminBatch('cancel_jobs', (ctx, i) => ({
	job_id: jobIdParameter(ctx, 'jobId', i),
	reason: textParameter(ctx, 'reason', i),
}));
