import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import type { JobsClient } from '../../shared/client';
import { runBatch } from '../../shared/runBatch';
import { runPerItem } from '../../shared/runPerItem';
import type { BatchFunctionName, Exactly, ItemOf, RowOf } from '../../shared/transport/functions';
import type { AdminBatchRow } from '../../shared/transport/rows';

/** What every <operation>.operation.ts exports as execute, and the router calls: the operation for all input items. */
export type ExecuteOperation = (
	this: IExecuteFunctions,
	client: JobsClient,
	items: INodeExecutionData[],
) => Promise<INodeExecutionData[]>;

/** An operation that makes one call per input item; `run` returns the item's output (an object or a list of them). */
export function perItem(
	run: (ctx: IExecuteFunctions, client: JobsClient, itemIndex: number) => Promise<IDataObject | IDataObject[]>,
): ExecuteOperation {
	return async function (client, items) {
		return await runPerItem(this, items.length, async (i) => await run(this, client, i));
	};
}

/** The batch functions whose rows carry `result`: what the single-item function returns (get_jobs, cancel_jobs, …). */
type AdminBatchFunction = { [F in BatchFunctionName]: RowOf<F> extends { result: unknown } ? F : never }[BatchFunctionName];

/** An operation that makes one batch call for all input items; each item's output is its row's `result`. */
export function adminBatch<F extends AdminBatchFunction, Item extends ItemOf<F>>(
	fn: F,
	item: (ctx: IExecuteFunctions, itemIndex: number) => Exactly<ItemOf<F>, Item>,
): ExecuteOperation {
	return async function (client, items) {
		return await runBatch(
			this,
			client,
			fn,
			items,
			(i) => item(this, i),
			(row) => resultOf(row as AdminBatchRow<IDataObject>),
		);
	};
}

const resultOf = (row: AdminBatchRow<IDataObject>): IDataObject => row.result ?? {};
