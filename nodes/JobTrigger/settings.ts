import type { IDataObject, ITriggerFunctions } from 'n8n-workflow';
import { listParameter, wholeNumber } from '../shared/parameters';
import { defaultWorkerId } from '../shared/workerId';
import type { JobOutcomeOptions } from './jobOutcomes';
import type { ResultMode } from './result';

/** The Job Trigger's parameters, read and checked once at activation. */
export interface TriggerSettings extends JobOutcomeOptions {
	mode: 'claimAndRun' | 'notify';
	queue: string;
	jobTypes: string[];
	/** Notify mode only; undefined = any source. */
	source?: string;
	maxConcurrent: number;
	leaseSeconds: number;
	onExecutionEnd: 'completeOrFail' | 'leaveToWorkflow';
	workerId: string;
	listen: boolean;
	pollIntervalMs: number;
	shutdownWaitMs: number;
	/** 0 = wait for the end of an execution forever. */
	executionTimeoutMs: number;
}

export function readSettings(ctx: ITriggerFunctions): TriggerSettings {
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	const mode = ctx.getNodeParameter('mode', 'claimAndRun') === 'notify' ? 'notify' : 'claimAndRun';
	const integer = (label: string, value: unknown, min: number, max: number) => wholeNumber(ctx.getNode(), label, value, min, max);
	const claiming = mode === 'claimAndRun';
	return {
		mode,
		queue: String(ctx.getNodeParameter('queue', 'default')).trim() || 'default',
		jobTypes: listParameter(ctx.getNodeParameter('jobTypes', '')),
		source: claiming ? undefined : String(ctx.getNodeParameter('source', '')).trim() || undefined,
		maxConcurrent: claiming ? integer('Max Concurrent Executions', ctx.getNodeParameter('maxConcurrent', 5), 1, 1000) : 0,
		jobsPerExecution: claiming ? integer('Jobs per Execution', options.jobsPerExecution ?? 1, 1, 1000) : 1,
		leaseSeconds: claiming ? integer('Lease Seconds', ctx.getNodeParameter('leaseSeconds', 60), 1, 86400) : 0,
		onExecutionEnd:
			claiming && ctx.getNodeParameter('onExecutionEnd', 'completeOrFail') === 'leaveToWorkflow'
				? 'leaveToWorkflow'
				: 'completeOrFail',
		workerId: String(options.workerId ?? '').trim() || defaultWorkerId(ctx),
		listen: options.listen !== false,
		pollIntervalMs: integer('Poll Interval (Seconds)', options.pollIntervalSeconds ?? 5, 1, 3600) * 1000,
		shutdownWaitMs: integer('Wait on Deactivation (Seconds)', options.shutdownWaitSeconds ?? 10, 0, 300) * 1000,
		executionTimeoutMs: integer('Execution Timeout (Seconds)', options.executionTimeoutSeconds ?? 3600, 0, 604800) * 1000,
		result: resultMode(options.result),
		honourRetryAfter: options.honourRetryAfter !== false,
		retryAfterFallbackSeconds: integer(
			'Snooze Without Retry-After (Seconds)',
			options.retryAfterFallbackSeconds ?? 60,
			0,
			2_592_000,
		),
	};
}

function resultMode(value: unknown): ResultMode {
	return value === 'summary' || value === 'none' ? value : 'lastNode';
}
