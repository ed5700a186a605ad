import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { errorItem, toNodeError } from './errors';

/**
 * Runs `run` once per input item (0 .. itemCount-1); what it returns (an object or a list of them) becomes that
 * item's output. A failing item stops the node with an error naming the item, or becomes an error item when the
 * node continues on fail.
 */
export async function runPerItem(
	ctx: IExecuteFunctions,
	itemCount: number,
	run: (itemIndex: number) => Promise<IDataObject | IDataObject[]>,
): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = [];
	for (let i = 0; i < itemCount; i++) {
		try {
			const result = await run(i);
			for (const json of Array.isArray(result) ? result : [result]) out.push({ json, pairedItem: { item: i } });
		} catch (error) {
			const nodeError = toNodeError(ctx.getNode(), error, i);
			if (!ctx.continueOnFail()) throw nodeError;
			out.push(errorItem(nodeError, i));
		}
	}
	return out;
}
