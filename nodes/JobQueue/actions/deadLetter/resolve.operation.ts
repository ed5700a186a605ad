import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { jobIdParameter, textParameter } from '../../../shared/parameters';
import { adminBatch } from '../../helpers/operation';
import { deadLetterLocator, resolvedByField } from '../common.descriptions';

const properties: INodeProperties[] = [
	deadLetterLocator,
	resolvedByField,
	{
		displayName: 'Resolution Notes',
		name: 'notes',
		type: 'string',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['deadLetter'], operation: ['resolve'] } }, properties);

export const execute = adminBatch('resolve_dead_letters', (ctx, i) => ({
	dead_letter_id: jobIdParameter(ctx, 'deadLetterId', i),
	resolved_by: textParameter(ctx, 'resolvedBy', i),
	resolution_notes: textParameter(ctx, 'notes', i),
}));
