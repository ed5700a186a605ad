import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import type { JobsClient } from '../shared/client';
import { jobIdParameter } from '../shared/parameters';

type Operation = (ctx: IExecuteFunctions, client: JobsClient, i: number) => Promise<IDataObject | IDataObject[]>;

const text = (ctx: IExecuteFunctions, name: string, i: number) =>
	String(ctx.getNodeParameter(name, i, '') ?? '').trim() || undefined;
const positive = (n: unknown) => (typeof n === 'number' && n > 0 ? n : undefined);

/** One SQL call per resource and operation; the SQL API is documented in the README. */
export const operations: Record<string, Record<string, Operation>> = {
	job: {
		get: (ctx, c, i) => c.call('get_job', { p_job_id: jobIdParameter(ctx, 'jobId', i) }),
		getAll: (ctx, c, i) => {
			const f = ctx.getNodeParameter('filters', i, {}) as IDataObject;
			return c.call('list_jobs', {
				p_queue: f.queue || undefined,
				p_status: f.status || undefined,
				p_source: f.source || undefined,
				p_job_type: f.jobType || undefined,
				p_limit: ctx.getNodeParameter('limit', i, 50),
				p_before_seq: positive(f.beforeSeq),
				p_after_seq: positive(f.afterSeq),
			});
		},
		cancel: (ctx, c, i) =>
			c.call('cancel_job', { p_job_id: jobIdParameter(ctx, 'jobId', i), p_reason: text(ctx, 'reason', i) }),
		retry: (ctx, c, i) =>
			c.call('retry_job', {
				p_job_id: jobIdParameter(ctx, 'jobId', i),
				p_reset_attempts: ctx.getNodeParameter('resetAttempts', i, true),
			}),
	},
	deadLetter: {
		getAll: (ctx, c, i) => {
			const f = ctx.getNodeParameter('filters', i, {}) as IDataObject;
			return c.call('list_dead_letters', {
				p_resolved: f.includeResolved ? null : false,
				p_queue: f.queue || undefined,
				p_source: f.source || undefined,
				p_job_type: f.jobType || undefined,
				p_limit: ctx.getNodeParameter('limit', i, 50),
				p_before_seq: positive(f.beforeSeq),
				p_after_seq: positive(f.afterSeq),
			});
		},
		requeue: (ctx, c, i) =>
			c.call('requeue_dead_letter', {
				p_dead_letter_id: jobIdParameter(ctx, 'deadLetterId', i),
				p_requeued_by: text(ctx, 'resolvedBy', i),
			}),
		resolve: (ctx, c, i) =>
			c.call('resolve_dead_letter', {
				p_dead_letter_id: jobIdParameter(ctx, 'deadLetterId', i),
				p_resolved_by: text(ctx, 'resolvedBy', i),
				p_resolution_notes: text(ctx, 'notes', i),
			}),
	},
	queue: {
		getStats: (ctx, c, i) =>
			c.call('get_queue_stats', {
				p_queue: text(ctx, 'queue', i),
				p_window_hours: ctx.getNodeParameter('windowHours', i, 24),
				p_stuck_after_minutes: ctx.getNodeParameter('stuckAfterMinutes', i, 60),
			}),
		pause: (ctx, c, i) =>
			c.call('set_queue_paused', { p_queue: text(ctx, 'queue', i), p_paused: true, p_reason: text(ctx, 'pauseReason', i) }),
		resume: (ctx, c, i) => c.call('set_queue_paused', { p_queue: text(ctx, 'queue', i), p_paused: false }),
		reapExpired: (ctx, c, i) => c.call('reap_expired_jobs', { p_queue: text(ctx, 'queue', i) }),
		cleanup: (ctx, c, i) => c.call('cleanup_jobs', { p_older_than_days: ctx.getNodeParameter('olderThanDays', i, 30) }),
		aggregateMetrics: async (ctx, c, i) => {
			const since = text(ctx, 'since', i);
			const rows = await c.call<number>('aggregate_metrics', { p_since: since ? new Date(since).toISOString() : undefined });
			return { rows_written: rows };
		},
	},
};
