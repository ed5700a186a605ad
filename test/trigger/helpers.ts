// Helpers for the Job Trigger tests: enqueue/inspect through SQL, wait for conditions, credentials.
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import type { Pool } from 'pg';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The credential of the LISTEN path: a Postgres connection string (also used for LISTEN). */
export function postgresCredentials(url: string): Record<string, ICredentialDataDecryptedObject> {
	return { supabaseJobsApi: { connection: 'postgres', connectionString: url, ssl: 'disable', schema: 'mcp_jobs' } };
}

export interface JobSpec {
	source?: string;
	job_type?: string;
	payload?: Record<string, unknown>;
	priority?: number;
	scheduled_at?: string;
	max_retries?: number;
	queue?: string;
}

/** enqueue_jobs in one statement (one NOTIFY per queue); returns the ids in order. */
export async function enqueue(pool: Pool, queue: string, specs: JobSpec[]): Promise<string[]> {
	const jobs = specs.map((s) => ({ source: 'test', job_type: 'work', queue, ...s }));
	const { rows } = await pool.query(`select id from mcp_jobs.enqueue_jobs($1::jsonb) order by ordinal`, [
		JSON.stringify(jobs),
	]);
	return rows.map((r) => r.id as string);
}

export async function enqueueN(pool: Pool, queue: string, n: number, spec: JobSpec = {}): Promise<string[]> {
	return enqueue(pool, queue, Array.from({ length: n }, (_, i) => ({ payload: { i }, ...spec })));
}

export async function jobsOf(pool: Pool, queue: string): Promise<any[]> {
	const { rows } = await pool.query(`select * from mcp_jobs.jobs where queue = $1 order by seq`, [queue]);
	return rows;
}

export async function runsOf(pool: Pool, jobId: string): Promise<any[]> {
	const { rows } = await pool.query(`select * from mcp_jobs.job_runs where job_id = $1 order by attempt`, [jobId]);
	return rows;
}

/** Polls `probe` until it returns a truthy value; fails after timeoutMs with the last value. */
export async function waitFor<T>(probe: () => Promise<T> | T, what: string, timeoutMs = 5000): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	let last: T;
	for (;;) {
		last = await probe();
		if (last) return last as NonNullable<T>;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
		await sleep(25);
	}
}

/** Milliseconds since `start` (performance.now()), rounded to 0.1 ms. */
export const since = (start: number) => Math.round((performance.now() - start) * 10) / 10;
