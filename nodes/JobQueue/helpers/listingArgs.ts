import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

const positive = (n: unknown) => (typeof n === 'number' && n > 0 ? n : undefined);

/** The arguments list_jobs and list_dead_letters share, from Limit and Filters; `filters` for the rest. */
export function listingArgs(ctx: IExecuteFunctions, itemIndex: number) {
	const filters = ctx.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	return {
		filters,
		args: {
			p_queue: (filters.queue as string) || undefined,
			p_source: (filters.source as string) || undefined,
			p_job_type: (filters.jobType as string) || undefined,
			p_limit: ctx.getNodeParameter('limit', itemIndex, 50) as number,
			p_before_seq: positive(filters.beforeSeq),
			p_after_seq: positive(filters.afterSeq),
		},
	};
}
