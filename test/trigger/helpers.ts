// Helpers for the Job Trigger tests: enqueue/inspect through SQL, wait for conditions, credentials.
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import type { Pool } from 'pg';
import { ClaimRunner } from '../../nodes/JobTrigger/claimRunner';
import { NotifyFeed } from '../../nodes/JobTrigger/notifyFeed';
import { JobsClient } from '../../nodes/shared/client';
import { closeAllPools } from '../../nodes/shared/transport/postgresTransport';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { fakeRun, type StartedTrigger } from '../support/n8n/run-workflow';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The credential of the LISTEN path: a Postgres connection string (also used for LISTEN). */
export function postgresCredentials(url: string): Record<string, ICredentialDataDecryptedObject> {
	return { supabaseJobsApi: { connection: 'postgres', connectionString: url, ssl: 'disable' } };
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

/** A job's runs as get_job shows them (ended runs' rows, and the running run from the job row), by attempt. */
export async function runsOf(pool: Pool, jobId: string): Promise<any[]> {
	const { rows } = await pool.query(`select mcp_jobs.get_job($1, 0) -> 'runs' as runs`, [jobId]);
	return rows[0].runs;
}

/** A job's history as get_job shows it (stored and derived events), oldest first. */
export async function historyOf(pool: Pool, jobId: string): Promise<Array<{ event_type: string; message: string | null }>> {
	const { rows } = await pool.query(`select mcp_jobs.get_job($1, 10000) -> 'events' as events`, [jobId]);
	return rows[0].events;
}

export type BatchCall = { fn: string; items: any[]; rows: any[] };

/** The batch calls the nodes make (complete_jobs, heartbeat_jobs, …) with what the database answered, until restore(). */
export function watchBatchCalls(): { answered: BatchCall[]; restore(): void } {
	const original = JobsClient.prototype.callBatch;
	const answered: BatchCall[] = [];
	const spy = jest.spyOn(JobsClient.prototype, 'callBatch').mockImplementation(async function (this: JobsClient, ...args: unknown[]) {
		const rows = await original.apply(this, args as never);
		answered.push({ fn: String(args[0]), items: args[1] as any[], rows: rows as any[] });
		return rows;
	} as never);
	return { answered, restore: () => spy.mockRestore() };
}

/** The complete_jobs / fail_jobs calls among `calls`. */
export const finishCalls = (calls: BatchCall[]) => calls.filter((c) => c.fn === 'complete_jobs' || c.fn === 'fail_jobs');

/** The first heartbeat_jobs call among `calls` whose answer for `jobId` was a refusal (for waitFor). */
export const refusedHeartbeat = (calls: BatchCall[], jobId: string) =>
	calls.find((c) => c.fn === 'heartbeat_jobs' && c.rows.some((r) => r.job_id === jobId && r.ok === false));

/**
 * Counts the Job Trigger's finished cycles (a claim, or a read of new jobs, on a wake-up or poll tick) until
 * restore(): "two more cycles ran" is what a check that nothing more happens waits for.
 */
export function watchCycles(): { count(): number; restore(): void } {
	let finished = 0;
	const spies = [ClaimRunner.prototype, NotifyFeed.prototype].map((proto) => {
		const original = proto.cycle;
		return jest.spyOn(proto, 'cycle').mockImplementation(async function (this: unknown) {
			try {
				return await original.apply(this as never);
			} finally {
				finished++;
			}
		});
	});
	return { count: () => finished, restore: () => spies.forEach((s) => s.mockRestore()) };
}

/** Everything n8n's logger is given (any level, by any trigger of this test file) until restore(). */
export function watchLog(trigger: StartedTrigger): { lines: string[]; restore(): void } {
	const lines: string[] = [];
	const logger = trigger.context.logger;
	const spies = (['error', 'warn', 'info', 'debug'] as const).map((level) =>
		jest.spyOn(logger, level).mockImplementation(((message: string) => void lines.push(message)) as never),
	);
	return { lines, restore: () => spies.forEach((s) => s.mockRestore()) };
}

/** The pids of the Job Trigger's LISTEN backends in this database, or undefined while there is none (for waitFor). */
export async function listenBackends(pool: Pool): Promise<number[] | undefined> {
	const { rows } = await pool.query(
		`select pid from pg_stat_activity where datname = current_database() and query ilike 'listen%'
		   and application_name = 'n8n-nodes-supabase-jobs-trigger'`,
	);
	return rows.length ? rows.map((r) => r.pid) : undefined;
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

/**
 * For a test file: a fresh database (dropped after, with the nodes' pools), and `started`, where tests put
 * the triggers they start: after each test their executions end, they are deactivated, and the watch…() spies end.
 */
export function useTriggerDatabase(): { db: TestDatabase; started: StartedTrigger[] } {
	const ctx = { started: [] } as unknown as { db: TestDatabase; started: StartedTrigger[] };
	beforeAll(async () => {
		ctx.db = await createTestDatabase();
	});
	afterAll(async () => {
		await closeAllPools();
		await ctx.db.drop();
	});
	afterEach(async () => {
		// end the executions a test left running (settling a settled deferred is a no-op), then deactivate
		const triggers = ctx.started.splice(0);
		for (const t of triggers) for (const e of t.emitted) e.donePromise?.resolve(fakeRun('success'));
		await Promise.all(triggers.map((t) => t.close()));
		jest.restoreAllMocks(); // the watch…() spies of the test
	});
	return ctx;
}
