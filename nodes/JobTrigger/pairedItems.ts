import type { IDataObject, INodeExecutionData, IPairedItemData, IRun, IRunData, ISourceData } from 'n8n-workflow';

/** An output item of the execution's last node and the trigger items (their indexes) it traces back to. */
export interface TracedItem {
	item: INodeExecutionData;
	origins: number[];
}

/**
 * Follows n8n's item linking back to the trigger's items, as n8n's $('Node').item does: an item's pairedItem names
 * an item of one of its node's inputs, and the node's task `source` names the node (run, output) that fed that
 * input. An item traces to every trigger item any of its paired items leads to (an Aggregate's output item to all
 * of them); none when its lineage breaks (no pairedItem, a missing task).
 */
export class TriggerLineage {
	/** Trigger item indexes by "node|run|output|item"; items recombine on shared ancestors, so each is walked once. */
	private readonly memo = new Map<string, number[]>();

	constructor(
		private readonly runData: IRunData,
		private readonly triggerNode: string,
	) {}

	/** The trigger items that item `item` of the output `source` names traces back to. */
	originsOf(source: ISourceData, item: number): number[] {
		if (source.previousNode === this.triggerNode) return [item];
		const run = source.previousNodeRun ?? 0;
		const output = source.previousNodeOutput ?? 0;
		const key = `${source.previousNode}|${run}|${output}|${item}`;
		const known = this.memo.get(key);
		if (known) return known;
		this.memo.set(key, []); // a lineage that loops back here adds nothing
		const task = this.runData[source.previousNode]?.[run];
		const pairedItem = task?.data?.main?.[output]?.[item]?.pairedItem;
		const origins = new Set<number>();
		for (const paired of pairedItemsOf(pairedItem)) {
			const from = paired.sourceOverwrite ?? task?.source?.[paired.input ?? 0];
			if (from) for (const origin of this.originsOf(from, paired.item)) origins.add(origin);
		}
		const found = [...origins].sort((a, b) => a - b);
		this.memo.set(key, found);
		return found;
	}
}

/** The output items of the node that ran last (every output, as Result reads them); undefined without its data. */
export function tracedLastNodeItems(run: IRun, triggerNode: string): TracedItem[] | undefined {
	const { lastNodeExecuted, runData } = run.data?.resultData ?? {};
	const runs = lastNodeExecuted ? runData?.[lastNodeExecuted] : undefined;
	const outputs = runs?.at(-1)?.data?.main;
	if (!lastNodeExecuted || !runData || !runs || !outputs) return undefined;
	const lineage = new TriggerLineage(runData, triggerNode);
	const source = (previousNodeOutput: number): ISourceData => ({
		previousNode: lastNodeExecuted,
		previousNodeRun: runs.length - 1,
		previousNodeOutput,
	});
	return outputs.flatMap((items, output) =>
		(items ?? []).map((item, index) => ({ item, origins: lineage.originsOf(source(output), index) })),
	);
}

/**
 * The trigger items the error that stopped the execution traces back to: the item its context.itemIndex names in
 * the failing node's input. Empty when that cannot be told: no item index, no task of the failing node, or a node
 * with several inputs (the index does not say which).
 */
export function errorOrigins(run: IRun, triggerNode: string): number[] {
	const { error, runData, lastNodeExecuted } = run.data?.resultData ?? {};
	const itemIndex = (error?.context as IDataObject | undefined)?.itemIndex;
	const failingNode = (error as { node?: { name?: unknown } } | undefined)?.node?.name ?? lastNodeExecuted;
	if (typeof itemIndex !== 'number' || typeof failingNode !== 'string' || !runData) return [];
	const task = runData[failingNode]?.at(-1);
	const inputs = (task?.source ?? []).filter((source): source is ISourceData => !!source);
	if (!task?.error || inputs.length !== 1) return [];
	return new TriggerLineage(runData, triggerNode).originsOf(inputs[0], itemIndex);
}

function pairedItemsOf(pairedItem: IPairedItemData | IPairedItemData[] | number | undefined): IPairedItemData[] {
	if (pairedItem === undefined) return [];
	if (typeof pairedItem === 'number') return [{ item: pairedItem }];
	return Array.isArray(pairedItem) ? pairedItem : [pairedItem];
}
