import type { JobsClient } from './client';
import type { JobRow } from './transport/rows';

export interface ClaimOptions {
	workerId: string;
	queue: string;
	/** Empty: every job type. */
	jobTypes: string[];
	limit: number;
	leaseSeconds: number;
}

/**
 * Claims up to `limit` due jobs of `queue` for `workerId` (claim_next_job), as Claim Job and the Job Trigger do; never
 * more than one answer returns (Max Rows per Call), since a job claimed but not returned would wait out its lease.
 */
export async function claimJobs(client: JobsClient, options: ClaimOptions): Promise<JobRow[]> {
	const { workerId, queue, jobTypes, limit, leaseSeconds } = options;
	return await client.call('claim_next_job', {
		p_worker_id: workerId,
		p_queue: queue,
		p_job_types: jobTypes.length ? jobTypes : undefined,
		p_limit: Math.min(limit, client.maxRowsPerCall),
		p_lease_seconds: leaseSeconds,
	});
}
