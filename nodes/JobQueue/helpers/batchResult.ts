import type { IDataObject } from 'n8n-workflow';
import type { AdminBatchRow } from '../../shared/transport/rows';

/** The item's json for an admin batch row: what the single-item function returned. */
export const batchResult = <Result extends IDataObject>(row: AdminBatchRow<Result>): IDataObject => row.result ?? {};
