import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { getJobsClient } from '../../shared/credentials';
import * as deadLetter from './deadLetter/DeadLetter.resource';
import * as job from './job/Job.resource';
import type { JobQueueMap, JobQueueOperation } from './node.type';
import * as queue from './queue/Queue.resource';

const resources: { [R in keyof JobQueueMap]: Record<JobQueueMap[R], JobQueueOperation> } = { job, deadLetter, queue };

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const action = (resources as Record<string, Record<string, JobQueueOperation | undefined> | undefined>)[resource]?.[operation];
	if (!action) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of resource "${resource}" is not supported`);
	}
	const { client } = await getJobsClient(this);
	return [await action.execute.call(this, client, this.getInputData())];
}
