import type { ExecuteOperation } from '../helpers/operation';

/** The operations of each resource; the router requires an <operation>.operation.ts for each. */
export type JobQueueMap = {
	job: 'get' | 'getAll' | 'search' | 'getResults' | 'cancel' | 'retry';
	deadLetter: 'getAll' | 'getGroups' | 'requeue' | 'resolve';
	queue: 'getStats' | 'getThroughput' | 'pause' | 'resume' | 'setLimits' | 'reapExpired' | 'cleanup' | 'aggregateMetrics';
};

/** What every <operation>.operation.ts exports besides its description. */
export interface JobQueueOperation {
	execute: ExecuteOperation;
}
