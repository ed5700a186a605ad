import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import type { SqlFunctionName } from '../shared/transport/functions';
import { jobIdParameter } from '../shared/parameters';
import { textParameter } from './JobQueue.parameters';

/** An operation sent as ONE batch call for all input items: the SQL function, its array argument, each item. */
export interface BatchOperation {
	fn: SqlFunctionName;
	arg: 'p_jobs' | 'p_items';
	item: (ctx: IExecuteFunctions, i: number) => IDataObject;
}

export const batchOperations: Record<string, Record<string, BatchOperation>> = {
	job: {
		get: { fn: 'get_jobs', arg: 'p_jobs', item: (ctx, i) => ({ job_id: jobIdParameter(ctx, 'jobId', i) }) },
		cancel: {
			fn: 'cancel_jobs',
			arg: 'p_jobs',
			item: (ctx, i) => ({ job_id: jobIdParameter(ctx, 'jobId', i), reason: textParameter(ctx, 'reason', i) }),
		},
		retry: {
			fn: 'retry_jobs',
			arg: 'p_jobs',
			item: (ctx, i) => ({
				job_id: jobIdParameter(ctx, 'jobId', i),
				reset_attempts: ctx.getNodeParameter('resetAttempts', i, true) as boolean,
			}),
		},
	},
	deadLetter: {
		requeue: {
			fn: 'requeue_dead_letters',
			arg: 'p_items',
			item: (ctx, i) => ({
				dead_letter_id: jobIdParameter(ctx, 'deadLetterId', i),
				requeued_by: textParameter(ctx, 'resolvedBy', i),
			}),
		},
		resolve: {
			fn: 'resolve_dead_letters',
			arg: 'p_items',
			item: (ctx, i) => ({
				dead_letter_id: jobIdParameter(ctx, 'deadLetterId', i),
				resolved_by: textParameter(ctx, 'resolvedBy', i),
				resolution_notes: textParameter(ctx, 'notes', i),
			}),
		},
	},
};

/** A batch row with its `result` (what the single-item function returns) spread into it, for runBatch. */
export function flattenBatchRow(row: IDataObject): IDataObject {
	const { result, ...status } = row;
	return { ...status, ...((result as IDataObject | null) ?? {}) };
}
