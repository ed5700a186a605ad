import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';
import { getJobsClient } from '../../shared/credentials';

export async function searchJobs(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const { client } = await getJobsClient(this);
	const jobs = await client.call('list_jobs', { p_limit: 100 });
	return {
		results: jobs
			.filter((j) => matches([j.id, j.job_type, j.source, j.status, j.queue], filter))
			.map((j) => ({ name: `${j.job_type} · ${j.status} · ${j.source} · ${j.id.slice(0, 8)}`, value: j.id })),
	};
}

export async function searchDeadLetters(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
	const { client } = await getJobsClient(this);
	const rows = await client.call('list_dead_letters', { p_limit: 100 });
	return {
		results: rows
			.filter((d) => matches([d.id, d.job_type, d.source, d.queue], filter))
			.map((d) => ({ name: `${d.job_type} · ${String(d.final_error ?? '').slice(0, 60)}`, value: d.id })),
	};
}

/** Whether any of the row's values contains the search text (case-insensitive). */
function matches(values: unknown[], filter?: string): boolean {
	if (!filter) return true;
	const needle = filter.toLowerCase();
	return values.some((v) => String(v ?? '').toLowerCase().includes(needle));
}
