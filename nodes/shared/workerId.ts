import type { IExecuteFunctions, ITriggerFunctions } from 'n8n-workflow';

/** A stable worker id for this n8n instance and workflow, e.g. "n8n-1a2b3c4d-wf-42". */
export function defaultWorkerId(ctx: IExecuteFunctions | ITriggerFunctions): string {
	const instance = (ctx.getInstanceId?.() ?? 'local').slice(0, 8);
	return `n8n-${instance}-wf-${ctx.getWorkflow().id ?? 'manual'}`;
}
