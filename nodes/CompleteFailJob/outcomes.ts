import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type IPairedItemData } from 'n8n-workflow';
import type { JobsClient } from '../shared/client';
import { UUID } from '../shared/parameters';
import { runBatch } from '../shared/runBatch';

const SHAPE =
	'Return one item per job from the handler: { job_id: job.id, run_id: job.run_id, result } to complete it, or ' +
	'{ job_id: job.id, run_id: job.run_id, error } to fail it (worker_id is optional).';

/**
 * Complete or Fail From Items: each input item is one job's outcome, as a handler Code node returns it, read as it
 * is (n8n evaluates an expression per item and field, which for 1,000 items costs seconds, far more than the calls):
 * an item with `error` fails its job (retried with backoff while retries remain, when Retryable), any other completes
 * it with `result`. One complete_jobs and one fail_jobs call; output items in input order.
 */
export async function finishFromItems(ctx: IExecuteFunctions, client: JobsClient, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const retryable = ctx.getNodeParameter('retryable', 0, true) as boolean;
	const failing = (i: number) => items[i].json.error !== undefined && items[i].json.error !== null;
	const indexes = [...items.keys()];
	const completed = await runBatch(
		ctx,
		client,
		'complete_jobs',
		items,
		(i) => ({ ...outcomeJob(ctx, items[i].json, i), result: outcomeResult(ctx, items[i].json, i) }),
		undefined,
		indexes.filter((i) => !failing(i)),
	);
	const failed = await runBatch(
		ctx,
		client,
		'fail_jobs',
		items,
		(i) => ({ ...outcomeJob(ctx, items[i].json, i), error: errorText(items[i].json.error), retryable }),
		undefined,
		indexes.filter(failing),
	);
	// runBatch pairs each output item with its input item: back in input order
	const inputIndex = (item: INodeExecutionData) => (item.pairedItem as IPairedItemData).item;
	return [...completed, ...failed].sort((a, b) => inputIndex(a) - inputIndex(b));
}

/** The job an outcome item names: job_id (required), run_id and worker_id (when present). */
function outcomeJob(ctx: IExecuteFunctions, json: IDataObject, itemIndex: number): { job_id: string; run_id?: string; worker_id?: string } {
	const field = (name: string, required: boolean, check: (v: string) => boolean, what: string): string | undefined => {
		const value = json[name];
		if ((value === undefined || value === null || value === '') && !required) return undefined;
		if (typeof value !== 'string' || !check(value.trim())) {
			const got = value === undefined ? 'missing' : `${JSON.stringify(value)?.slice(0, 60)}, not ${what}`;
			throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: ${name} is ${got}`, { itemIndex, description: SHAPE });
		}
		return value.trim();
	};
	const isUuid = (v: string) => UUID.test(v);
	return {
		job_id: field('job_id', true, isUuid, 'a job id (a UUID)') as string,
		run_id: field('run_id', false, isUuid, 'a run id (a UUID)'),
		worker_id: field('worker_id', false, (v) => v !== '', 'a worker id'),
	};
}

function outcomeResult(ctx: IExecuteFunctions, json: IDataObject, itemIndex: number): IDataObject | undefined {
	const result = json.result;
	if (result === undefined || result === null) return undefined;
	if (typeof result !== 'object' || Array.isArray(result)) {
		throw new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: result must be a JSON object, got ${Array.isArray(result) ? 'an array' : typeof result}`, {
			itemIndex,
			description: 'Wrap the value in an object, e.g. { result: { items: [...] } }.',
		});
	}
	return result as IDataObject;
}

/** An error as text: a string as it is, an Error-like object's message, anything else as JSON. */
function errorText(error: unknown): string {
	if (typeof error === 'string') return error;
	const message = (error as { message?: unknown }).message;
	return typeof message === 'string' ? message : JSON.stringify(error);
}
