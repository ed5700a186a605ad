-- 0.2.0: the tables for flow control (group keys, concurrency and rate limits), for fewer writes per job, for the job
-- lifecycle (dedupe modes, snooze, dependencies), and for requeueing a dead letter whose job cleanup removed.
--
-- Flow control:
-- * jobs.group_key: jobs that share a key can be limited together (e.g. one at a time per customer, in order).
-- * queue_settings gets the limits of set_queue_limits(): max_running, rate_limit per rate_window_seconds,
--   group_max_running, group_rate_limit (null: no limit; a queue without a row has none), and `limited`.
-- * mcp_jobs_private.run_starts: the starts of rate-limited queues within their window (only those queues write it;
--   claims prune older rows), so a claim counts the starts in any window exactly.
-- Fewer writes per job (0.1.0 wrote each job 8 times: an insert, two updates touching all 7 indexes, a run insert and
-- update, three event inserts):
-- * A run's row is written once, when the run ends; the running run is the job row itself (worker_id, run_id,
--   started_at, lease). job_runs.retry_at keeps when a failed or snoozed run's job runs again.
-- * The lifecycle events (enqueued, started, completed, failed, lease_expired, retry_scheduled, dead_lettered) are
--   derived from the job, run and dead letter rows (get_job shows them as before); job_events keeps what nothing
--   else records: logs, progress, cancellations and requeues. 0.1.0's stored lifecycle events are removed here once
--   their run rows carry what they said, and the rows of running runs are removed (the job row holds them).
-- * Dropped indexes nothing needs on the hot path: jobs (source, status) and job_events (created_at); one index of
--   running jobs (queue, lease_expires_at, group_key) serves limits and the reaper; running jobs with a group key
--   are also indexed by key, for grouped claims.
-- Job lifecycle: jobs.dedupe_key holds a job's idempotency key in the unique index (replacing 0.1.0's index on
-- idempotency_key), so that dedupe modes can hand a key over; jobs.snoozes / max_snoozes; status 'waiting' and
-- mcp_jobs.job_dependencies for jobs that wait for others; run status 'snoozed'.
-- dead_letter_queue keeps the job's priority, max_retries, retry_delay_seconds and group_key for a requeue (0.1.0
-- restored defaults); existing dead letters are filled from their jobs where those still exist.
-- Vacuum: jobs is vacuumed once 5,000 of its rows are dead (not 20 % of the table), without cost-based pauses.
-- Building the new indexes locks writes to jobs for as long as they take (seconds for a million jobs).
-- Breaking: job_runs no longer has a row for a running run, and job_events no longer holds lifecycle events: read
-- a job's history with get_job (or the job row for what runs now).

-- ------------------------------------------------------------------------------------------------------------
-- Flow control
-- ------------------------------------------------------------------------------------------------------------

alter table mcp_jobs.jobs add column if not exists group_key text;
comment on column mcp_jobs.jobs.group_key is
  'Jobs with the same key in a queue are limited together by the queue''s group limits (set_queue_limits); null: not grouped.';

create index if not exists jobs_queued_group_idx
  on mcp_jobs.jobs (queue, group_key, priority, seq)
  where status = 'queued';
-- running jobs by queue and lease end, with their group key: claims count them per queue and key, the reaper finds
-- expired leases; replaces 0.1.0's jobs_running_lease_idx (one index write per claim instead of two)
create index if not exists jobs_running_idx
  on mcp_jobs.jobs (queue, lease_expires_at) include (group_key)
  where status = 'running';
drop index if exists mcp_jobs.jobs_running_lease_idx;
-- running jobs that have a group key, by key: a grouped claim counts a key's running jobs with one probe (only jobs
-- with a group key pay for this index)
create index if not exists jobs_running_group_idx
  on mcp_jobs.jobs (queue, group_key)
  where status = 'running' and group_key is not null;

alter table mcp_jobs.queue_settings
  add column if not exists max_running integer,
  add column if not exists rate_limit integer,
  add column if not exists rate_window_seconds integer,
  add column if not exists group_max_running integer,
  add column if not exists group_rate_limit integer,
  add column if not exists limited boolean generated always as (
    max_running is not null or rate_limit is not null or group_max_running is not null or group_rate_limit is not null
  ) stored;
alter table mcp_jobs.queue_settings drop constraint if exists queue_settings_limits_check;
alter table mcp_jobs.queue_settings add constraint queue_settings_limits_check check (
  (max_running is null or max_running > 0)
  and (rate_limit is null or rate_limit > 0)
  and (group_max_running is null or group_max_running > 0)
  and (group_rate_limit is null or group_rate_limit > 0)
  and ((rate_limit is null and group_rate_limit is null) = (rate_window_seconds is null))
  and (rate_window_seconds is null or rate_window_seconds > 0)
);
comment on column mcp_jobs.queue_settings.max_running is 'At most this many running jobs of the queue, across all workers.';
comment on column mcp_jobs.queue_settings.rate_limit is 'At most this many run starts of the queue in any rate_window_seconds.';
comment on column mcp_jobs.queue_settings.group_max_running is 'At most this many running jobs per group_key.';
comment on column mcp_jobs.queue_settings.group_rate_limit is 'At most this many run starts per group_key in any rate_window_seconds.';
comment on column mcp_jobs.queue_settings.limited is 'Whether any limit is set (claims of a limited queue take its row lock).';

create table if not exists mcp_jobs_private.run_starts (
  queue       text not null,
  group_key   text,
  started_at  timestamptz not null
);
comment on table mcp_jobs_private.run_starts is
  'Run starts of rate-limited queues within their window (claims prune older rows).';
create index if not exists run_starts_queue_idx on mcp_jobs_private.run_starts (queue, started_at);
create index if not exists run_starts_group_idx on mcp_jobs_private.run_starts (queue, group_key, started_at)
  where group_key is not null;
alter table mcp_jobs_private.run_starts enable row level security;
revoke all on mcp_jobs_private.run_starts from public;

-- ------------------------------------------------------------------------------------------------------------
-- Fewer writes per job
-- ------------------------------------------------------------------------------------------------------------

alter table mcp_jobs.job_runs add column if not exists retry_at timestamptz;
comment on table mcp_jobs.job_runs is
  'One row per ended run (attempt) of a job, written when it ends; the running run is the job row (run_id, worker_id, started_at).';
comment on column mcp_jobs.job_runs.retry_at is 'When the job runs again after this run (a failed run that is retried).';
comment on table mcp_jobs.job_events is
  'What a job''s rows do not record: logs, progress, cancellations, requeues. get_job merges in the lifecycle '
  '(enqueued, started, completed, failed, retry_scheduled, dead_lettered, lease_expired), derived from the rows.';

-- 0.1.0's lifecycle events: what the rows cannot derive (retry times, the run a dead letter ended) moves to the rows,
-- then they go
update mcp_jobs.job_runs r
set retry_at = (e.data ->> 'next_attempt_at')::timestamptz
from mcp_jobs.job_events e
where e.run_id = r.id and e.event_type = 'retry_scheduled' and r.retry_at is null;

-- ------------------------------------------------------------------------------------------------------------
-- Job lifecycle: dedupe modes, snooze, dependencies
-- ------------------------------------------------------------------------------------------------------------

-- Dedupe modes: the key a job holds in the unique index is dedupe_key (its idempotency_key while it holds it). A mode
-- other than 'forever' lets a later enqueue take the key over (the holder's dedupe_key becomes null; its
-- idempotency_key stays, to show), so the index keeps concurrent enqueues of one key exactly-once in every mode.
alter table mcp_jobs.jobs add column if not exists dedupe_key text;
comment on column mcp_jobs.jobs.dedupe_key is
  'The idempotency key this job holds in its queue (unique); null once a later enqueue took the key over (dedupe modes).';
update mcp_jobs.jobs set dedupe_key = idempotency_key where idempotency_key is not null and dedupe_key is null;
create unique index if not exists jobs_dedupe_key_idx on mcp_jobs.jobs (queue, dedupe_key) where dedupe_key is not null;
drop index if exists mcp_jobs.jobs_idempotency_key_idx;

-- Snooze: back to queued without counting an attempt, at most max_snoozes times.
alter table mcp_jobs.jobs
  add column if not exists snoozes integer not null default 0,
  add column if not exists max_snoozes integer not null default 100;
comment on column mcp_jobs.jobs.snoozes is 'Times the job was snoozed (put back without counting an attempt).';
comment on column mcp_jobs.jobs.max_snoozes is 'Snoozes allowed; one more counts as a failed attempt.';

-- Dependencies: a job waits (status waiting) until every job it depends on completed.
alter table mcp_jobs.jobs drop constraint if exists jobs_status_check;
alter table mcp_jobs.jobs add constraint jobs_status_check
  check (status in ('waiting', 'queued', 'running', 'completed', 'failed', 'cancelled'));
comment on column mcp_jobs.jobs.status is
  'waiting (for the jobs it depends on), queued, running, completed, failed (dead-lettered), cancelled.';
create table if not exists mcp_jobs.job_dependencies (
  job_id      uuid not null references mcp_jobs.jobs (id) on delete cascade,
  depends_on  uuid not null,
  primary key (job_id, depends_on)
);
comment on table mcp_jobs.job_dependencies is
  'job_id waits until depends_on completed; it is cancelled if depends_on is dead-lettered or cancelled.';
create index if not exists job_dependencies_depends_on_idx on mcp_jobs.job_dependencies (depends_on);
alter table mcp_jobs.job_dependencies enable row level security;
revoke all on mcp_jobs.job_dependencies from public;

alter table mcp_jobs.job_runs drop constraint if exists job_runs_status_check;
alter table mcp_jobs.job_runs add constraint job_runs_status_check
  check (status in ('running', 'completed', 'failed', 'lease_expired', 'cancelled', 'snoozed'));
comment on column mcp_jobs.job_runs.retry_at is
  'When the job runs again after this run (a failed run that is retried, or a snoozed one).';

-- ------------------------------------------------------------------------------------------------------------
-- Dead letters keep their job's settings
-- ------------------------------------------------------------------------------------------------------------

alter table mcp_jobs.dead_letter_queue
  add column if not exists priority integer,
  add column if not exists max_retries integer,
  add column if not exists retry_delay_seconds integer,
  add column if not exists group_key text,
  add column if not exists run_id uuid;
comment on column mcp_jobs.dead_letter_queue.run_id is 'The run that failed last (its job_runs row).';
update mcp_jobs.dead_letter_queue d
set priority = j.priority, max_retries = j.max_retries, retry_delay_seconds = j.retry_delay_seconds, group_key = j.group_key
from mcp_jobs.jobs j
where j.id = d.job_id and d.priority is null;
update mcp_jobs.dead_letter_queue d
set run_id = e.run_id
from mcp_jobs.job_events e
where e.event_type = 'dead_lettered' and e.job_id = d.job_id and e.data ->> 'dead_letter_id' = d.id::text and d.run_id is null;

delete from mcp_jobs.job_events e
where e.event_type in ('enqueued', 'started', 'completed', 'failed', 'lease_expired', 'retry_scheduled', 'dead_lettered');
delete from mcp_jobs.job_runs r where r.status = 'running';

drop index if exists mcp_jobs.jobs_source_status_idx;
drop index if exists mcp_jobs.job_events_created_at_idx;

-- ------------------------------------------------------------------------------------------------------------
-- Vacuum
-- ------------------------------------------------------------------------------------------------------------

-- Every claim and every finish leaves a dead version of a job row, and the claimable index keeps pointing at claimed
-- jobs' old versions until VACUUM removes them: each claim steps over more of them. PostgreSQL's default waits until
-- 20 % of the table is dead (200,000 rows in a table of a million); these start a vacuum of jobs once 5,000 rows are
-- dead and let it run without cost-based pauses (autovacuum still only looks every autovacuum_naptime, 1 min).
alter table mcp_jobs.jobs set (
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
  autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000,
  autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0
);
-- job_runs only grows (until cleanup): vacuum it for the visibility map, without pauses.
alter table mcp_jobs.job_runs set (autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0);

do $$ begin perform mcp_jobs_private.secure_functions(); end $$;
