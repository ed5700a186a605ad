import type { IDataObject, IExecuteFunctions, INodeExecutionData, NodeApiError, NodeOperationError } from 'n8n-workflow';
import { errorItem, toNodeError } from './errors';
import { RpcError } from './transport/rpcError';

/**
 * Runs one batch call for the prepared items and maps the per-item results back to their items.
 * Items that failed to prepare, and items the database reports as failed (ok = false), become error items
 * when the node continues on fail, and otherwise stop the node with an error naming the item.
 */
export async function runBatch<T>(
	ctx: IExecuteFunctions,
	fn: string,
	items: INodeExecutionData[],
	prepare: (itemIndex: number) => T,
	call: (prepared: T[]) => Promise<IDataObject[]>,
): Promise<INodeExecutionData[]> {
	const prepared: T[] = [];
	const preparedIndex: number[] = [];
	const failures = new Map<number, NodeApiError | NodeOperationError>();
	for (let i = 0; i < items.length; i++) {
		try {
			prepared.push(prepare(i));
			preparedIndex.push(i);
		} catch (error) {
			const nodeError = toNodeError(ctx.getNode(), error, i);
			if (!ctx.continueOnFail()) throw nodeError;
			failures.set(i, nodeError);
		}
	}

	let results: IDataObject[] = [];
	if (prepared.length) {
		try {
			results = await call(prepared);
		} catch (error) {
			const nodeError = toNodeError(ctx.getNode(), error, preparedIndex.length === 1 ? preparedIndex[0] : undefined);
			if (!ctx.continueOnFail()) throw nodeError;
			for (const i of preparedIndex) failures.set(i, nodeError);
		}
	}

	results.forEach((row, k) => {
		const itemIndex = preparedIndex[k];
		if (row.ok === false) {
			const failure = { code: String(row.error_code), message: String(row.error_message) };
			const error = toNodeError(ctx.getNode(), new RpcError(fn, failure), itemIndex);
			if (!ctx.continueOnFail()) throw error;
			failures.set(itemIndex, error);
		}
	});

	const resultOf = new Map<number, IDataObject>();
	results.forEach((row, k) => resultOf.set(preparedIndex[k], row));
	const out: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		const failure = failures.get(i);
		if (failure) {
			out.push(errorItem(failure, i));
			continue;
		}
		const row = resultOf.get(i);
		if (row) out.push({ json: stripBatchFields(row), pairedItem: { item: i } });
	}
	return out;
}

const BATCH_FIELDS = new Set(['ordinal', 'ok', 'error_code', 'error_message']);

function stripBatchFields(row: IDataObject): IDataObject {
	return Object.fromEntries(Object.entries(row).filter(([key]) => !BATCH_FIELDS.has(key)));
}
