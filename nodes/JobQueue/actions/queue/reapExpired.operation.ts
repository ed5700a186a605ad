import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';
import { textParameter } from '../../../shared/parameters';
import { perItem } from '../../helpers/operation';
import { optionalQueueField } from '../common.descriptions';

const properties: INodeProperties[] = [optionalQueueField];

export const description = updateDisplayOptions({ show: { resource: ['queue'], operation: ['reapExpired'] } }, properties);

export const execute = perItem(
	async (ctx, client, i) => await client.call('reap_expired_jobs', { p_queue: textParameter(ctx, 'queue', i) }),
);
