import type { IDataObject, IRun } from 'n8n-workflow';

/** How an execution ended, as far as its job is concerned. */
export type Outcome =
	| { kind: 'success'; result: IDataObject }
	| { kind: 'error'; message: string }
	| { kind: 'unknown'; reason: string };

/**
 * Reads the IRun n8n settles an emit's donePromise with. Only `status` and `data.resultData.error` are used:
 * in queue mode the main instance gets the IRun from the worker with an empty runData.
 */
export function outcomeOf(run: IRun | undefined, rejection?: unknown): Outcome {
	if (rejection !== undefined) {
		return { kind: 'error', message: messageOf(rejection) ?? 'the execution was stopped before it finished' };
	}
	if (!run) {
		return { kind: 'unknown', reason: 'n8n reported no result for its execution (was it deduplicated?)' };
	}
	const error = run.data?.resultData?.error;
	const status = run.status;
	if (error || status === 'error' || status === 'crashed' || status === 'canceled') {
		return { kind: 'error', message: messageOf(error) ?? `the execution ended with status "${status}"` };
	}
	if (status === 'waiting') {
		return {
			kind: 'unknown',
			reason:
				'its execution is waiting (Wait node): finish the job in the workflow (On Execution End = Leave to Workflow, ' +
				'with a lease long enough), or it runs again when its lease expires',
		};
	}
	if (status !== undefined && status !== 'success') {
		return { kind: 'unknown', reason: `its execution ended with status "${status}"` };
	}
	return { kind: 'success', result: { executionStatus: status ?? 'success', finishedAt: isoDate(run.stoppedAt) } };
}

/** The message of an Error, or of a serialised one (a plain object, as in queue mode). */
function messageOf(error: unknown): string | undefined {
	if (typeof error === 'string') return error || undefined;
	if (error && typeof error === 'object' && 'message' in error) {
		const message = (error as { message: unknown }).message;
		if (typeof message === 'string' && message) return message;
	}
	return undefined;
}

function isoDate(value: Date | string | undefined): string {
	const date = value === undefined ? new Date() : new Date(value);
	return Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
}
