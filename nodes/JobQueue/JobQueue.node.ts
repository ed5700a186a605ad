import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { credentialTest, JOBS_ICON } from '../shared/nodeDescription';
import * as deadLetter from './actions/deadLetter/DeadLetter.resource';
import * as job from './actions/job/Job.resource';
import * as queue from './actions/queue/Queue.resource';
import { router } from './actions/router';
import * as listSearch from './methods/listSearch';

export class JobQueue implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Job Queue',
		name: 'jobQueue',
		icon: JOBS_ICON,
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description: 'Inspect and manage the job queue: jobs, dead letters, stats, pause, maintenance',
		defaults: { name: 'Job Queue' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'supabaseJobsApi', required: true, testedBy: 'supabaseJobsApiTest' }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Job', value: 'job' },
					{ name: 'Dead Letter', value: 'deadLetter' },
					{ name: 'Queue', value: 'queue' },
				],
				default: 'job',
			},
			...job.description,
			...deadLetter.description,
			...queue.description,
		],
	};

	methods = { credentialTest, listSearch };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
