import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import {
	integerParameter,
	isoDate,
	jobIdListParameter,
	jsonObjectParameter,
	requiredTextParameter,
	wholeNumber,
} from '../shared/parameters';
import type { DedupeMode, EnqueueItem } from '../shared/transport/functions';

/** The enqueue_jobs item for input item `i`: the node's parameters, checked, with the SQL defaults left out. */
export function jobSpec(ctx: IExecuteFunctions, items: INodeExecutionData[], i: number): EnqueueItem {
	const jobType = requiredTextParameter(
		ctx,
		'jobType',
		'Job Type',
		i,
		'Set Job Type to what the worker should do, e.g. send_email (an expression like {{ $json.type }} works).',
	);
	const source = requiredTextParameter(ctx, 'source', 'Source', i, 'Set Source, e.g. n8n.');
	const payload =
		ctx.getNodeParameter('payloadSource', i) === 'json'
			? jsonObjectParameter(ctx, 'payload', 'Payload JSON', i)
			: items[i].json;
	const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
	const spec: EnqueueItem = {
		source,
		job_type: jobType,
		payload,
		priority: integerParameter(ctx, 'priority', 'Priority', i, 0, 1_000_000, 5),
		queue: (options.queue as string) || 'default',
	};
	const scheduledAt = runAt(ctx, options, i);
	if (scheduledAt) spec.scheduled_at = scheduledAt;
	if (options.maxRetries !== undefined) spec.max_retries = options.maxRetries as number;
	if (options.retryDelaySeconds !== undefined) spec.retry_delay_seconds = options.retryDelaySeconds as number;
	if (options.idempotencyKey) spec.idempotency_key = String(options.idempotencyKey);
	if (options.groupKey) spec.group_key = String(options.groupKey);
	if (options.maxSnoozes !== undefined) spec.max_snoozes = options.maxSnoozes as number;
	Object.assign(spec, dedupe(ctx, options, spec.idempotency_key, i));
	if (options.dependsOn !== undefined) {
		const ids = jobIdListParameter(ctx, 'options.dependsOn', 'Depends On', i);
		if (ids.length) spec.depends_on = ids;
	}
	return spec;
}

/** Run At, else Delay Seconds from now, as an ISO date; undefined: now. */
function runAt(ctx: IExecuteFunctions, options: IDataObject, i: number): string | undefined {
	if (options.runAt) return isoDate(ctx.getNode(), 'Run At', String(options.runAt), i, '');
	if (options.delaySeconds) return new Date(Date.now() + Number(options.delaySeconds) * 1000).toISOString();
	return undefined;
}

/** The Deduplication option as dedupe_mode / dedupe_seconds; a mode other than Forever needs an Idempotency Key. */
function dedupe(
	ctx: IExecuteFunctions,
	options: IDataObject,
	key: string | undefined,
	i: number,
): Pick<EnqueueItem, 'dedupe_mode' | 'dedupe_seconds'> {
	const mode = (options.dedupeMode as DedupeMode | undefined) ?? 'forever';
	if (mode === 'forever') return {};
	if (!key) {
		throw new NodeOperationError(ctx.getNode(), 'Deduplication needs an Idempotency Key', {
			itemIndex: i,
			description: 'Set the Idempotency Key option (what identifies a duplicate, e.g. {{ $json.orderId }}) or remove Deduplication.',
		});
	}
	if (mode !== 'window') return { dedupe_mode: mode };
	const seconds = wholeNumber(ctx.getNode(), 'Dedupe Window Seconds', options.dedupeSeconds ?? 60, 1, 31_536_000, i);
	return { dedupe_mode: mode, dedupe_seconds: seconds };
}
