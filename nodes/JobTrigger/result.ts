import type { IDataObject, IRun } from 'n8n-workflow';

/** What the Job Trigger stores as a completed job's result (option Result). */
export type ResultMode = 'lastNode' | 'summary' | 'none';

/** A larger result is stored truncated: { truncated: true, bytes, preview } (preview: the start of its JSON). */
export const RESULT_MAX_BYTES = 256 * 1024;

/**
 * The result of a job whose execution succeeded. lastNode: the last node's output items (their JSON; binary data
 * is left out), one item as it is, several as { items: [...] }. In queue mode n8n does not send the main
 * instance the execution's data, so there (and whenever the data is missing) lastNode falls back to the summary.
 */
export function jobResult(run: IRun, mode: ResultMode): IDataObject {
	if (mode === 'none') return {};
	const summary: IDataObject = { executionStatus: run.status ?? 'success', finishedAt: isoDate(run.stoppedAt) };
	if (mode === 'summary') return summary;
	const items = lastNodeItems(run);
	if (!items) return { ...summary, output: 'not available: n8n did not pass the execution data to the trigger (queue mode)' };
	return outputResult(items);
}

/** Output items (their JSON) as a stored result: one item as it is, several (or none) as { items: [...] }, capped. */
export function outputResult(items: IDataObject[]): IDataObject {
	return capped(items.length === 1 ? items[0] : { items });
}

function lastNodeItems(run: IRun): IDataObject[] | undefined {
	const { lastNodeExecuted, runData } = run.data?.resultData ?? {};
	const task = lastNodeExecuted ? runData?.[lastNodeExecuted]?.at(-1) : undefined;
	const outputs = task?.data?.main;
	if (!outputs) return undefined;
	return outputs.flatMap((output) => (output ?? []).map((item) => item.json));
}

function capped(result: IDataObject): IDataObject {
	const text = JSON.stringify(result);
	const bytes = Buffer.byteLength(text);
	if (bytes <= RESULT_MAX_BYTES) return result;
	let preview = text.slice(0, RESULT_MAX_BYTES);
	while (Buffer.byteLength(preview) > RESULT_MAX_BYTES) preview = preview.slice(0, -1024);
	return { truncated: true, bytes, preview };
}

function isoDate(value: Date | string | undefined): string {
	const date = value === undefined ? new Date() : new Date(value);
	return Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
}
