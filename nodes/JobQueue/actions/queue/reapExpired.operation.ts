import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { JobsClient } from '../../../shared/client';
import { textParameter } from '../../../shared/parameters';
import { optionalQueueField } from '../common.descriptions';
import { runPerItem } from '../../../shared/runPerItem';

const properties: INodeProperties[] = [optionalQueueField];

export const description = updateDisplayOptions({ show: { resource: ['queue'], operation: ['reapExpired'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	client: JobsClient,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runPerItem(
		this,
		items.length,
		async (i) => await client.call('reap_expired_jobs', { p_queue: textParameter(this, 'queue', i) }),
	);
}
