import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { JobsClient } from '../../../shared/client';
import { jobIdParameter, textParameter } from '../../../shared/parameters';
import { runBatch } from '../../../shared/runBatch';
import { batchResult } from '../../helpers/batchResult';
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

export async function execute(
	this: IExecuteFunctions,
	client: JobsClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runBatch(
		this,
		client,
		'resolve_dead_letters',
		items,
		(i) => ({
			dead_letter_id: jobIdParameter(this, 'deadLetterId', i),
			resolved_by: textParameter(this, 'resolvedBy', i),
			resolution_notes: textParameter(this, 'notes', i),
		}),
		batchResult,
	);
}
