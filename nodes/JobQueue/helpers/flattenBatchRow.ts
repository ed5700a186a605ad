import type { IDataObject } from 'n8n-workflow';

/** A batch row with its `result` (what the single-item function returns) spread into it, for runBatch. */
export function flattenBatchRow(row: IDataObject): IDataObject {
	const { result, ...status } = row;
	return { ...status, ...((result as IDataObject | null) ?? {}) };
}
