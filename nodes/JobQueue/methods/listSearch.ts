import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';
import { getJobsClient } from '../../shared/credentials';

export async function searchJobs(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const { client } = await getJobsClient(this);
	const jobs = await client.call<IDataObject[]>('list_jobs', { p_limit: 100 });
	return { results: jobs.filter((j) => matches(j, filter)).map((j) => ({ name: label(j), value: String(j.id) })) };
}

export async function searchDeadLetters(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const { client } = await getJobsClient(this);
	const rows = await client.call<IDataObject[]>('list_dead_letters', { p_limit: 100 });
	return {
		results: rows
			.filter((d) => matches(d, filter))
			.map((d) => ({ name: `${d.job_type} · ${String(d.final_error ?? '').slice(0, 60)}`, value: String(d.id) })),
	};
}

function matches(row: IDataObject, filter?: string): boolean {
	if (!filter) return true;
	const needle = filter.toLowerCase();
	return [row.id, row.job_type, row.source, row.status, row.queue].some((v) => String(v ?? '').toLowerCase().includes(needle));
}

function label(job: IDataObject): string {
	return `${job.job_type} · ${job.status} · ${job.source} · ${String(job.id).slice(0, 8)}`;
}
