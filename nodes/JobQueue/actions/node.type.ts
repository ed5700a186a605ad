import type { AllEntities, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import type { JobsClient } from '../../shared/client';

export type JobQueueMap = {
	job: 'get' | 'getAll' | 'cancel' | 'retry';
	deadLetter: 'getAll' | 'requeue' | 'resolve';
	queue: 'getStats' | 'pause' | 'resume' | 'reapExpired' | 'cleanup' | 'aggregateMetrics';
};

export type JobQueueType = AllEntities<JobQueueMap>;

/** What every <operation>.operation.ts exports besides its description. */
export interface JobQueueOperation {
	execute(this: IExecuteFunctions, client: JobsClient, items: INodeExecutionData[]): Promise<INodeExecutionData[]>;
}
