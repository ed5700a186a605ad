import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { jobIdParameter } from '../../../shared/parameters';
import { adminBatch } from '../../helpers/operation';
import { jobLocator } from '../common.descriptions';

const properties: INodeProperties[] = [jobLocator];

export const description = updateDisplayOptions({ show: { resource: ['job'], operation: ['get'] } }, properties);

export const execute = adminBatch('get_jobs', (ctx, i) => ({ job_id: jobIdParameter(ctx, 'jobId', i) }));
