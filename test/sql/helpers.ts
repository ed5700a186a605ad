// Small shared helpers for the SQL tests (test/sql/*.test.ts).
import { execFileSync } from 'node:child_process';
import { Client, Pool, PoolClient, QueryResultRow } from 'pg';
import { createTestDatabase, TestDatabase } from '../support/database';

export type Queryable = Pool | PoolClient | Client;

/**
 * createTestDatabase, with an 'error' listener on the pool: drop() does not wait for the pool's clients to finish
 * closing, and its `drop database ... with (force)` can terminate one of them (57P01); without a listener that
 * error is unhandled and fails the whole test file.
 */
export async function openTestDatabase(): Promise<TestDatabase> {
	const db = await createTestDatabase();
	db.pool.on('error', () => undefined);
	return db;
}

/** A job (or dead letter) id that does not exist. */
export const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/** Runs a query and returns its rows. */
export async function rows<T extends QueryResultRow = any>(db: Queryable, sql: string, params: unknown[] = []): Promise<T[]> {
	return (await db.query<T>(sql, params)).rows;
}

/** Runs a query and returns its first row. */
export async function one<T extends QueryResultRow = any>(db: Queryable, sql: string, params: unknown[] = []): Promise<T> {
	const r = await rows<T>(db, sql, params);
	if (r.length === 0) throw new Error(`query returned no rows: ${sql}`);
	return r[0];
}

/** Every table of the queue whose contents a call may change (schema_migrations is left out). */
export const QUEUE_TABLES = ['jobs', 'job_runs', 'job_events', 'dead_letter_queue', 'metrics', 'queue_settings'] as const;

/** Empties every queue table (between tests in one file). */
export async function resetQueue(db: Queryable): Promise<void> {
	await db.query(`truncate ${QUEUE_TABLES.map((t) => `mcp_jobs.${t}`).join(', ')} restart identity cascade`);
}

/** Row count and an md5 of the full contents of every queue table. */
export async function snapshotTables(db: Queryable): Promise<Record<string, { count: number; md5: string }>> {
	const out: Record<string, { count: number; md5: string }> = {};
	for (const t of QUEUE_TABLES) {
		const r = await one(db, `select count(*)::int as count,
		                               md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as md5
		                        from mcp_jobs.${t} x`);
		out[t] = { count: r.count, md5: r.md5 };
	}
	return out;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function pgError(promise: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
	try {
		await promise;
	} catch (error: any) {
		return error;
	}
	throw new Error('expected the call to fail, but it succeeded');
}

/** Asserts that the call fails with SQLSTATE `code` and a message matching `message`. */
export async function expectPgError(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
	const error = await pgError(promise);
	expect({ code: error.code, message: error.message }).toEqual({
		code,
		message: message ? expect.stringMatching(message) : expect.any(String),
	});
}

export interface EnqueueOptions {
	source?: string;
	jobType?: string;
	payload?: unknown;
	priority?: number;
	scheduledAt?: string | Date | null;
	maxRetries?: number;
	queue?: string;
	idempotencyKey?: string | null;
	retryDelaySeconds?: number;
}

/** enqueue_job with named arguments; returns the job id. */
export async function enqueue(db: Queryable, o: EnqueueOptions = {}): Promise<string> {
	const r = await one(
		db,
		`select mcp_jobs.enqueue_job(
		   p_source => $1, p_job_type => $2, p_payload => $3::jsonb, p_priority => $4, p_scheduled_at => $5,
		   p_max_retries => $6, p_queue => $7, p_idempotency_key => $8, p_retry_delay_seconds => $9) as id`,
		[
			o.source ?? 'test',
			o.jobType ?? 'work',
			JSON.stringify(o.payload ?? {}),
			o.priority ?? 5,
			o.scheduledAt ?? null,
			o.maxRetries ?? 3,
			o.queue ?? 'default',
			o.idempotencyKey ?? null,
			o.retryDelaySeconds ?? 60,
		],
	);
	return r.id;
}

/** enqueue_jobs: returns its rows. */
export async function enqueueBatch(db: Queryable, specs: unknown[]): Promise<any[]> {
	return rows(db, `select * from mcp_jobs.enqueue_jobs($1::jsonb)`, [JSON.stringify(specs)]);
}

export interface ClaimOptions {
	queue?: string | null;
	jobTypes?: string[] | null;
	limit?: number;
	leaseSeconds?: number;
}

/** claim_next_job: returns the claimed job rows. */
export async function claim(db: Queryable, workerId: string, o: ClaimOptions = {}): Promise<any[]> {
	return rows(
		db,
		`select * from mcp_jobs.claim_next_job(p_worker_id => $1, p_queue => $2, p_job_types => $3, p_limit => $4,
		                                       p_lease_seconds => $5)`,
		[workerId, o.queue ?? null, o.jobTypes ?? null, o.limit ?? 1, o.leaseSeconds ?? 300],
	);
}

/** Claims exactly one job (fails the test otherwise) and returns it. */
export async function claimOne(db: Queryable, workerId: string, o: ClaimOptions = {}): Promise<any> {
	const r = await claim(db, workerId, { ...o, limit: 1 });
	expect(r).toHaveLength(1);
	return r[0];
}

/** The job row. */
export async function job(db: Queryable, id: string): Promise<any> {
	return one(db, `select * from mcp_jobs.jobs where id = $1`, [id]);
}

/** Event types of a job's history as get_job shows it (stored and derived), oldest first. */
export async function eventTypes(db: Queryable, id: string): Promise<string[]> {
	return (await history(db, id)).map((e) => e.event_type);
}

/** A job's events as get_job returns them (stored and derived), oldest first. */
export async function history(db: Queryable, id: string): Promise<any[]> {
	return (await one(db, `select mcp_jobs.get_job($1, 10000) -> 'events' as events`, [id])).events;
}

/** A job's runs as get_job returns them (ended runs' rows, and the running run from the job row), by attempt. */
export async function runsOf(db: Queryable, id: string): Promise<any[]> {
	const runs = (await one(db, `select mcp_jobs.get_job($1, 0) -> 'runs' as runs`, [id])).runs;
	return runs.map((r: any) => ({ ...r, started_at: r.started_at && new Date(r.started_at), finished_at: r.finished_at && new Date(r.finished_at) }));
}

/** Lets a running job's lease run out now (instead of waiting for it). */
export async function expireLease(db: Queryable, id: string): Promise<void> {
	await db.query(`update mcp_jobs.jobs set lease_expires_at = now() - interval '1 second' where id = $1`, [id]);
}

/** Waits until the database's clock has reached a job's scheduled_at. */
export async function untilDue(db: Queryable, id: string): Promise<void> {
	const deadline = Date.now() + 10_000;
	while (!(await one(db, `select clock_timestamp() >= scheduled_at as due from mcp_jobs.jobs where id = $1`, [id])).due) {
		if (Date.now() > deadline) throw new Error(`job ${id} did not become due within 10 s`);
		await sleep(20);
	}
}

/** Makes a queued job due now (instead of waiting for its backoff). */
export async function makeDue(db: Queryable, id: string): Promise<void> {
	await db.query(`update mcp_jobs.jobs set scheduled_at = now() - interval '1 second' where id = $1`, [id]);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `psql` is on PATH. */
export function havePsql(): boolean {
	try {
		execFileSync('psql', ['--version'], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}

/**
 * A pg Client listening on mcp_jobs_new_job. `barrier()` sends a marker notification and waits for it: every
 * notification committed before it has then arrived (notifications are delivered in commit order).
 */
export class NotifyListener {
	readonly client: Client;
	received: any[] = [];
	private counter = 0;
	private waiters: Array<() => void> = [];

	constructor(url: string) {
		this.client = new Client({ connectionString: url });
		this.client.on('notification', (msg) => {
			if (msg.channel !== 'mcp_jobs_new_job') return;
			this.received.push(JSON.parse(msg.payload ?? 'null'));
			for (const w of this.waiters.splice(0)) w();
		});
	}

	async start(): Promise<void> {
		await this.client.connect();
		await this.client.query('listen mcp_jobs_new_job');
	}

	/** Notifications received since the last take(), without barrier markers. */
	async take(db: Queryable): Promise<any[]> {
		await this.barrier(db);
		const out = this.received.filter((n) => !(n && typeof n === 'object' && 'barrier' in n));
		this.received = [];
		return out;
	}

	private async barrier(db: Queryable): Promise<void> {
		const marker = ++this.counter;
		const arrived = () => this.received.some((n) => n && n.barrier === marker);
		await db.query(`select pg_notify('mcp_jobs_new_job', $1)`, [JSON.stringify({ barrier: marker })]);
		const deadline = Date.now() + 5000;
		while (!arrived()) {
			if (Date.now() > deadline) throw new Error('notification barrier did not arrive within 5 s');
			await new Promise<void>((resolve) => {
				this.waiters.push(resolve);
				setTimeout(resolve, 100);
			});
		}
	}

	async stop(): Promise<void> {
		await this.client.end();
	}
}

/**
 * From now on every statement `c` runs, nested ones inside functions too, sends its plan (auto_explain) to the
 * client; they are appended to `plans` (one text per statement: "duration: … plan: Query Text: …").
 */
export async function collectPlans(c: PoolClient, plans: string[]): Promise<void> {
	c.on('notice', (notice) => plans.push(notice.message ?? ''));
	await c.query(`load 'auto_explain'`);
	await c.query(`set auto_explain.log_min_duration = 0`);
	await c.query(`set auto_explain.log_nested_statements = on`);
	await c.query(`set client_min_messages = log`);
}
