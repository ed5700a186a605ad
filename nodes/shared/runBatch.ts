import type { IDataObject, IExecuteFunctions, INodeExecutionData, NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { JobsClient } from './client';
import { errorItem, toNodeError } from './errors';
import type { BatchFunctionName, Exactly, ItemOf, RowOf } from './transport/functions';
import type { BatchRow } from './transport/rows';
import { RpcError } from './transport/rpcError';

/**
 * Runs one batch call of `fn` for the prepared items (one per chunk when there are more than one call may carry)
 * and maps the per-item rows back to their items (`output` turns a row into the item's json; by default the row
 * without its batch fields). Items that failed to prepare, items the database reports as failed (ok = false), and
 * the items of a call that failed or was answered with missing rows become error items when the node continues on
 * fail, and otherwise stop the node with an error naming the item (or the function and counts). `only`: the indexes of
 * the items this call is for (default all); the others get no output item.
 */
export async function runBatch<F extends BatchFunctionName, Item extends ItemOf<F>>(
	ctx: IExecuteFunctions,
	client: JobsClient,
	fn: F,
	items: INodeExecutionData[],
	prepare: (itemIndex: number) => Exactly<ItemOf<F>, Item>,
	output?: (row: RowOf<F>) => IDataObject,
	only: number[] = [...items.keys()],
): Promise<INodeExecutionData[]> {
	const prepared: Array<ItemOf<F>> = [];
	const preparedIndex: number[] = [];
	const failures = new Map<number, NodeApiError | NodeOperationError>();
	for (const i of only) {
		try {
			prepared.push(prepare(i));
			preparedIndex.push(i);
		} catch (error) {
			const nodeError = toNodeError(ctx.getNode(), error, i);
			if (!ctx.continueOnFail()) throw nodeError;
			failures.set(i, nodeError);
		}
	}

	// one call per chunk (see JobsClient.chunkSize); a failed call fails only its chunk's items
	const resultOf = new Map<number, RowOf<F>>();
	const size = client.chunkSize(fn);
	for (let start = 0; start < prepared.length; start += size) {
		const indexes = preparedIndex.slice(start, start + size);
		let rows: Array<RowOf<F>>;
		try {
			rows = await client.callBatch(fn, prepared.slice(start, start + size));
		} catch (error) {
			const nodeError = toNodeError(ctx.getNode(), error, indexes.length === 1 ? indexes[0] : undefined);
			if (!ctx.continueOnFail()) throw nodeError;
			for (const i of indexes) failures.set(i, nodeError);
			continue;
		}
		rows.forEach((row, k) => {
			const itemIndex = indexes[k];
			const status = row as Partial<BatchRow>;
			if (status.ok === false) {
				const failure = { code: String(status.error_code), message: String(status.error_message) };
				const error = toNodeError(ctx.getNode(), new RpcError(fn, failure), itemIndex);
				if (!ctx.continueOnFail()) throw error;
				failures.set(itemIndex, error);
			}
			resultOf.set(itemIndex, row);
		});
	}

	const out: INodeExecutionData[] = [];
	for (const i of only) {
		const failure = failures.get(i);
		if (failure) {
			out.push(errorItem(failure, i));
			continue;
		}
		const row = resultOf.get(i);
		if (row) out.push({ json: output ? output(row) : withoutBatchFields(row as object), pairedItem: { item: i } });
	}
	return out;
}

const BATCH_FIELDS = new Set(['ordinal', 'ok', 'error_code', 'error_message']);

function withoutBatchFields(row: object): IDataObject {
	return Object.fromEntries(Object.entries(row).filter(([key]) => !BATCH_FIELDS.has(key)));
}
