import type { IDataObject, IRun } from 'n8n-workflow';
import { tooManyRequests } from './rateLimit';
import { jobResult, type ResultMode } from './result';

/** How an execution ended, as far as its job is concerned. */
export type Outcome =
	| { kind: 'success'; result: IDataObject }
	| { kind: 'error'; message: string }
	| { kind: 'snooze'; seconds: number; reason: string }
	| { kind: 'unknown'; reason: string };

/** An outcome that ends the job's run as failed (retry or dead letter) or snoozed. */
export type Failure = Extract<Outcome, { kind: 'error' | 'snooze' }>;

/** The On Execution End options that shape an outcome. */
export interface OutcomeOptions {
	result: ResultMode;
	/** Snooze a job whose execution failed with HTTP 429, for its Retry-After (else retryAfterFallbackSeconds). */
	honourRetryAfter: boolean;
	retryAfterFallbackSeconds: number;
}

/** The longest snooze snooze_jobs takes (30 days). */
const MAX_SNOOZE_SECONDS = 2_592_000;

/**
 * Reads the IRun n8n settles an emit's donePromise with. In queue mode the main instance gets the IRun from the
 * worker with an empty runData (see result.ts); status and data.resultData.error are there in both modes.
 */
export function outcomeOf(run: IRun | undefined, rejection: unknown, options: OutcomeOptions): Outcome {
	if (rejection !== undefined) {
		return { kind: 'error', message: messageOf(rejection) ?? 'the execution was stopped before it finished' };
	}
	if (!run) {
		return { kind: 'unknown', reason: 'n8n reported no result for its execution (was it deduplicated?)' };
	}
	const error = run.data?.resultData?.error;
	const status = run.status;
	if (error || status === 'error' || status === 'crashed' || status === 'canceled') {
		return failureOf(error, `the execution ended with status "${status}"`, options);
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
	return { kind: 'success', result: jobResult(run, options.result) };
}

/**
 * The outcome of a job that ended with `error`: snoozed when it is an HTTP 429 and Honour Retry-After is on, else
 * failed with the error's message (`fallbackMessage` when it has none).
 */
export function failureOf(error: unknown, fallbackMessage: string, options: OutcomeOptions): Failure {
	const message = messageOf(error) ?? fallbackMessage;
	const limited = options.honourRetryAfter ? tooManyRequests(typeof error === 'string' ? { message } : error) : undefined;
	if (!limited) return { kind: 'error', message };
	const given = limited.retryAfterSeconds;
	return {
		kind: 'snooze',
		seconds: Math.min(given ?? options.retryAfterFallbackSeconds, MAX_SNOOZE_SECONDS),
		reason: `HTTP 429 (${given === undefined ? 'no Retry-After' : `Retry-After ${given} s`}): ${message}`,
	};
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
