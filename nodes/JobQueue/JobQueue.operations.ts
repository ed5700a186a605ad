import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import type { JobsClient } from '../shared/client';
import { textParameter as text } from './JobQueue.parameters';

type Operation = (ctx: IExecuteFunctions, client: JobsClient, i: number) => Promise<IDataObject | IDataObject[]>;

const positive = (n: unknown) => (typeof n === 'number' && n > 0 ? n : undefined);

/** Operations run once per input item (listings, stats, queue switches, maintenance); see JobQueue.batch.ts for the rest. */
export const operations: Record<string, Record<string, Operation>> = {
	job: {
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
