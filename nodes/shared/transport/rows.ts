import type { IDataObject } from 'n8n-workflow';

// The rows the queue's SQL functions return, as JSON (to_json over pg, PostgREST over the API: the same shapes).
// Timestamps are ISO strings; bigint columns arrive as numbers. Type aliases, not interfaces, so that a row is an
// IDataObject (an n8n item's json) as it is.

/** waiting: for the jobs it depends on (depends_on); queued: claimable once scheduled_at has come. */
export type JobStatus = 'waiting' | 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** A row of mcp_jobs.jobs: claim_next_job, list_jobs, and the result of cancel/retry/requeue. */
export type JobRow = {
	id: string;
	seq: number;
	queue: string;
	source: string;
	job_type: string;
	payload: IDataObject;
	status: JobStatus;
	priority: number;
	scheduled_at: string;
	attempts: number;
	max_retries: number;
	retry_delay_seconds: number;
	idempotency_key: string | null;
	group_key: string | null;
	/** The idempotency key while this job holds it (a dedupe mode other than forever hands it over). */
	dedupe_key: string | null;
	snoozes: number;
	max_snoozes: number;
	worker_id: string | null;
	run_id: string | null;
	lease_expires_at: string | null;
	progress: number | null;
	result: IDataObject | null;
	error: string | null;
	created_at: string;
	updated_at: string;
	started_at: string | null;
	finished_at: string | null;
};

/** A run (attempt) of a job: a row of mcp_jobs.job_runs once it ended, the job row's run while it runs. */
export type RunRow = {
	id: string;
	job_id: string;
	attempt: number;
	worker_id: string | null;
	status: 'running' | 'completed' | 'failed' | 'lease_expired' | 'cancelled' | 'snoozed';
	started_at: string;
	finished_at: string | null;
	duration_ms: number | null;
	error: string | null;
	result: IDataObject | null;
	/** When the job runs again after this run (a failed run that is retried). */
	retry_at: string | null;
};

/** A line of a job's history (get_job): stored events have an id; derived lifecycle events (enqueued, started, …) do not. */
export type EventRow = {
	id: number | null;
	job_id: string;
	run_id: string | null;
	event_type: string;
	message: string | null;
	data: IDataObject | null;
	created_at: string;
};

/** A job another job depends on, or one that depends on it (get_job). */
export type JobLink = { job_id: string; status: JobStatus | null };

/** get_job's answer: the job with its runs, (the first event_limit) events, and the jobs it waits for / that wait for it. */
export type JobDetails = { job: JobRow; runs: RunRow[]; events: EventRow[]; dependencies: JobLink[]; dependants: JobLink[] };

/** A row of mcp_jobs.dead_letter_queue: a job that ran out of retries. */
export type DeadLetterRow = {
	id: string;
	seq: number;
	job_id: string;
	queue: string;
	source: string;
	job_type: string;
	payload: IDataObject;
	final_error: string | null;
	attempts: number;
	created_at: string;
	resolved: boolean;
	resolved_at: string | null;
	resolved_by: string | null;
	resolution_notes: string | null;
	requeued_job_id: string | null;
	/** The job's settings, for a requeue after cleanup removed the job. */
	priority: number | null;
	max_retries: number | null;
	retry_delay_seconds: number | null;
	group_key: string | null;
	/** The run that failed last. */
	run_id: string | null;
};

/** The limits of a queue (set_queue_limits); null: no limit. */
export type QueueLimits = {
	max_running: number | null;
	rate_limit: number | null;
	rate_window_seconds: number | null;
	group_max_running: number | null;
	group_rate_limit: number | null;
};

/** A row of mcp_jobs.queue_settings (set_queue_paused, set_queue_limits). */
export type QueueSettingsRow = QueueLimits & {
	queue: string;
	processing_enabled: boolean;
	paused_reason: string | null;
	updated_at: string;
	/** Whether any limit is set. */
	limited: boolean;
};

/** get_queue_stats: one row per queue. */
export type QueueStatsRow = {
	queue: string;
	queued: number;
	due: number;
	scheduled: number;
	running: number;
	stuck_running: number;
	completed: number;
	failed: number;
	cancelled: number;
	dead_letters_unresolved: number;
	oldest_due_age_seconds: number | null;
	completed_in_window: number;
	failed_in_window: number;
	success_rate_pct: number | null;
	avg_duration_ms: number | null;
	p95_duration_ms: number | null;
	processing_enabled: boolean;
	paused_reason: string | null;
	/** Run starts in the current rate window (null without a rate limit). */
	started_in_window: number | null;
	/** Due jobs a claim could not start now because of a limit. */
	waiting_on_limit: number;
	/** Jobs waiting for the jobs they depend on. */
	waiting: number;
} & QueueLimits;

/** get_throughput: one row per hour, oldest first. */
export type ThroughputRow = {
	/** The hour's start. */
	bucket: string;
	/** Runs completed in the hour. */
	completed: number;
	/** Runs failed (or whose lease expired) in the hour. */
	failed: number;
	/** Jobs open (waiting, queued or running) at the end of the hour; for the current hour, now. */
	depth: number;
	/** Counted from the jobs themselves (the current hour, and hours aggregate_metrics has not covered since they ended). */
	live: boolean;
};

/** get_dead_letter_groups: unresolved dead letters of one queue with one final error. */
export type DeadLetterGroupRow = {
	queue: string;
	final_error: string | null;
	dead_letters: number;
	job_types: string[];
	newest_at: string;
	oldest_at: string;
	/** The newest 10 of the group. */
	dead_letter_ids: string[];
};

/** reap_expired_jobs: one row per job whose lease expired. */
export type ReapRow = { job_id: string; queue: string; action: string; dead_letter_id: string | null };

/** cleanup_jobs: what was deleted. */
export type CleanupRow = { jobs_deleted: number; dead_letters_deleted: number; metrics_deleted: number };

/** enqueue_jobs: one row per job spec, in order (a repeated idempotency key returns the first job, duplicate = true). */
export type EnqueueRow = {
	ordinal: number;
	id: string;
	queue: string;
	status: JobStatus;
	scheduled_at: string;
	duplicate: boolean;
	/** dedupe_mode 'replace' updated the queued job holding the key (its payload and run time). */
	replaced: boolean;
};

/**
 * One row per item of a batch call, in order: ok, or the item's SQLSTATE and message (the item changed nothing).
 * `Fields` are the function's own columns (null when ok is false, except the item's id).
 */
export type BatchRow<Fields extends object = object> = {
	ordinal: number;
	ok: boolean;
	error_code: string | null;
	error_message: string | null;
} & { [K in keyof Fields]: Fields[K] | null };

/** The admin batches (get_jobs, cancel_jobs, …): `result` is what the single-item function returns. */
export type AdminBatchRow<Result extends object> = BatchRow<{ result: Result }>;

export type CompleteRow = BatchRow<{ job_id: string; status: JobStatus; finished_at: string }>;

export type FailRow = BatchRow<{
	job_id: string;
	status: JobStatus;
	will_retry: boolean;
	next_attempt_at: string;
	attempts: number;
	dead_letter_id: string;
}>;

export type HeartbeatRow = BatchRow<{ job_id: string; lease_expires_at: string; progress: number }>;

export type LogEventRow = BatchRow<{ job_id: string; event_id: number }>;

export type ReleaseRow = BatchRow<{ job_id: string; status: JobStatus }>;

export type SnoozeRow = BatchRow<{ job_id: string; status: JobStatus; scheduled_at: string; snoozes: number }>;

/** get_job_results: one row per asked id, in order (status null: no such job). */
export type JobResultRow = {
	job_id: string;
	status: JobStatus | null;
	result: IDataObject | null;
	error: string | null;
	finished_at: string | null;
};
