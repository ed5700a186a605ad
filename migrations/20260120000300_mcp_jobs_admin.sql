-- Admin side: inspect, cancel, retry, dead letters, stats, pause, metrics, cleanup.

-- _job_or_404: locks and returns a job, or raises PT404 naming the id.
create or replace function mcp_jobs._job_or_404(p_job_id uuid, p_field text default 'p_job_id')
returns mcp_jobs.jobs
language plpgsql volatile
set search_path = ''
as $$
declare
  v_job mcp_jobs.jobs;
begin
  if p_job_id is null then
    raise exception '% is required: pass a job id (UUID)', p_field using errcode = '22023';
  end if;
  select * into v_job from mcp_jobs.jobs j where j.id = p_job_id for update;
  if not found then
    raise exception 'job % not found: check the job id (it may have been removed by cleanup_jobs)', p_job_id
      using errcode = 'PT404';
  end if;
  return v_job;
end;
$$;

-- get_job: returns {job, runs: [...], events: [...]} for one job (events oldest first, at most p_event_limit).
create or replace function mcp_jobs.get_job(p_job_id uuid, p_event_limit integer default 200)
returns jsonb
language plpgsql stable
set search_path = ''
as $$
declare
  v_job jsonb;
begin
  if p_job_id is null then
    raise exception 'p_job_id is required: pass a job id (UUID)' using errcode = '22023';
  end if;
  select to_jsonb(j) into v_job from mcp_jobs.jobs j where j.id = p_job_id;
  if v_job is null then
    raise exception 'job % not found: check the job id (it may have been removed by cleanup_jobs)', p_job_id
      using errcode = 'PT404';
  end if;
  return jsonb_build_object(
    'job', v_job,
    'runs', coalesce((select jsonb_agg(to_jsonb(r) order by r.attempt, r.started_at)
                      from mcp_jobs.job_runs r where r.job_id = p_job_id), '[]'::jsonb),
    'events', coalesce((select jsonb_agg(to_jsonb(e) order by e.id)
                        from (select * from mcp_jobs.job_events e where e.job_id = p_job_id
                              order by e.id limit greatest(p_event_limit, 0)) e), '[]'::jsonb));
end;
$$;

-- list_jobs: filters by queue, status, source, job_type. Newest first, paged with p_before_seq (pass the last
-- row's seq); or, with p_after_seq, oldest first after that seq (a feed of new jobs). At most 1000 rows.
create or replace function mcp_jobs.list_jobs(
  p_queue text default null,
  p_status text default null,
  p_source text default null,
  p_job_type text default null,
  p_limit integer default 50,
  p_before_seq bigint default null,
  p_after_seq bigint default null
) returns setof mcp_jobs.jobs
language plpgsql stable
set search_path = ''
as $$
begin
  if p_status is not null and p_status not in ('queued', 'running', 'completed', 'failed', 'cancelled') then
    raise exception 'p_status must be one of queued, running, completed, failed, cancelled; got %', p_status
      using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'p_limit must be from 1 to 1000, got %', p_limit using errcode = '22023';
  end if;
  if p_after_seq is not null then
    return query
    select * from mcp_jobs.jobs j
    where j.seq > p_after_seq
      and (p_queue is null or j.queue = p_queue) and (p_status is null or j.status = p_status)
      and (p_source is null or j.source = p_source) and (p_job_type is null or j.job_type = p_job_type)
    order by j.seq
    limit p_limit;
  else
    return query
    select * from mcp_jobs.jobs j
    where (p_before_seq is null or j.seq < p_before_seq)
      and (p_queue is null or j.queue = p_queue) and (p_status is null or j.status = p_status)
      and (p_source is null or j.source = p_source) and (p_job_type is null or j.job_type = p_job_type)
    order by j.seq desc
    limit p_limit;
  end if;
end;
$$;

-- next_job_due_at: the earliest scheduled_at of queued jobs (p_queue null = any queue), or null when none;
-- lets a trigger sleep until the next scheduled job or retry is due.
create or replace function mcp_jobs.next_job_due_at(p_queue text default null, p_job_types text[] default null)
returns timestamptz
language sql stable
set search_path = ''
as $$
  select min(j.scheduled_at)
  from mcp_jobs.jobs j
  where j.status = 'queued'
    and (p_queue is null or j.queue = p_queue)
    and (p_job_types is null or cardinality(p_job_types) = 0 or j.job_type = any (p_job_types));
$$;

-- cancel_job: cancels a queued or running job (a running job's worker learns it at its next heartbeat or
-- complete/fail, which then fail with PT409). Raises PT409 for a job that already finished.
create or replace function mcp_jobs.cancel_job(p_job_id uuid, p_reason text default null)
returns mcp_jobs.jobs
language plpgsql volatile
set search_path = ''
as $$
declare
  v_job mcp_jobs.jobs := mcp_jobs._job_or_404(p_job_id);
begin
  if v_job.status not in ('queued', 'running') then
    raise exception 'job % is already %: only queued or running jobs can be cancelled', p_job_id, v_job.status
      using errcode = 'PT409';
  end if;
  if v_job.status = 'running' then
    update mcp_jobs.job_runs r
    set status = 'cancelled', finished_at = now(),
        duration_ms = (extract(epoch from (now() - r.started_at)) * 1000)::integer,
        error = coalesce(p_reason, 'cancelled')
    where r.id = v_job.run_id and r.status = 'running';
  end if;
  update mcp_jobs.jobs j
  set status = 'cancelled', finished_at = now(), lease_expires_at = null, updated_at = now(),
      error = coalesce(p_reason, j.error)
  where j.id = p_job_id
  returning * into v_job;
  insert into mcp_jobs.job_events (job_id, run_id, event_type, message)
  values (p_job_id, v_job.run_id, 'cancelled', coalesce(p_reason, 'cancelled'));
  return v_job;
end;
$$;

-- retry_job: makes a failed, cancelled or waiting (queued) job due now. p_reset_attempts (default true) gives a
-- finished job its full retries again. Resolves its open dead letters. Raises PT409 for running or completed jobs.
create or replace function mcp_jobs.retry_job(p_job_id uuid, p_reset_attempts boolean default true)
returns mcp_jobs.jobs
language plpgsql volatile
set search_path = ''
as $$
declare
  v_job mcp_jobs.jobs := mcp_jobs._job_or_404(p_job_id);
begin
  if v_job.status not in ('failed', 'cancelled', 'queued') then
    raise exception 'job % is %: only failed, cancelled or queued jobs can be retried', p_job_id, v_job.status
      using errcode = 'PT409';
  end if;
  update mcp_jobs.jobs j
  set status = 'queued', scheduled_at = now(), finished_at = null, worker_id = null, lease_expires_at = null,
      attempts = case when p_reset_attempts and j.status <> 'queued' then 0 else j.attempts end,
      updated_at = now()
  where j.id = p_job_id
  returning * into v_job;
  update mcp_jobs.dead_letter_queue d
  set resolved = true, resolved_at = now(), resolved_by = coalesce(d.resolved_by, 'retry_job'),
      resolution_notes = coalesce(d.resolution_notes, 'job retried'), requeued_job_id = p_job_id
  where d.job_id = p_job_id and not d.resolved;
  insert into mcp_jobs.job_events (job_id, event_type, message) values (p_job_id, 'requeued', 'retried');
  perform mcp_jobs._wake(v_job.id, v_job.queue, v_job.job_type, v_job.priority, 1);
  return v_job;
end;
$$;

-- _unresolved_dead_letter: locks and returns an unresolved dead letter; PT404 if unknown, PT409 if resolved.
create or replace function mcp_jobs._unresolved_dead_letter(p_dead_letter_id uuid)
returns mcp_jobs.dead_letter_queue
language plpgsql volatile
set search_path = ''
as $$
declare
  v_dl mcp_jobs.dead_letter_queue;
begin
  if p_dead_letter_id is null then
    raise exception 'p_dead_letter_id is required: pass the id of a dead_letter_queue row' using errcode = '22023';
  end if;
  select * into v_dl from mcp_jobs.dead_letter_queue d where d.id = p_dead_letter_id for update;
  if not found then
    raise exception 'dead letter % not found: list them with list_dead_letters()', p_dead_letter_id
      using errcode = 'PT404';
  end if;
  if v_dl.resolved then
    raise exception 'dead letter % was already resolved at % by %', p_dead_letter_id, v_dl.resolved_at,
      coalesce(v_dl.resolved_by, '?') using errcode = 'PT409';
  end if;
  return v_dl;
end;
$$;

-- requeue_dead_letter: runs a dead-lettered job again (the same job id, attempts reset; re-created from the
-- dead letter if cleanup removed it) and marks the dead letter resolved. PT409 if it was resolved already.
create or replace function mcp_jobs.requeue_dead_letter(p_dead_letter_id uuid, p_requeued_by text default null)
returns mcp_jobs.jobs
language plpgsql volatile
set search_path = ''
as $$
declare
  v_dl mcp_jobs.dead_letter_queue := mcp_jobs._unresolved_dead_letter(p_dead_letter_id);
  v_job mcp_jobs.jobs;
begin
  if exists (select 1 from mcp_jobs.jobs j where j.id = v_dl.job_id) then
    perform mcp_jobs._job_or_404(v_dl.job_id);
    update mcp_jobs.jobs j
    set status = 'queued', scheduled_at = now(), finished_at = null, worker_id = null, lease_expires_at = null,
        attempts = 0, updated_at = now()
    where j.id = v_dl.job_id and j.status in ('failed', 'cancelled')
    returning * into v_job;
    if v_job.id is null then
      raise exception 'job % of dead letter % is % again already', v_dl.job_id, p_dead_letter_id,
        (select j.status from mcp_jobs.jobs j where j.id = v_dl.job_id) using errcode = 'PT409';
    end if;
  else
    insert into mcp_jobs.jobs (id, queue, source, job_type, payload)
    values (v_dl.job_id, v_dl.queue, v_dl.source, v_dl.job_type, v_dl.payload)
    returning * into v_job;
  end if;
  update mcp_jobs.dead_letter_queue d
  set resolved = true, resolved_at = now(), resolved_by = coalesce(p_requeued_by, 'requeue_dead_letter'),
      resolution_notes = 'requeued', requeued_job_id = v_job.id
  where d.id = p_dead_letter_id;
  insert into mcp_jobs.job_events (job_id, event_type, message, data)
  values (v_job.id, 'requeued', 'requeued from the dead letter queue', jsonb_build_object('dead_letter_id', p_dead_letter_id));
  perform mcp_jobs._wake(v_job.id, v_job.queue, v_job.job_type, v_job.priority, 1);
  return v_job;
end;
$$;

-- resolve_dead_letter: marks a dead letter resolved (by whom, with notes) without running it again.
create or replace function mcp_jobs.resolve_dead_letter(
  p_dead_letter_id uuid,
  p_resolved_by text default null,
  p_resolution_notes text default null
) returns mcp_jobs.dead_letter_queue
language plpgsql volatile
set search_path = ''
as $$
declare
  v_dl mcp_jobs.dead_letter_queue := mcp_jobs._unresolved_dead_letter(p_dead_letter_id);
begin
  update mcp_jobs.dead_letter_queue d
  set resolved = true, resolved_at = now(), resolved_by = coalesce(p_resolved_by, 'admin'),
      resolution_notes = p_resolution_notes
  where d.id = p_dead_letter_id
  returning * into v_dl;
  return v_dl;
end;
$$;

-- list_dead_letters: dead letters (unresolved by default; p_resolved null = all), newest first, paged with
-- p_before_seq; with p_after_seq, oldest first after that seq (alerting on new ones). At most 1000 rows.
create or replace function mcp_jobs.list_dead_letters(
  p_resolved boolean default false,
  p_queue text default null,
  p_source text default null,
  p_job_type text default null,
  p_limit integer default 50,
  p_before_seq bigint default null,
  p_after_seq bigint default null
) returns setof mcp_jobs.dead_letter_queue
language plpgsql stable
set search_path = ''
as $$
begin
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'p_limit must be from 1 to 1000, got %', p_limit using errcode = '22023';
  end if;
  return query
  select * from mcp_jobs.dead_letter_queue d
  where (p_resolved is null or d.resolved = p_resolved)
    and (p_queue is null or d.queue = p_queue) and (p_source is null or d.source = p_source)
    and (p_job_type is null or d.job_type = p_job_type)
    and (p_before_seq is null or d.seq < p_before_seq)
    and (p_after_seq is null or d.seq > p_after_seq)
  order by case when p_after_seq is null then -d.seq else d.seq end
  limit p_limit;
end;
$$;

-- set_queue_paused: pauses (claims return nothing) or resumes a queue, with a reason shown in stats.
create or replace function mcp_jobs.set_queue_paused(
  p_queue text,
  p_paused boolean default true,
  p_reason text default null
) returns mcp_jobs.queue_settings
language plpgsql volatile
set search_path = ''
as $$
declare
  v_row mcp_jobs.queue_settings;
begin
  if p_queue is null or btrim(p_queue) = '' then
    raise exception 'p_queue is required: pass the queue name, e.g. ''default''' using errcode = '22023';
  end if;
  if p_paused is null then
    raise exception 'p_paused must be true (pause) or false (resume)' using errcode = '22023';
  end if;
  insert into mcp_jobs.queue_settings as s (queue, processing_enabled, paused_reason, updated_at)
  values (p_queue, not p_paused, case when p_paused then p_reason end, now())
  on conflict (queue) do update
    set processing_enabled = excluded.processing_enabled, paused_reason = excluded.paused_reason, updated_at = now()
  returning * into v_row;
  if not p_paused then
    perform mcp_jobs._wake(null, p_queue, null, null, null);
  end if;
  return v_row;
end;
$$;

-- get_queue_stats: one row per queue (or just p_queue): jobs by status, due/scheduled split, oldest due job's age,
-- running jobs older than p_stuck_after_minutes, unresolved dead letters, and over the last p_window_hours the
-- finished counts, success rate and average/p95 run duration of completed jobs.
create or replace function mcp_jobs.get_queue_stats(
  p_queue text default null,
  p_window_hours integer default 24,
  p_stuck_after_minutes integer default 60
) returns table (
  queue text, queued bigint, due bigint, scheduled bigint, running bigint, stuck_running bigint,
  completed bigint, failed bigint, cancelled bigint, dead_letters_unresolved bigint,
  oldest_due_age_seconds double precision, completed_in_window bigint, failed_in_window bigint,
  success_rate_pct numeric, avg_duration_ms numeric, p95_duration_ms numeric,
  processing_enabled boolean, paused_reason text
)
language plpgsql stable
set search_path = ''
as $$
#variable_conflict use_column
begin
  if p_window_hours is null or p_window_hours < 1 or p_window_hours > 24 * 366 then
    raise exception 'p_window_hours must be from 1 to 8784, got %', p_window_hours using errcode = '22023';
  end if;
  if p_stuck_after_minutes is null or p_stuck_after_minutes < 1 then
    raise exception 'p_stuck_after_minutes must be at least 1, got %', p_stuck_after_minutes using errcode = '22023';
  end if;
  return query
  with queues as (
    select q from (
      select j.queue as q from mcp_jobs.jobs j group by j.queue
      union select s.queue from mcp_jobs.queue_settings s
      union select d.queue from mcp_jobs.dead_letter_queue d where not d.resolved group by d.queue
      union select p_queue where p_queue is not null
    ) all_queues
    where p_queue is null or q = p_queue
  ),
  counts as (
    select j.queue,
           count(*) filter (where j.status = 'queued') as queued,
           count(*) filter (where j.status = 'queued' and j.scheduled_at <= now()) as due,
           count(*) filter (where j.status = 'running') as running,
           count(*) filter (where j.status = 'running' and j.started_at < now() - make_interval(mins => p_stuck_after_minutes)) as stuck,
           count(*) filter (where j.status = 'completed') as completed,
           count(*) filter (where j.status = 'failed') as failed,
           count(*) filter (where j.status = 'cancelled') as cancelled,
           min(j.scheduled_at) filter (where j.status = 'queued' and j.scheduled_at <= now()) as oldest_due
    from mcp_jobs.jobs j
    where p_queue is null or j.queue = p_queue
    group by j.queue
  ),
  windowed as (
    select j.queue,
           count(*) filter (where j.status = 'completed') as completed_w,
           count(*) filter (where j.status = 'failed') as failed_w,
           avg(extract(epoch from (j.finished_at - j.started_at)) * 1000) filter (where j.status = 'completed') as avg_ms,
           percentile_cont(0.95) within group (order by extract(epoch from (j.finished_at - j.started_at)) * 1000)
             filter (where j.status = 'completed') as p95_ms
    from mcp_jobs.jobs j
    where j.finished_at > now() - make_interval(hours => p_window_hours)
      and (p_queue is null or j.queue = p_queue)
    group by j.queue
  ),
  dlq as (
    select d.queue, count(*) as unresolved
    from mcp_jobs.dead_letter_queue d
    where not d.resolved and (p_queue is null or d.queue = p_queue)
    group by d.queue
  )
  select q.q,
         coalesce(c.queued, 0), coalesce(c.due, 0), coalesce(c.queued - c.due, 0), coalesce(c.running, 0),
         coalesce(c.stuck, 0), coalesce(c.completed, 0), coalesce(c.failed, 0), coalesce(c.cancelled, 0),
         coalesce(d.unresolved, 0),
         extract(epoch from (now() - c.oldest_due))::double precision,
         coalesce(w.completed_w, 0), coalesce(w.failed_w, 0),
         round(100.0 * w.completed_w / nullif(w.completed_w + w.failed_w, 0), 2),
         round(w.avg_ms::numeric, 1), round(w.p95_ms::numeric, 1),
         coalesce(s.processing_enabled, true), s.paused_reason
  from queues q
  left join counts c on c.queue = q.q
  left join windowed w on w.queue = q.q
  left join dlq d on d.queue = q.q
  left join mcp_jobs.queue_settings s on s.queue = q.q
  order by q.q;
end;
$$;

-- aggregate_metrics: (re)computes the hourly rollups in metrics for every hour from p_since (default: the
-- previous hour) to now, from job_events and job_runs. Idempotent; returns the number of rows written.
create or replace function mcp_jobs.aggregate_metrics(p_since timestamptz default null)
returns integer
language plpgsql volatile
set search_path = ''
as $$
declare
  v_from timestamptz := date_trunc('hour', coalesce(p_since, now() - interval '1 hour'));
  v_rows integer;
begin
  with event_counts as (
    select date_trunc('hour', e.created_at) as bucket, j.queue, j.source, j.job_type,
           count(*) filter (where e.event_type = 'enqueued') as enqueued,
           count(*) filter (where e.event_type = 'completed') as completed,
           count(*) filter (where e.event_type in ('failed', 'lease_expired')) as failed,
           count(*) filter (where e.event_type = 'dead_lettered') as dead_lettered
    from mcp_jobs.job_events e
    join mcp_jobs.jobs j on j.id = e.job_id
    where e.created_at >= v_from
      and e.event_type in ('enqueued', 'completed', 'failed', 'lease_expired', 'dead_lettered')
    group by 1, 2, 3, 4
  ),
  durations as (
    select date_trunc('hour', r.finished_at) as bucket, j.queue, j.source, j.job_type,
           avg(r.duration_ms) as avg_ms,
           percentile_cont(0.95) within group (order by r.duration_ms) as p95_ms
    from mcp_jobs.job_runs r
    join mcp_jobs.jobs j on j.id = r.job_id
    where r.finished_at >= v_from and r.status = 'completed'
    group by 1, 2, 3, 4
  ),
  merged as (
    select coalesce(c.bucket, d.bucket) as bucket, coalesce(c.queue, d.queue) as queue,
           coalesce(c.source, d.source) as source, coalesce(c.job_type, d.job_type) as job_type,
           coalesce(c.enqueued, 0) as enqueued, coalesce(c.completed, 0) as completed,
           coalesce(c.failed, 0) as failed, coalesce(c.dead_lettered, 0) as dead_lettered,
           round(d.avg_ms::numeric, 1) as avg_ms, round(d.p95_ms::numeric, 1) as p95_ms
    from event_counts c
    full join durations d using (bucket, queue, source, job_type)
  )
  insert into mcp_jobs.metrics as m (bucket, queue, source, job_type, enqueued, completed, failed, dead_lettered,
                                     avg_duration_ms, p95_duration_ms, updated_at)
  select bucket, queue, source, job_type, enqueued, completed, failed, dead_lettered, avg_ms, p95_ms, now()
  from merged
  on conflict (bucket, queue, source, job_type) do update
    set enqueued = excluded.enqueued, completed = excluded.completed, failed = excluded.failed,
        dead_lettered = excluded.dead_lettered, avg_duration_ms = excluded.avg_duration_ms,
        p95_duration_ms = excluded.p95_duration_ms, updated_at = now();
  get diagnostics v_rows = row_count;
  return v_rows;
end;
$$;

-- cleanup_jobs: deletes completed/failed/cancelled jobs that finished more than p_older_than_days ago (their runs
-- and events go with them; dead letters stay), resolved dead letters resolved before then, and metrics older than
-- p_keep_metrics_days. At most p_limit jobs per call; call again while jobs_deleted = p_limit.
create or replace function mcp_jobs.cleanup_jobs(
  p_older_than_days integer default 30,
  p_limit integer default 10000,
  p_keep_metrics_days integer default 90
) returns table (jobs_deleted bigint, dead_letters_deleted bigint, metrics_deleted bigint)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_cutoff timestamptz;
begin
  if p_older_than_days is null or p_older_than_days < 0 then
    raise exception 'p_older_than_days must be 0 or more, got %', p_older_than_days using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 then
    raise exception 'p_limit must be at least 1, got %', p_limit using errcode = '22023';
  end if;
  v_cutoff := now() - make_interval(days => p_older_than_days);
  return query
  with old_jobs as (
    select j.id from mcp_jobs.jobs j
    where j.status in ('completed', 'failed', 'cancelled') and j.finished_at < v_cutoff
    order by j.finished_at
    limit p_limit
    for update skip locked
  ),
  deleted_jobs as (
    delete from mcp_jobs.jobs j using old_jobs o where j.id = o.id returning 1
  ),
  deleted_dl as (
    delete from mcp_jobs.dead_letter_queue d where d.resolved and d.resolved_at < v_cutoff returning 1
  ),
  deleted_metrics as (
    delete from mcp_jobs.metrics m
    where p_keep_metrics_days is not null and m.bucket < now() - make_interval(days => p_keep_metrics_days)
    returning 1
  )
  select (select count(*) from deleted_jobs), (select count(*) from deleted_dl), (select count(*) from deleted_metrics);
end;
$$;

-- Lock the new functions down (see _secure_functions in the schema file).
do $$ begin perform mcp_jobs._secure_functions(); end $$;
