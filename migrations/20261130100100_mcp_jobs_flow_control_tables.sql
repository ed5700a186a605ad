-- 0.2.0: the columns, tables and indexes behind flow control (group keys, concurrency and rate limits) and
-- behind requeueing a dead letter whose job cleanup removed.
--
-- * jobs.group_key: jobs that share a key can be limited together (e.g. one at a time per customer, in order).
-- * queue_settings gets the limits of set_queue_limits(): max_running, rate_limit per rate_window_seconds,
--   group_max_running, group_rate_limit. Null means no limit; a queue without a row has none.
-- * mcp_jobs_private.run_starts: when runs of a rate-limited queue started (only such queues write it; claims prune
--   rows older than the window), so a claim can count the starts in any window exactly.
-- * dead_letter_queue keeps the job's priority, max_retries, retry_delay_seconds and group_key, so that requeueing
--   a dead letter whose job was removed by cleanup restores them (0.1.0 restored defaults). Existing dead letters
--   are filled from their jobs where those still exist.
-- * Two partial indexes on jobs: queued jobs by (queue, group_key, priority, seq) to find each key's next job, and
--   running jobs by (queue, group_key) to count what runs per queue and per key. Building them locks writes to
--   jobs for as long as they take (seconds for a million jobs).
-- Breaking: none.

alter table mcp_jobs.jobs add column if not exists group_key text;
comment on column mcp_jobs.jobs.group_key is
  'Jobs with the same key in a queue are limited together by the queue''s group limits (set_queue_limits); null: not grouped.';

create index if not exists jobs_queued_group_idx
  on mcp_jobs.jobs (queue, group_key, priority, seq)
  where status = 'queued';
create index if not exists jobs_running_group_idx
  on mcp_jobs.jobs (queue, group_key)
  where status = 'running';

alter table mcp_jobs.queue_settings
  add column if not exists max_running integer,
  add column if not exists rate_limit integer,
  add column if not exists rate_window_seconds integer,
  add column if not exists group_max_running integer,
  add column if not exists group_rate_limit integer;
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

alter table mcp_jobs.dead_letter_queue
  add column if not exists priority integer,
  add column if not exists max_retries integer,
  add column if not exists retry_delay_seconds integer,
  add column if not exists group_key text;
update mcp_jobs.dead_letter_queue d
set priority = j.priority, max_retries = j.max_retries, retry_delay_seconds = j.retry_delay_seconds, group_key = j.group_key
from mcp_jobs.jobs j
where j.id = d.job_id and d.priority is null;

do $$ begin perform mcp_jobs_private.secure_functions(); end $$;
