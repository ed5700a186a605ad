import type { INodeExecutionData } from 'n8n-workflow';
import type { JobRow } from '../shared/transport/rows';

/** An item the Job Trigger emits: its json is the job's row, as claim_next_job (or list_jobs) returns it. */
export interface JobItem extends INodeExecutionData {
	json: JobRow;
}

/** An execution's trigger output: one item per job, in claim order (the item indexes n8n's item linking leads back to). */
export function jobItems(jobs: JobRow[]): JobItem[][] {
	return [jobs.map((job) => ({ json: job }))];
}
