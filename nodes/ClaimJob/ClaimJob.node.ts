import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { claimJobs } from '../shared/claimJobs';
import { getJobsClient } from '../shared/credentials';
import { credentialTest, JOBS_ICON } from '../shared/nodeDescription';
import { jobTypesField, leaseSecondsField, queueField, workerIdField } from '../shared/descriptions';
import { integerParameter, listParameter } from '../shared/parameters';
import { runPerItem } from '../shared/runPerItem';
import { defaultWorkerId } from '../shared/workerId';

export class ClaimJob implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Claim Job',
		name: 'claimJob',
		icon: JOBS_ICON,
		group: ['input'],
		version: 1,
		subtitle: '={{ "up to " + $parameter["batchSize"] + " from " + $parameter["queue"] }}',
		description:
			'Take due jobs from the queue for this worker (no other worker gets them while the lease holds). Outputs one item per job; none when the queue is empty.',
		defaults: { name: 'Claim Job' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'supabaseJobsApi', required: true, testedBy: 'supabaseJobsApiTest' }],
		properties: [
			{ ...queueField },
			{ ...jobTypesField },
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1000 },
				default: 10,
				description: 'Claim up to this many jobs in one call (lowest priority number first, then oldest)',
			},
			{ ...leaseSecondsField },
			{ ...workerIdField },
		],
	};

	methods = { credentialTest };

	// Claims once per execution (not once per input item): the input only starts it, e.g. a Schedule Trigger.
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const { client } = await getJobsClient(this);
		const claim = async () =>
			await claimJobs(client, {
				workerId: String(this.getNodeParameter('workerId', 0, '')).trim() || defaultWorkerId(this),
				queue: String(this.getNodeParameter('queue', 0, 'default')).trim() || 'default',
				jobTypes: listParameter(this.getNodeParameter('jobTypes', 0, '')),
				limit: integerParameter(this, 'batchSize', 'Batch Size', 0, 1, 1000, 10),
				leaseSeconds: integerParameter(this, 'leaseSeconds', 'Lease Seconds', 0, 1, 86400, 300),
			});
		return [await runPerItem(this, 1, claim)];
	}
}
