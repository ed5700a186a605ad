import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { jobIdParameter, textParameter } from '../../../shared/parameters';
import { adminBatch } from '../../helpers/operation';
import { deadLetterLocator, resolvedByField } from '../common.descriptions';

const properties: INodeProperties[] = [deadLetterLocator, resolvedByField];

export const description = updateDisplayOptions({ show: { resource: ['deadLetter'], operation: ['requeue'] } }, properties);

export const execute = adminBatch('requeue_dead_letters', (ctx, i) => ({
	dead_letter_id: jobIdParameter(ctx, 'deadLetterId', i),
	requeued_by: textParameter(ctx, 'resolvedBy', i),
}));
