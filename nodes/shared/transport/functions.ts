import type { IDataObject } from 'n8n-workflow';
import type {
	AdminBatchRow,
	CleanupRow,
	CompleteRow,
	DeadLetterGroupRow,
	DeadLetterRow,
	EnqueueRow,
	FailRow,
	HeartbeatRow,
	JobDetails,
	JobResultRow,
	JobRow,
	JobStatus,
	LogEventRow,
	QueueSettingsRow,
	QueueStatsRow,
	ReapRow,
	ReleaseRow,
	SnoozeRow,
	ThroughputRow,
} from './rows';
import type { CallSpec } from './types';

/** The schema the migrations create the queue in (its SQL, the LISTEN channel and the migrate script name it too). */
export const QUEUE_SCHEMA = 'mcp_jobs';

/**
 * One SQL function of the queue as the nodes call it: how its result comes back and which arguments are jsonb
 * (sent as JSON text over pg, so that arrays are not turned into Postgres arrays). `Args` (named arguments;
 * an omitted or undefined one takes its SQL default) and `Result` exist for the compiler only.
 */
export interface SqlFunction<Args, Result> extends CallSpec {
	/** Never set: carries the types. */
	readonly types?: { args: Args; result: Result };
}

/** A function taking a JSON array of items (its argument `items`) and returning one row per item, in order. */
export interface BatchFunction<Items extends string, Item, Row> extends SqlFunction<{ [K in Items]: Item[] }, Row[]> {
	readonly items: Items;
	/** The most items the function accepts per call (its _check_batch limit). */
	readonly maxItems: number;
}

type JsonArg<Args> = Extract<keyof Args, string>;

const rows = <Args, Row>(...json: JsonArg<Args>[]): SqlFunction<Args, Row[]> => ({ shape: 'rows', json });
const row = <Args, Row>(...json: JsonArg<Args>[]): SqlFunction<Args, Row> => ({ shape: 'row', json });
const scalar = <Args, Value>(...json: JsonArg<Args>[]): SqlFunction<Args, Value> => ({ shape: 'scalar', json });
/** batch('p_jobs', 1000).of<Item, Row>(): the argument name is inferred, the item and row types are given. */
const batch = <Items extends string>(items: Items, maxItems: number) => ({
	of: <Item, Row>(): BatchFunction<Items, Item, Row> => ({ shape: 'rows', json: [items], items, maxItems }),
});

// Items of the batch functions (see each function's comment in migrations/).
export type EnqueueItem = {
	source: string;
	job_type: string;
	payload: IDataObject;
	priority?: number;
	queue?: string;
	scheduled_at?: string;
	max_retries?: number;
	retry_delay_seconds?: number;
	idempotency_key?: string;
	group_key?: string;
	/** How idempotency_key dedupes (forever when absent); dedupe_seconds goes with 'window'. */
	dedupe_mode?: DedupeMode;
	dedupe_seconds?: number;
	/** Job ids this job waits for (status waiting until they all completed). */
	depends_on?: string[];
	max_snoozes?: number;
};
export type DedupeMode = 'forever' | 'while_active' | 'window' | 'replace';
/** A claimed run: the job and, to fence off stale workers, the run its claim started (and the worker). */
type Held = { job_id: string; run_id?: string; worker_id?: string };
export type CompleteItem = Held & { result?: IDataObject };
export type FailItem = Held & { error: string; retryable?: boolean; retry_delay_seconds?: number };
export type HeartbeatItem = Held & { lease_seconds?: number; progress?: number; message?: string };
/** Back to queued at `until` (or in `seconds`) without counting an attempt. */
export type SnoozeItem = Held & { seconds?: number; until?: string; reason?: string };
export type EventItem = { job_id: string; run_id?: string; message: string; event_type?: 'log' | 'progress'; data?: IDataObject };
export type JobRef = { job_id: string; event_limit?: number };
export type CancelItem = { job_id: string; reason?: string };
export type RetryItem = { job_id: string; reset_attempts?: boolean };
export type RequeueItem = { dead_letter_id: string; requeued_by?: string };
export type ResolveItem = { dead_letter_id: string; resolved_by?: string; resolution_notes?: string };

/** set_queue_limits: a limit left out is removed. */
export type QueueLimitArgs = {
	p_max_running?: number;
	p_rate_limit?: number;
	p_rate_window_seconds?: number;
	p_group_max_running?: number;
	p_group_rate_limit?: number;
};

type ClaimArgs = { p_worker_id: string; p_queue?: string; p_job_types?: string[]; p_limit?: number; p_lease_seconds?: number };
type Listing = {
	p_queue?: string;
	p_source?: string;
	p_job_type?: string;
	p_limit?: number;
	p_before_seq?: number;
	p_after_seq?: number;
};

/** search_jobs: p_cursor is the last row's seq (sort created) or '<priority>:<seq>' (sort priority). */
export type SearchArgs = {
	p_queue?: string;
	p_status?: JobStatus;
	p_source?: string;
	p_job_type?: string;
	p_search?: string;
	p_sort?: 'created' | 'priority';
	p_limit?: number;
	p_cursor?: string;
};

/** The SQL API the nodes call (migrations/*.sql). Add a function or a parameter here; client.call checks it. */
export const SQL_FUNCTIONS = {
	enqueue_jobs: batch('p_jobs', 10_000).of<EnqueueItem, EnqueueRow>(),
	claim_next_job: rows<ClaimArgs, JobRow>(),
	complete_jobs: batch('p_jobs', 10_000).of<CompleteItem, CompleteRow>(),
	fail_jobs: batch('p_jobs', 10_000).of<FailItem, FailRow>(),
	heartbeat_jobs: batch('p_jobs', 10_000).of<HeartbeatItem, HeartbeatRow>(),
	snooze_jobs: batch('p_jobs', 10_000).of<SnoozeItem, SnoozeRow>(),
	log_job_events: batch('p_events', 10_000).of<EventItem, LogEventRow>(),
	release_jobs: rows<{ p_job_ids: string[]; p_worker_id: string; p_run_ids?: string[] }, ReleaseRow>(),
	next_job_due_at: scalar<{ p_queue?: string; p_job_types?: string[] }, string | null>(),
	get_jobs: batch('p_jobs', 1000).of<JobRef, AdminBatchRow<JobDetails>>(),
	get_job_results: rows<{ p_job_ids: string[] }, JobResultRow>(),
	list_jobs: rows<Listing & { p_status?: JobStatus }, JobRow>(),
	search_jobs: rows<SearchArgs, JobRow>(),
	cancel_jobs: batch('p_jobs', 1000).of<CancelItem, AdminBatchRow<JobRow>>(),
	retry_jobs: batch('p_jobs', 1000).of<RetryItem, AdminBatchRow<JobRow>>(),
	list_dead_letters: rows<Listing & { p_resolved?: boolean | null }, DeadLetterRow>(),
	get_dead_letter_groups: rows<{ p_queue?: string; p_limit?: number }, DeadLetterGroupRow>(),
	requeue_dead_letters: batch('p_items', 1000).of<RequeueItem, AdminBatchRow<JobRow>>(),
	resolve_dead_letters: batch('p_items', 1000).of<ResolveItem, AdminBatchRow<DeadLetterRow>>(),
	get_queue_stats: rows<
		{ p_queue?: string; p_window_hours?: number; p_stuck_after_minutes?: number; p_duration_sample?: number },
		QueueStatsRow
	>(),
	get_throughput: rows<{ p_queue?: string; p_hours?: number }, ThroughputRow>(),
	set_queue_paused: row<{ p_queue: string; p_paused?: boolean; p_reason?: string }, QueueSettingsRow>(),
	set_queue_limits: row<{ p_queue: string } & QueueLimitArgs, QueueSettingsRow>(),
	reap_expired_jobs: rows<{ p_queue?: string; p_limit?: number }, ReapRow>(),
	aggregate_metrics: scalar<{ p_since?: string; p_until?: string }, number>(),
	cleanup_jobs: rows<{ p_older_than_days?: number; p_limit?: number; p_keep_metrics_days?: number }, CleanupRow>(),
};

type Functions = typeof SQL_FUNCTIONS;
export type SqlFunctionName = keyof Functions;
export type ArgsOf<F extends SqlFunctionName> = Functions[F] extends SqlFunction<infer Args, unknown> ? Args : never;
export type ResultOf<F extends SqlFunctionName> = Functions[F] extends SqlFunction<unknown, infer Result> ? Result : never;

/** The functions that take a batch of items; runBatch and client.callBatch accept only these. */
export type BatchFunctionName = {
	[F in SqlFunctionName]: Functions[F] extends BatchFunction<string, unknown, unknown> ? F : never;
}[SqlFunctionName];
export type ItemOf<F extends BatchFunctionName> = Functions[F] extends BatchFunction<string, infer Item, unknown> ? Item : never;
export type RowOf<F extends BatchFunctionName> = Functions[F] extends BatchFunction<string, unknown, infer Row> ? Row : never;

/**
 * `T` with no property that `Shape` lacks. TypeScript checks excess properties only where an object literal meets
 * its type directly, not in what a callback returns; runBatch and callBatch use this so that a misspelled item
 * field is an error there too.
 */
export type Exactly<Shape, T> = T & { [K in Exclude<keyof T, keyof Shape>]: never };
