import { updateDisplayOptions, type IDataObject, type INodeProperties } from 'n8n-workflow';
import { integerParameter, requiredTextParameter } from '../../../shared/parameters';
import type { QueueLimitArgs } from '../../../shared/transport/functions';
import { perItem } from '../../helpers/operation';
import { QUEUE_HINT, requiredQueueField } from '../common.descriptions';

/** Each limit: its option, the SQL argument it sets, its range. A limit not added is removed (null). */
const LIMITS: Array<{ name: string; arg: keyof QueueLimitArgs; displayName: string; max: number; description: string }> = [
	{
		name: 'maxRunning',
		arg: 'p_max_running',
		displayName: 'Max Running',
		max: 100_000,
		description: 'At most this many jobs of the queue run at once, across all workers (e.g. 3 calls to an API at a time)',
	},
	{
		name: 'rateLimit',
		arg: 'p_rate_limit',
		displayName: 'Rate Limit',
		max: 1_000_000,
		description: 'At most this many jobs of the queue start in any window of Rate Window Seconds (e.g. 100 per 60 s)',
	},
	{
		name: 'rateWindowSeconds',
		arg: 'p_rate_window_seconds',
		displayName: 'Rate Window Seconds',
		max: 86_400,
		description: 'The window of Rate Limit and Group Rate Limit, e.g. 60 for "per minute"',
	},
	{
		name: 'groupMaxRunning',
		arg: 'p_group_max_running',
		displayName: 'Group Max Running',
		max: 100_000,
		description:
			'At most this many running jobs per Group Key (1 = one at a time per key, in priority then enqueue order); jobs without a key are not grouped',
	},
	{
		name: 'groupRateLimit',
		arg: 'p_group_rate_limit',
		displayName: 'Group Rate Limit',
		max: 1_000_000,
		description: 'At most this many jobs per Group Key start in any window of Rate Window Seconds',
	},
];

const properties: INodeProperties[] = [
	requiredQueueField,
	{
		displayName: 'Limits',
		name: 'limits',
		type: 'collection',
		placeholder: 'Add Limit',
		default: {},
		description: 'The queue gets exactly these limits: a limit not added here is removed. Add none to remove them all.',
		options: LIMITS.map(({ name, displayName, max, description }) => ({
			displayName,
			name,
			type: 'number' as const,
			typeOptions: { minValue: 1, maxValue: max },
			default: 1,
			description,
		})),
	},
];

export const description = updateDisplayOptions({ show: { resource: ['queue'], operation: ['setLimits'] } }, properties);

export const execute = perItem(async (ctx, client, i) => {
	const given = ctx.getNodeParameter('limits', i, {}) as IDataObject;
	const args: QueueLimitArgs = {};
	for (const limit of LIMITS) {
		if (given[limit.name] === undefined) continue;
		args[limit.arg] = integerParameter(ctx, `limits.${limit.name}`, limit.displayName, i, 1, limit.max);
	}
	return await client.call('set_queue_limits', { p_queue: requiredTextParameter(ctx, 'queue', 'Queue', i, QUEUE_HINT), ...args });
});
