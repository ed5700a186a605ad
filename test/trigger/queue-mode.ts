// What the Job Trigger gets when an execution ends in n8n's queue mode.
import { createRunExecutionData, type IRun } from 'n8n-workflow';

/** The IRun a queue-mode main instance gets for `run`: the worker's status and error as JSON, no runData. */
export function asQueueMode(run: IRun): IRun {
	const { error, lastNodeExecuted } = run.data.resultData;
	const serialised = JSON.parse(JSON.stringify(error ?? null)) ?? undefined;
	return { ...run, data: createRunExecutionData({ resultData: { runData: {}, error: serialised, lastNodeExecuted } }) };
}
