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

/** The most jobs claim_next_job claims in one call (its p_limit). */
const MAX_CLAIM = 1000;

/**
 * The most jobs one claimJobs call claims: claim_next_job's limit, and never more than one answer returns (Max Rows
 * per Call), since a job claimed but not returned would wait out its lease.
 */
export function claimCap(client: JobsClient): number {
	return Math.min(MAX_CLAIM, client.maxRowsPerCall);
}

/** Claims up to `limit` (at most claimCap) due jobs of `queue` for `workerId` (claim_next_job), as Claim Job and the Job Trigger do. */
export async function claimJobs(client: JobsClient, options: ClaimOptions): Promise<JobRow[]> {
	const { workerId, queue, jobTypes, limit, leaseSeconds } = options;
	return await client.call('claim_next_job', {
		p_worker_id: workerId,
		p_queue: queue,
		p_job_types: jobTypes.length ? jobTypes : undefined,
		p_limit: Math.min(limit, claimCap(client)),
		p_lease_seconds: leaseSeconds,
	});
}
