import type { IDataObject, INodeExecutionData, IRun } from 'n8n-workflow';
import type { JobRow } from '../shared/transport/rows';
import { failureOf, outcomeOf, type Outcome, type OutcomeOptions } from './outcome';
import { errorOrigins, tracedEndItems } from './pairedItems';
import { jobResult, outputResult } from './result';

/** How an execution's end concerns one of its jobs: an Outcome, or back to the queue as if never claimed. */
export type JobOutcome = Outcome | { kind: 'release' };

export interface JobOutcomeOptions extends OutcomeOptions {
	jobsPerExecution: number;
}

/** What the execution reported when it ended: its IRun, or the rejection of its donePromise. */
export interface ExecutionEnd {
	run?: IRun;
	rejection?: unknown;
}

/** A job whose execution failed on another job: it did not fail itself. */
const RELEASE: JobOutcome = { kind: 'release' };

/**
 * One outcome per job of an execution (`jobs`: its trigger items' rows, in item order; one with Jobs per Execution
 * 1), found through n8n's item linking (pairedItems.ts):
 * - success: each job completes with the items at the ends of the workflow's branches (as a rule the last node's
 *   output; tracedEndItems) that trace back to its trigger item, unless one of them is an error item (errorOf):
 *   then it fails with that error. An error item that traces back to no trigger item fails every job; other such
 *   items are left out;
 * - a thrown error whose item index traces back to trigger items: their jobs fail, the others are released;
 * - otherwise (an untraceable error, or no run data as in queue mode): every job gets the execution's outcome.
 */
export function jobOutcomes(end: ExecutionEnd, jobs: JobRow[], triggerNode: string, options: JobOutcomeOptions): JobOutcome[] {
	const { run, rejection } = end;
	const whole = outcomeOf(run, rejection, options);
	const all = (outcome: JobOutcome) => jobs.map(() => outcome);
	if (!run || rejection !== undefined || whole.kind === 'unknown') return all(whole);
	if (whole.kind === 'success') return perItem(run, jobs, triggerNode, options) ?? all(whole);
	const failed = new Set(errorOrigins(run, triggerNode).filter((origin) => origin < jobs.length));
	if (!failed.size) return all(whole);
	return jobs.map((_, index) => (failed.has(index) ? whole : RELEASE));
}

/** The outcomes of a successful execution, job by job; undefined without run data (queue mode). */
function perItem(run: IRun, jobs: JobRow[], triggerNode: string, options: JobOutcomeOptions): JobOutcome[] | undefined {
	const traced = tracedEndItems(run, triggerNode);
	if (!traced) return undefined;
	const outputs = jobs.map(() => ({ items: [] as IDataObject[], errors: [] as unknown[] }));
	for (const { item, origins } of traced) {
		// one job owns every item, linked or not (a node that drops item links loses nothing)
		const owners = jobs.length === 1 ? [0] : origins.filter((origin) => origin < jobs.length);
		if (!owners.length) {
			const error = errorOf(item);
			// an error that cannot be told apart concerns every job
			if (error !== undefined) for (const output of outputs) output.errors.push(error);
			continue;
		}
		for (const owner of owners) {
			const error = errorOf(item, jobs[owner]);
			if (error === undefined) outputs[owner].items.push(item.json);
			else outputs[owner].errors.push(error);
		}
	}
	return outputs.map(({ items, errors }) => {
		if (errors.length) return failureOf(errors[0], described(errors[0]), options);
		return { kind: 'success', result: options.result === 'lastNode' ? outputResult(items) : jobResult(run, options.result) };
	});
}

/**
 * The error an output item reports, if it is an error item as n8n tells them (WorkflowExecute: `item.error`, or a
 * `json.error` that is not undefined, null or false): what a node set to On Error: Continue outputs for a failed item.
 * Not the job's row carried through (its own id and `error`: the previous attempt's error, kept on a retried job).
 */
function errorOf(item: INodeExecutionData, job?: JobRow): unknown {
	if (item.error) return item.error;
	const { json } = item;
	if (json.error === undefined || json.error === null || json.error === false) return undefined;
	if (job && json.id === job.id && json.error === job.error) return undefined;
	return json.error;
}

/** An error without a message as text: its JSON (e.g. {"code": 17}), or a plain sentence when it has none. */
function described(error: unknown): string {
	try {
		return JSON.stringify(error) ?? String(error);
	} catch {
		return 'an item of the execution reported an error';
	}
}
