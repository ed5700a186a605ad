import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { jobIdListParameter } from '../../../shared/parameters';
import { perItem } from '../../helpers/operation';

const properties: INodeProperties[] = [
	{
		displayName: 'Job IDs',
		name: 'jobIds',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. {{ $json.payload.childJobIds }}',
		description:
			'The jobs whose results to read (a list, or separated by commas; at most 10,000), e.g. the jobs an aggregating job depended on',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['job'], operation: ['getResults'] } }, properties);

/** One item per job id, in order: its status, result, error and finish time (status null: no such job). */
export const execute = perItem(async (ctx, client, i) => {
	const ids = jobIdListParameter(ctx, 'jobIds', 'Job IDs', i);
	return ids.length ? await client.call('get_job_results', { p_job_ids: ids }) : [];
});
