import type { INodeProperties } from 'n8n-workflow';
import { queueField } from '../../../shared/descriptions';

/** The queue to pause or resume. */
export const requiredQueueField: INodeProperties = { ...queueField, default: 'default', required: true };

/** An optional queue filter. */
export const optionalQueueField: INodeProperties = {
	...queueField,
	default: '',
	description: 'Only this queue; empty for all queues',
};
