-- mcp_jobs: a Postgres job queue for n8n on Supabase or any PostgreSQL >= 15.
-- Tables only; functions follow in later files. Safe to apply more than once.

create schema if not exists mcp_jobs;

comment on schema mcp_jobs is
  'Job queue: enqueue, claim (FOR UPDATE SKIP LOCKED), complete, fail with backoff and dead-lettering. Call the functions, not the tables.';

-- The queue itself. One row per job; finished jobs stay until cleanup_jobs() removes them.
create table if not exists mcp_jobs.jobs (
  id                  uuid primary key default gen_random_uuid(),
  seq                 bigint generated always as identity,
  queue               text not null default 'default',
  source              text not null,
  job_type            text not null,
  payload             jsonb not null default '{}'::jsonb,
  status              text not null default 'queued',
  priority            integer not null default 5,
  scheduled_at        timestamptz not null default now(),
  attempts            integer not null default 0,
  max_retries         integer not null default 3,
  retry_delay_seconds integer not null default 60,
  idempotency_key     text,
  worker_id           text,
  run_id              uuid,
  lease_expires_at    timestamptz,
  progress            integer,
  result              jsonb,
  error               text,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  started_at          timestamptz,
  finished_at         timestamptz,
  constraint jobs_status_check check (status in ('queued', 'running', 'completed', 'failed', 'cancelled')),
  constraint jobs_priority_check check (priority >= 0),
  constraint jobs_max_retries_check check (max_retries >= 0),
  constraint jobs_retry_delay_check check (retry_delay_seconds >= 0),
  constraint jobs_progress_check check (progress between 0 and 100),
  constraint jobs_payload_object_check check (jsonb_typeof(payload) = 'object'),
  constraint jobs_queue_not_blank check (btrim(queue) <> ''),
  constraint jobs_source_not_blank check (btrim(source) <> ''),
  constraint jobs_job_type_not_blank check (btrim(job_type) <> '')
);

comment on column mcp_jobs.jobs.priority is 'Lower runs first (0 is most urgent); default 5.';
comment on column mcp_jobs.jobs.attempts is 'Runs started so far; a job runs at most 1 + max_retries times.';
comment on column mcp_jobs.jobs.scheduled_at is 'The job is claimable from this time on (also the next retry time).';
comment on column mcp_jobs.jobs.run_id is 'The job_runs row of the current (or last) run.';

-- Claim path: only claimable rows are indexed, so finished jobs piling up do not slow it down.
create index if not exists jobs_claimable_idx
  on mcp_jobs.jobs (queue, priority, scheduled_at, seq)
  where status = 'queued';
-- Lease reaper: only running rows.
create index if not exists jobs_running_lease_idx
  on mcp_jobs.jobs (lease_expires_at)
  where status = 'running';
create unique index if not exists jobs_idempotency_key_idx
  on mcp_jobs.jobs (queue, idempotency_key)
  where idempotency_key is not null;
create unique index if not exists jobs_seq_idx on mcp_jobs.jobs (seq);
create index if not exists jobs_finished_at_idx
  on mcp_jobs.jobs (finished_at)
  where finished_at is not null;
create index if not exists jobs_source_status_idx on mcp_jobs.jobs (source, status);

-- One row per run (attempt) of a job.
create table if not exists mcp_jobs.job_runs (
  id               uuid primary key default gen_random_uuid(),
  job_id           uuid not null references mcp_jobs.jobs (id) on delete cascade,
  attempt          integer not null,
  worker_id        text,
  status           text not null default 'running',
  started_at       timestamptz not null default now(),
  finished_at      timestamptz,
  duration_ms      integer,
  error            text,
  result           jsonb,
  constraint job_runs_status_check check (status in ('running', 'completed', 'failed', 'lease_expired', 'cancelled'))
);
create index if not exists job_runs_job_id_idx on mcp_jobs.job_runs (job_id);
create index if not exists job_runs_finished_at_idx on mcp_jobs.job_runs (finished_at) where finished_at is not null;

-- Audit trail: what happened to a job, in order.
create table if not exists mcp_jobs.job_events (
  id          bigint generated always as identity primary key,
  job_id      uuid not null references mcp_jobs.jobs (id) on delete cascade,
  run_id      uuid,
  event_type  text not null,
  message     text,
  data        jsonb,
  created_at  timestamptz not null default now(),
  constraint job_events_type_check check (event_type in (
    'enqueued', 'started', 'progress', 'log', 'completed', 'failed', 'retry_scheduled',
    'dead_lettered', 'cancelled', 'lease_expired', 'requeued'))
);
create index if not exists job_events_job_id_idx on mcp_jobs.job_events (job_id, id);
create index if not exists job_events_created_at_idx on mcp_jobs.job_events (created_at);

-- Jobs that exhausted their retries (or failed as not retryable). Kept after the job is cleaned up.
create table if not exists mcp_jobs.dead_letter_queue (
  id                uuid primary key default gen_random_uuid(),
  seq               bigint generated always as identity,
  job_id            uuid not null,
  queue             text not null,
  source            text not null,
  job_type          text not null,
  payload           jsonb not null,
  final_error       text,
  attempts          integer not null,
  created_at        timestamptz not null default now(),
  resolved          boolean not null default false,
  resolved_at       timestamptz,
  resolved_by       text,
  resolution_notes  text,
  requeued_job_id   uuid
);
create unique index if not exists dead_letter_queue_seq_idx on mcp_jobs.dead_letter_queue (seq);
create index if not exists dead_letter_queue_unresolved_idx
  on mcp_jobs.dead_letter_queue (queue, seq)
  where not resolved;
create index if not exists dead_letter_queue_job_id_idx on mcp_jobs.dead_letter_queue (job_id);

-- Hourly rollups written by aggregate_metrics().
create table if not exists mcp_jobs.metrics (
  bucket            timestamptz not null,
  queue             text not null,
  source            text not null,
  job_type          text not null,
  enqueued          integer not null default 0,
  completed         integer not null default 0,
  failed            integer not null default 0,
  dead_lettered     integer not null default 0,
  avg_duration_ms   numeric,
  p95_duration_ms   numeric,
  updated_at        timestamptz not null default now(),
  primary key (bucket, queue, source, job_type)
);

-- Per-queue switches (the pause switch of seed 002). No row means the queue runs.
create table if not exists mcp_jobs.queue_settings (
  queue               text primary key,
  processing_enabled  boolean not null default true,
  paused_reason       text,
  updated_at          timestamptz not null default now()
);

-- Versions applied by `npm run migrate` (the Supabase CLI keeps its own list).
create table if not exists mcp_jobs.schema_migrations (
  version     text primary key,
  name        text not null,
  applied_at  timestamptz not null default now()
);

-- RLS on, no policies: only the table owner and service_role (BYPASSRLS) see rows.
alter table mcp_jobs.jobs enable row level security;
alter table mcp_jobs.job_runs enable row level security;
alter table mcp_jobs.job_events enable row level security;
alter table mcp_jobs.dead_letter_queue enable row level security;
alter table mcp_jobs.metrics enable row level security;
alter table mcp_jobs.queue_settings enable row level security;
alter table mcp_jobs.schema_migrations enable row level security;

-- _secure_functions: takes EXECUTE on every mcp_jobs function from PUBLIC, anon and authenticated and gives it to
-- service_role (where those roles exist). Each file that defines functions ends by calling it, so a file added in a
-- later release is as locked down as the first ones even where 20260120000900 ran before it.
create or replace function mcp_jobs._secure_functions()
returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  v_role text;
begin
  revoke execute on all functions in schema mcp_jobs from public;
  foreach v_role in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_catalog.pg_roles where rolname = v_role) then
      execute format('revoke execute on all functions in schema mcp_jobs from %I', v_role);
    end if;
  end loop;
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    grant execute on all functions in schema mcp_jobs to service_role;
  end if;
end;
$$;
do $$ begin perform mcp_jobs._secure_functions(); end $$;
