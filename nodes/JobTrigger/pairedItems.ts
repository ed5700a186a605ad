import type { IDataObject, INodeExecutionData, IPairedItemData, IRun, IRunData, ISourceData } from 'n8n-workflow';

/** An item at the end of one of the execution's branches and the trigger items (their indexes) it traces back to. */
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
		const key = `${outputKey(source)}|${item}`;
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

/**
 * The items at the ends of the execution's branches, each with the trigger items it traces back to: every main
 * output of a node run that fed no other node. In a straight workflow that is the last node's output; in one that
 * branches (a Switch per job type) each branch's last output, an unconnected error or false output too. In the
 * order the nodes ran; undefined without run data (queue mode).
 */
export function tracedEndItems(run: IRun, triggerNode: string): TracedItem[] | undefined {
	const runData = run.data?.resultData?.runData;
	if (!runData || !Object.keys(runData).length) return undefined;
	const fed = new Set<string>();
	for (const tasks of Object.values(runData)) {
		for (const task of tasks) for (const source of task.source ?? []) if (source) fed.add(outputKey(source));
	}
	const lineage = new TriggerLineage(runData, triggerNode);
	const runs = Object.entries(runData)
		.flatMap(([node, tasks]) => tasks.map((task, index) => ({ node, index, task })))
		.sort((a, b) => a.task.executionIndex - b.task.executionIndex);
	return runs.flatMap(({ node, index, task }) =>
		(task.data?.main ?? []).flatMap((items, output) => {
			const source: ISourceData = { previousNode: node, previousNodeRun: index, previousNodeOutput: output };
			if (fed.has(outputKey(source))) return [];
			return (items ?? []).map((item, i) => ({ item, origins: lineage.originsOf(source, i) }));
		}),
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

/** "node|run|output": one output of one run of a node. */
function outputKey(source: ISourceData): string {
	return `${source.previousNode}|${source.previousNodeRun ?? 0}|${source.previousNodeOutput ?? 0}`;
}

function pairedItemsOf(pairedItem: IPairedItemData | IPairedItemData[] | number | undefined): IPairedItemData[] {
	if (pairedItem === undefined) return [];
	if (typeof pairedItem === 'number') return [{ item: pairedItem }];
	return Array.isArray(pairedItem) ? pairedItem : [pairedItem];
}
