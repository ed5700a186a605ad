import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
	type INodeExecutionData,
	type INodeListSearchResult,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { getJobsClient, testJobsCredential } from '../shared/credentials';
import { toNodeError } from '../shared/errors';
import { runBatch } from '../shared/runBatch';
import { fields, operationFields, resourceField } from './JobQueue.description';
import { batchOperations, flattenBatchRow } from './JobQueue.batch';
import { operations } from './JobQueue.operations';

export class JobQueue implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Job Queue',
		name: 'jobQueue',
		icon: { light: 'file:../../icons/supabase-jobs.svg', dark: 'file:../../icons/supabase-jobs.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description: 'Inspect and manage the job queue: jobs, dead letters, stats, pause, maintenance',
		defaults: { name: 'Job Queue' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'supabaseJobsApi', required: true, testedBy: 'supabaseJobsApiTest' }],
		properties: [resourceField, ...operationFields, ...fields],
	};

	methods = {
		credentialTest: { supabaseJobsApiTest: testJobsCredential },
		listSearch: {
			async searchJobs(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
				const { client } = await getJobsClient(this);
				const jobs = await client.call<IDataObject[]>('list_jobs', { p_limit: 100 });
				return { results: jobs.filter((j) => matches(j, filter)).map((j) => ({ name: label(j), value: String(j.id) })) };
			},
			async searchDeadLetters(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
				const { client } = await getJobsClient(this);
				const rows = await client.call<IDataObject[]>('list_dead_letters', { p_limit: 100 });
				return {
					results: rows
						.filter((d) => matches(d, filter))
						.map((d) => ({ name: `${d.job_type} · ${String(d.final_error ?? '').slice(0, 60)}`, value: String(d.id) })),
				};
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const { client } = await getJobsClient(this);
		const resource = this.getNodeParameter('resource', 0) as string;
		const operation = this.getNodeParameter('operation', 0) as string;

		const batch = batchOperations[resource]?.[operation];
		if (batch) {
			return [
				await runBatch(this, batch.fn, items, (i) => batch.item(this, i), async (prepared) => {
					const rows = await client.call<IDataObject[]>(batch.fn, { [batch.arg]: prepared });
					return rows.map(flattenBatchRow);
				}),
			];
		}

		const run = operations[resource]?.[operation];
		if (!run) throw new NodeOperationError(this.getNode(), `Unknown operation ${resource}/${operation}`);
		const out: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			try {
				const result = await run(this, client, i);
				for (const json of Array.isArray(result) ? result : [result]) out.push({ json, pairedItem: { item: i } });
			} catch (error) {
				const nodeError = error instanceof NodeOperationError ? error : toNodeError(this.getNode(), error, i);
				if (!this.continueOnFail()) throw nodeError;
				out.push({ json: { error: nodeError.message }, error: nodeError, pairedItem: { item: i } });
			}
		}
		return [out];
	}
}

function matches(row: IDataObject, filter?: string): boolean {
	if (!filter) return true;
	const needle = filter.toLowerCase();
	return [row.id, row.job_type, row.source, row.status, row.queue].some((v) => String(v ?? '').toLowerCase().includes(needle));
}

function label(job: IDataObject): string {
	return `${job.job_type} · ${job.status} · ${job.source} · ${String(job.id).slice(0, 8)}`;
}
