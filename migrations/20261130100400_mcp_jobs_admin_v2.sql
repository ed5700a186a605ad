-- 0.2.0: the admin side, rebuilt: queue limits, stats that show them, bounded maintenance, stricter input.
--
-- What changes for callers:
-- * New: set_queue_limits(p_queue, p_max_running, p_rate_limit, p_rate_window_seconds, p_group_max_running,
--   p_group_rate_limit) sets all of a queue's limits at once (null removes one) and returns its settings row.
-- * New: get_job_results(p_job_ids) (what an aggregating job reads of the jobs it waited for); get_job shows a job's
--   dependencies and dependants; list_jobs filters by status waiting; cancel_job cancels waiting jobs and the jobs
--   waiting for a cancelled one.
-- * get_job derives the lifecycle events from the job's rows (see the tables file); the running run comes from the
--   job row.
-- * get_queue_stats (the limits, waiting jobs) is rebuilt in the dashboard file, 20261130100500.
-- * requeue_dead_letter of a job that cleanup removed restores its priority, max_retries, retry_delay_seconds and
--   group_key from the dead letter (0.1.0 used the defaults).
-- * Input: queue names are trimmed everywhere (set_queue_paused(' emails ') paused a queue named ' emails ');
--   get_job refuses p_event_limit outside 0..10000 (a negative one returned no events); cleanup_jobs refuses
--   p_older_than_days outside 0..36500 and p_keep_metrics_days outside 1..36500 (-1 and 0 deleted every metric;
--   2147483647 failed with an internal 22008); the batch forms number items from 0 like the worker batches, check
--   event_limit and reset_attempts by the one JSON rule, and refuse unknown fields.
-- * Bounded work, for Supabase's API (statement_timeout 8 s for the authenticator role): cleanup_jobs removes at
--   most p_limit (1..10000) jobs, resolved dead letters and metric rows per call (call again while a count equals
--   p_limit), and aggregate_metrics covers at most 48 hours per call (p_until, new, ends the range).
-- Breaking: aggregate_metrics (new parameter) is dropped and created again.

-- ============================================================================================================
-- Implementation
-- ============================================================================================================

-- job_or_404: locks and returns a job, or raises PT404 naming the id.
create or replace function mcp_jobs_private.job_or_404(p_job_id uuid, p_label text default 'p_job_id')
returns mcp_jobs.jobs
language plpgsql volatile
set search_path = ''
as $$
declare
  v_job mcp_jobs.jobs;
begin
  if p_job_id is null then
    raise exception '% is required: pass a job id (UUID)', p_label using errcode = '22023';
  end if;
  select * into v_job from mcp_jobs.jobs j where j.id = p_job_id for update;
  if not found then
    raise exception 'job % not found: check the job id (it may have been removed by cleanup_jobs)', p_job_id
      using errcode = 'PT404';
  end if;
  return v_job;
end;
$$;

-- unresolved_dead_letter: locks and returns an unresolved dead letter; PT404 if unknown, PT409 if resolved.
create or replace function mcp_jobs_private.unresolved_dead_letter(p_dead_letter_id uuid)
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

-- admin_each: runs p_action ('get', 'cancel', 'retry', 'requeue', 'resolve') for every item of p_items, each in its
-- own subtransaction (a failing item changes nothing and does not stop the others); items numbered from 0.
create or replace function mcp_jobs_private.admin_each(p_action text, p_items jsonb, p_name text)
returns table (ordinal integer, ok boolean, result jsonb, error_code text, error_message text)
language plpgsql volatile
set search_path = ''
as $$
declare
  v_item jsonb;
  v_label text;
  v_id uuid;
  v_id_field text := case when p_action in ('requeue', 'resolve') then 'dead_letter_id' else 'job_id' end;
  v_fields text[] := case p_action
    when 'get' then array['job_id', 'event_limit']
    when 'cancel' then array['job_id', 'reason']
    when 'retry' then array['job_id', 'reset_attempts']
    when 'requeue' then array['dead_letter_id', 'requeued_by']
    when 'resolve' then array['dead_letter_id', 'resolved_by', 'resolution_notes']
  end;
begin
  perform mcp_jobs_private.check_batch(p_items, p_name, 1000);
  for v_item, ordinal in
    select e.value, e.ordinality::integer from jsonb_array_elements(p_items) with ordinality e
  loop
    v_label := format('%s[%s].', p_name, ordinal - 1);
    begin
      perform mcp_jobs_private.check(mcp_jobs_private.item_problem(v_item, v_label, v_fields, array[v_id_field]));
      v_id := btrim(v_item ->> v_id_field)::uuid;
      case p_action
        when 'get' then
          result := mcp_jobs.get_job(v_id, coalesce((v_item ->> 'event_limit')::numeric::integer, 200));
        when 'cancel' then
          result := to_jsonb(mcp_jobs.cancel_job(v_id, v_item ->> 'reason'));
        when 'retry' then
          result := to_jsonb(mcp_jobs.retry_job(v_id, coalesce((v_item ->> 'reset_attempts')::boolean, true)));
        when 'requeue' then
          result := to_jsonb(mcp_jobs.requeue_dead_letter(v_id, v_item ->> 'requeued_by'));
        when 'resolve' then
          result := to_jsonb(mcp_jobs.resolve_dead_letter(v_id, v_item ->> 'resolved_by', v_item ->> 'resolution_notes'));
      end case;
      ok := true;
      error_code := null;
      error_message := null;
    exception when others then
      get stacked diagnostics error_code = returned_sqlstate, error_message = message_text;
      ok := false;
      result := null;
    end;
    return next;
  end loop;
end;
$$;

-- limits_now: how many more runs a queue's limits allow right now (null: no queue-wide limit), the run starts in its
-- current rate window, and how many of its jobs run. Reads without locking.
create or replace function mcp_jobs_private.limits_now(p_settings mcp_jobs.queue_settings)
returns table (room integer, started_in_window bigint, running bigint)
language plpgsql stable
set search_path = ''
as $$
begin
  running := (select count(*) from mcp_jobs.jobs j where j.status = 'running' and j.queue = p_settings.queue);
  if p_settings.rate_window_seconds is not null then
    started_in_window := (select count(*) from mcp_jobs_private.run_starts r
                          where r.queue = p_settings.queue
                            and r.started_at > now() - make_interval(secs => p_settings.rate_window_seconds));
  end if;
  room := greatest(least(p_settings.max_running - running, p_settings.rate_limit - started_in_window), 0);
  return next;
end;
$$;

-- history: a job's events, derived and stored, in order: enqueued (the job's created_at), per run started, its end
-- (completed, failed, lease_expired, snoozed) and what followed (retry_scheduled, dead_lettered), and the stored events
-- (logs, progress, cancellations, requeues). Derived events have no id. Ties sort by the order things happen in.
create or replace function mcp_jobs_private.history(p_job_id uuid)
returns table (
  id bigint, job_id uuid, run_id uuid, event_type text, message text, data jsonb, created_at timestamptz, step integer
)
language plpgsql stable
set search_path = ''
as $$
begin
  return query
  with job as (select * from mcp_jobs.jobs j where j.id = p_job_id),
  runs as (
    select r.id, r.attempt, r.worker_id, r.status, r.started_at, r.finished_at, r.error, r.retry_at
    from mcp_jobs.job_runs r where r.job_id = p_job_id
    union all
    select j.run_id, j.attempts, j.worker_id, 'running', j.started_at, null, null, null
    from job j where j.status = 'running'
  )
  select null::bigint, j.id, null::uuid, 'enqueued', null::text, null::jsonb, j.created_at, 0 from job j
  union all
  select null, p_job_id, r.id, 'started', null, jsonb_build_object('attempt', r.attempt, 'worker_id', r.worker_id),
         r.started_at, 1
  from runs r
  union all
  select e.id, e.job_id, e.run_id, e.event_type, e.message, e.data, e.created_at, 2
  from mcp_jobs.job_events e where e.job_id = p_job_id
  union all
  select null, p_job_id, r.id, case when r.status = 'completed' then 'completed' when r.status = 'lease_expired'
                                    then 'lease_expired' else 'failed' end,
         r.error, case when r.status <> 'completed' then jsonb_build_object('attempt', r.attempt) end, r.finished_at, 3
  from runs r where r.status in ('completed', 'failed', 'lease_expired')
  union all
  select null, p_job_id, r.id, 'snoozed', r.error, jsonb_build_object('until', r.retry_at), r.finished_at, 3
  from runs r where r.status = 'snoozed'
  union all
  select null, p_job_id, r.id, 'retry_scheduled', format('retry at %s', r.retry_at),
         jsonb_build_object('next_attempt_at', r.retry_at), r.finished_at, 4
  from runs r where r.status in ('failed', 'lease_expired') and r.retry_at is not null
  union all
  select null, p_job_id, d.run_id, 'dead_lettered', 'moved to the dead letter queue',
         jsonb_build_object('dead_letter_id', d.id), d.created_at, 4
  from mcp_jobs.dead_letter_queue d join job j on j.id = d.job_id
  where d.job_id = p_job_id and d.created_at >= j.created_at; -- not a dead letter of a job cleanup removed
end;
$$;

-- ============================================================================================================
-- API: jobs
-- ============================================================================================================

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
  perform mcp_jobs_private.int_arg(p_event_limit, 'p_event_limit', 0, 10000);
  select to_jsonb(j) into v_job from mcp_jobs.jobs j where j.id = p_job_id;
  if v_job is null then
    raise exception 'job % not found: check the job id (it may have been removed by cleanup_jobs)', p_job_id
      using errcode = 'PT404';
  end if;
  return jsonb_build_object(
    'job', v_job,
    'runs', coalesce((
      select jsonb_agg(r.run order by r.attempt, r.started_at)
      from (
        select to_jsonb(x) as run, x.attempt, x.started_at from mcp_jobs.job_runs x where x.job_id = p_job_id
        union all
        select jsonb_build_object('id', j.run_id, 'job_id', j.id, 'attempt', j.attempts, 'worker_id', j.worker_id,
                                  'status', 'running', 'started_at', j.started_at, 'finished_at', null,
                                  'duration_ms', null, 'error', null, 'result', null, 'retry_at', null),
               j.attempts, j.started_at
        from mcp_jobs.jobs j where j.id = p_job_id and j.status = 'running'
      ) r), '[]'::jsonb),
    'events', coalesce((
      select jsonb_agg(to_jsonb(e) - 'step' order by e.created_at, e.step, e.id)
      from (select * from mcp_jobs_private.history(p_job_id) h
            order by h.created_at, h.step, h.id limit p_event_limit) e), '[]'::jsonb),
    'dependencies', coalesce((
      select jsonb_agg(jsonb_build_object('job_id', d.depends_on, 'status', j.status) order by d.depends_on)
      from mcp_jobs.job_dependencies d left join mcp_jobs.jobs j on j.id = d.depends_on
      where d.job_id = p_job_id), '[]'::jsonb),
    'dependants', coalesce((
      select jsonb_agg(jsonb_build_object('job_id', d.job_id, 'status', j.status) order by d.job_id)
      from mcp_jobs.job_dependencies d join mcp_jobs.jobs j on j.id = d.job_id
      where d.depends_on = p_job_id), '[]'::jsonb));
end;
$$;
comment on function mcp_jobs.get_job(uuid, integer) is
  'Returns {job, runs, events, dependencies, dependants} for one job: runs by attempt (the running run too), events '
  'oldest first, at most p_event_limit (0-10000): enqueued, started, progress, log, completed, failed, snoozed, '
  'retry_scheduled, dead_lettered, lease_expired, cancelled, requeued (the lifecycle ones, derived from the job''s '
  'rows, have no id); the jobs it waits for and the jobs waiting for it, with their status. PT404 when unknown.';

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
declare
  v_queue text := mcp_jobs_private.queue_name(p_queue);
  v_source text := nullif(btrim(p_source), '');
  v_job_type text := nullif(btrim(p_job_type), '');
begin
  if p_status is not null and p_status not in ('waiting', 'queued', 'running', 'completed', 'failed', 'cancelled') then
    raise exception 'p_status must be one of waiting, queued, running, completed, failed, cancelled; got %',
      mcp_jobs_private.shown(to_jsonb(p_status)) using errcode = '22023';
  end if;
  perform mcp_jobs_private.int_arg(p_limit, 'p_limit', 1, 1000);
  if p_after_seq is not null then
    return query
    select * from mcp_jobs.jobs j
    where j.seq > p_after_seq
      and (v_queue is null or j.queue = v_queue) and (p_status is null or j.status = p_status)
      and (v_source is null or j.source = v_source) and (v_job_type is null or j.job_type = v_job_type)
    order by j.seq
    limit p_limit;
  else
    return query
    select * from mcp_jobs.jobs j
    where (p_before_seq is null or j.seq < p_before_seq)
      and (v_queue is null or j.queue = v_queue) and (p_status is null or j.status = p_status)
      and (v_source is null or j.source = v_source) and (v_job_type is null or j.job_type = v_job_type)
    order by j.seq desc
    limit p_limit;
  end if;
end;
$$;
comment on function mcp_jobs.list_jobs(text, text, text, text, integer, bigint, bigint) is
  'Jobs filtered by queue, status, source, job_type; newest first, paged with p_before_seq (pass the last row''s '
  'seq); or, with p_after_seq, oldest first after that seq (a feed of new jobs). p_limit 1-1000.';

create or replace function mcp_jobs.next_job_due_at(p_queue text default null, p_job_types text[] default null)
returns timestamptz
language plpgsql stable
set search_path = ''
as $$
declare
  v_queue text := mcp_jobs_private.queue_name(p_queue);
  v_due timestamptz;
  s mcp_jobs.queue_settings;
  v_now record;
begin
  select min(j.scheduled_at) into v_due
  from mcp_jobs.jobs j
  where j.status = 'queued'
    and (v_queue is null or j.queue = v_queue)
    and (p_job_types is null or cardinality(p_job_types) = 0 or j.job_type = any (p_job_types));
  if v_due is null or v_queue is null then
    return v_due;
  end if;
  select * into s from mcp_jobs.queue_settings q where q.queue = v_queue;
  if not found or not s.limited then
    return v_due;
  end if;
  select * into v_now from mcp_jobs_private.limits_now(s);
  if s.rate_limit is not null and v_now.started_in_window >= s.rate_limit then
    -- the window reopens when the oldest start that fills it drops out
    v_due := greatest(v_due, (
      select r.started_at + make_interval(secs => s.rate_window_seconds)
      from mcp_jobs_private.run_starts r
      where r.queue = v_queue and r.started_at > now() - make_interval(secs => s.rate_window_seconds)
      order by r.started_at
      offset v_now.started_in_window - s.rate_limit
      limit 1));
  end if;
  if s.max_running is not null and v_now.running >= s.max_running then
    -- at the latest when a lease expires; finishing jobs wake listeners earlier
    v_due := greatest(v_due, (
      select min(j.lease_expires_at) from mcp_jobs.jobs j where j.status = 'running' and j.queue = v_queue));
  end if;
  return v_due;
end;
$$;
comment on function mcp_jobs.next_job_due_at(text, text[]) is
  'The earliest time a claim of p_queue (null = any queue) could get a job of p_job_types: the earliest scheduled_at '
  'of queued jobs, later when the queue''s rate window is full (when it reopens) or it runs max_running jobs (the '
  'earliest lease expiry; finishing a job also sends a wake-up). Null when nothing is queued.';

create or replace function mcp_jobs.cancel_job(p_job_id uuid, p_reason text default null)
returns mcp_jobs.jobs
language plpgsql volatile
set search_path = ''
as $$
declare
  v_job mcp_jobs.jobs := mcp_jobs_private.job_or_404(p_job_id);
  v_was_running boolean := v_job.status = 'running';
begin
  if v_job.status not in ('waiting', 'queued', 'running') then
    raise exception 'job % is already %: only waiting, queued or running jobs can be cancelled', p_job_id, v_job.status
      using errcode = 'PT409';
  end if;
  if v_was_running then
    insert into mcp_jobs.job_runs (id, job_id, attempt, worker_id, status, started_at, finished_at, duration_ms, error)
    values (v_job.run_id, v_job.id, v_job.attempts, v_job.worker_id, 'cancelled', v_job.started_at, clock_timestamp(),
            (extract(epoch from (clock_timestamp() - v_job.started_at)) * 1000)::integer, coalesce(p_reason, 'cancelled'));
  end if;
  update mcp_jobs.jobs j
  set status = 'cancelled', finished_at = clock_timestamp(), lease_expires_at = null, updated_at = now(),
      error = coalesce(p_reason, j.error)
  where j.id = p_job_id
  returning * into v_job;
  insert into mcp_jobs.job_events (job_id, run_id, event_type, message)
  values (p_job_id, v_job.run_id, 'cancelled', coalesce(p_reason, 'cancelled'));
  if v_was_running then
    perform mcp_jobs_private.wake_freed(array[v_job.queue]);
  end if;
  perform mcp_jobs_private.settle_dependants(array[p_job_id]);
  return v_job;
end;
$$;
comment on function mcp_jobs.cancel_job(uuid, text) is
  'Cancels a waiting, queued or running job (a running job''s worker learns it at its next heartbeat or complete/fail, '
  'which then fail with PT409); the jobs waiting for it are cancelled too. PT409 for a job that already finished; '
  'PT404 when unknown.';

create or replace function mcp_jobs.retry_job(p_job_id uuid, p_reset_attempts boolean default true)
returns mcp_jobs.jobs
language plpgsql volatile
set search_path = ''
as $$
declare
  v_job mcp_jobs.jobs := mcp_jobs_private.job_or_404(p_job_id);
begin
  if v_job.status not in ('failed', 'cancelled', 'queued') then
    raise exception 'job % is %: only failed, cancelled or queued jobs can be retried%', p_job_id, v_job.status,
      case when v_job.status = 'waiting' then ' (it waits for the jobs it depends on: see get_job)' else '' end
      using errcode = 'PT409';
  end if;
  update mcp_jobs.jobs j
  set status = 'queued', scheduled_at = now(), finished_at = null, worker_id = null, lease_expires_at = null,
      attempts = case when coalesce(p_reset_attempts, true) and j.status <> 'queued' then 0 else j.attempts end,
      updated_at = now()
  where j.id = p_job_id
  returning * into v_job;
  update mcp_jobs.dead_letter_queue d
  set resolved = true, resolved_at = now(), resolved_by = coalesce(d.resolved_by, 'retry_job'),
      resolution_notes = coalesce(d.resolution_notes, 'job retried'), requeued_job_id = p_job_id
  where d.job_id = p_job_id and not d.resolved;
  insert into mcp_jobs.job_events (job_id, event_type, message) values (p_job_id, 'requeued', 'retried');
  perform mcp_jobs_private.wake(v_job.id, v_job.queue, v_job.job_type, v_job.priority, 1);
  return v_job;
end;
$$;
comment on function mcp_jobs.retry_job(uuid, boolean) is
  'Makes a failed, cancelled or waiting (queued) job due now. p_reset_attempts (default true) gives a finished job its '
  'full retries again. Resolves its open dead letters. PT409 for running or completed jobs.';

create or replace function mcp_jobs.get_job_results(p_job_ids uuid[])
returns table (job_id uuid, status text, result jsonb, error text, finished_at timestamptz)
language plpgsql stable
set search_path = ''
as $$
begin
  if p_job_ids is null or cardinality(p_job_ids) > 10000 then
    raise exception 'p_job_ids must be an array of at most 10000 job ids (UUIDs)' using errcode = '22023';
  end if;
  return query
  select i.id, j.status, j.result, j.error, j.finished_at
  from unnest(p_job_ids) with ordinality as i (id, ord)
  left join mcp_jobs.jobs j on j.id = i.id
  order by i.ord;
end;
$$;
comment on function mcp_jobs.get_job_results(uuid[]) is
  'The status, result, error and finish time of each given job (at most 10000), one row per id in order (status null '
  'for an unknown id): e.g. for a job that aggregates the jobs it depended on.';

-- ============================================================================================================
-- API: dead letters
-- ============================================================================================================

create or replace function mcp_jobs.requeue_dead_letter(p_dead_letter_id uuid, p_requeued_by text default null)
returns mcp_jobs.jobs
language plpgsql volatile
set search_path = ''
as $$
declare
  v_dl mcp_jobs.dead_letter_queue := mcp_jobs_private.unresolved_dead_letter(p_dead_letter_id);
  v_job mcp_jobs.jobs;
begin
  if exists (select 1 from mcp_jobs.jobs j where j.id = v_dl.job_id) then
    perform mcp_jobs_private.job_or_404(v_dl.job_id);
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
    insert into mcp_jobs.jobs (id, queue, source, job_type, payload, priority, max_retries, retry_delay_seconds,
                               group_key)
    values (v_dl.job_id, v_dl.queue, v_dl.source, v_dl.job_type, v_dl.payload, coalesce(v_dl.priority, 5),
            coalesce(v_dl.max_retries, 3), coalesce(v_dl.retry_delay_seconds, 60), v_dl.group_key)
    returning * into v_job;
  end if;
  update mcp_jobs.dead_letter_queue d
  set resolved = true, resolved_at = now(), resolved_by = coalesce(p_requeued_by, 'requeue_dead_letter'),
      resolution_notes = 'requeued', requeued_job_id = v_job.id
  where d.id = p_dead_letter_id;
  insert into mcp_jobs.job_events (job_id, event_type, message, data)
  values (v_job.id, 'requeued', 'requeued from the dead letter queue', jsonb_build_object('dead_letter_id', p_dead_letter_id));
  perform mcp_jobs_private.wake(v_job.id, v_job.queue, v_job.job_type, v_job.priority, 1);
  return v_job;
end;
$$;
comment on function mcp_jobs.requeue_dead_letter(uuid, text) is
  'Runs a dead-lettered job again (the same job id, attempts reset; re-created with its queue, source, type, payload, '
  'priority, retries and group key if cleanup removed it) and marks the dead letter resolved. PT409 if it was '
  'resolved already.';

create or replace function mcp_jobs.resolve_dead_letter(
  p_dead_letter_id uuid,
  p_resolved_by text default null,
  p_resolution_notes text default null
) returns mcp_jobs.dead_letter_queue
language plpgsql volatile
set search_path = ''
as $$
declare
  v_dl mcp_jobs.dead_letter_queue := mcp_jobs_private.unresolved_dead_letter(p_dead_letter_id);
begin
  update mcp_jobs.dead_letter_queue d
  set resolved = true, resolved_at = now(), resolved_by = coalesce(p_resolved_by, 'admin'),
      resolution_notes = p_resolution_notes
  where d.id = p_dead_letter_id
  returning * into v_dl;
  return v_dl;
end;
$$;
comment on function mcp_jobs.resolve_dead_letter(uuid, text, text) is
  'Marks a dead letter resolved (by whom, with notes) without running it again. PT409 if it was resolved already.';

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
declare
  v_queue text := mcp_jobs_private.queue_name(p_queue);
  v_source text := nullif(btrim(p_source), '');
  v_job_type text := nullif(btrim(p_job_type), '');
begin
  perform mcp_jobs_private.int_arg(p_limit, 'p_limit', 1, 1000);
  return query
  select * from mcp_jobs.dead_letter_queue d
  where (p_resolved is null or d.resolved = p_resolved)
    and (v_queue is null or d.queue = v_queue) and (v_source is null or d.source = v_source)
    and (v_job_type is null or d.job_type = v_job_type)
    and (p_before_seq is null or d.seq < p_before_seq)
    and (p_after_seq is null or d.seq > p_after_seq)
  order by case when p_after_seq is null then -d.seq else d.seq end
  limit p_limit;
end;
$$;
comment on function mcp_jobs.list_dead_letters(boolean, text, text, text, integer, bigint, bigint) is
  'Dead letters (unresolved by default; p_resolved null = all), newest first, paged with p_before_seq; with '
  'p_after_seq, oldest first after that seq (alerting on new ones). p_limit 1-1000.';

-- ============================================================================================================
-- API: batch forms of the per-item admin calls (one row per item, in order; ordinal counts from 1)
-- ============================================================================================================

create or replace function mcp_jobs.get_jobs(p_jobs jsonb)
returns table (ordinal integer, ok boolean, result jsonb, error_code text, error_message text)
language plpgsql volatile
set search_path = ''
as $$
begin
  return query select * from mcp_jobs_private.admin_each('get', p_jobs, 'p_jobs');
end;
$$;
comment on function mcp_jobs.get_jobs(jsonb) is
  'get_job for a batch [{job_id, event_limit?}] (at most 1000); unknown ids get ok = false (PT404).';

create or replace function mcp_jobs.cancel_jobs(p_jobs jsonb)
returns table (ordinal integer, ok boolean, result jsonb, error_code text, error_message text)
language plpgsql volatile
set search_path = ''
as $$
begin
  return query select * from mcp_jobs_private.admin_each('cancel', p_jobs, 'p_jobs');
end;
$$;
comment on function mcp_jobs.cancel_jobs(jsonb) is
  'cancel_job for a batch [{job_id, reason?}] (at most 1000); finished jobs get ok = false (PT409).';

create or replace function mcp_jobs.retry_jobs(p_jobs jsonb)
returns table (ordinal integer, ok boolean, result jsonb, error_code text, error_message text)
language plpgsql volatile
set search_path = ''
as $$
begin
  return query select * from mcp_jobs_private.admin_each('retry', p_jobs, 'p_jobs');
end;
$$;
comment on function mcp_jobs.retry_jobs(jsonb) is
  'retry_job for a batch [{job_id, reset_attempts?}] (at most 1000); running or completed jobs get ok = false (PT409).';

create or replace function mcp_jobs.requeue_dead_letters(p_items jsonb)
returns table (ordinal integer, ok boolean, result jsonb, error_code text, error_message text)
language plpgsql volatile
set search_path = ''
as $$
begin
  return query select * from mcp_jobs_private.admin_each('requeue', p_items, 'p_items');
end;
$$;
comment on function mcp_jobs.requeue_dead_letters(jsonb) is
  'requeue_dead_letter for a batch [{dead_letter_id, requeued_by?}] (at most 1000).';

create or replace function mcp_jobs.resolve_dead_letters(p_items jsonb)
returns table (ordinal integer, ok boolean, result jsonb, error_code text, error_message text)
language plpgsql volatile
set search_path = ''
as $$
begin
  return query select * from mcp_jobs_private.admin_each('resolve', p_items, 'p_items');
end;
$$;
comment on function mcp_jobs.resolve_dead_letters(jsonb) is
  'resolve_dead_letter for a batch [{dead_letter_id, resolved_by?, resolution_notes?}] (at most 1000).';

-- ============================================================================================================
-- API: queues
-- ============================================================================================================

create or replace function mcp_jobs.set_queue_paused(
  p_queue text,
  p_paused boolean default true,
  p_reason text default null
) returns mcp_jobs.queue_settings
language plpgsql volatile
set search_path = ''
as $$
declare
  v_queue text := mcp_jobs_private.queue_name(p_queue);
  v_row mcp_jobs.queue_settings;
begin
  if v_queue is null then
    raise exception 'p_queue is required: pass the queue name, e.g. ''default''' using errcode = '22023';
  end if;
  if p_paused is null then
    raise exception 'p_paused must be true (pause) or false (resume)' using errcode = '22023';
  end if;
  insert into mcp_jobs.queue_settings as s (queue, processing_enabled, paused_reason, updated_at)
  values (v_queue, not p_paused, case when p_paused then p_reason end, now())
  on conflict (queue) do update
    set processing_enabled = excluded.processing_enabled, paused_reason = excluded.paused_reason, updated_at = now()
  returning * into v_row;
  if not p_paused then
    perform mcp_jobs_private.wake(null, v_queue, null, null, null);
  end if;
  return v_row;
end;
$$;
comment on function mcp_jobs.set_queue_paused(text, boolean, text) is
  'Pauses (claims return nothing) or resumes a queue, with a reason shown in get_queue_stats. Returns its settings row.';

create or replace function mcp_jobs.set_queue_limits(
  p_queue text,
  p_max_running integer default null,
  p_rate_limit integer default null,
  p_rate_window_seconds integer default null,
  p_group_max_running integer default null,
  p_group_rate_limit integer default null
) returns mcp_jobs.queue_settings
language plpgsql volatile
set search_path = ''
as $$
declare
  v_queue text := mcp_jobs_private.queue_name(p_queue);
  v_row mcp_jobs.queue_settings;
begin
  if v_queue is null then
    raise exception 'p_queue is required: pass the queue name, e.g. ''default''' using errcode = '22023';
  end if;
  perform mcp_jobs_private.int_arg(p_max_running, 'p_max_running', 1, 100000, true);
  perform mcp_jobs_private.int_arg(p_rate_limit, 'p_rate_limit', 1, 1000000, true);
  perform mcp_jobs_private.int_arg(p_rate_window_seconds, 'p_rate_window_seconds', 1, 86400, true);
  perform mcp_jobs_private.int_arg(p_group_max_running, 'p_group_max_running', 1, 100000, true);
  perform mcp_jobs_private.int_arg(p_group_rate_limit, 'p_group_rate_limit', 1, 1000000, true);
  if (p_rate_limit is not null or p_group_rate_limit is not null) and p_rate_window_seconds is null then
    raise exception 'p_rate_window_seconds is required with a rate limit: pass the window''s length in seconds, '
      'e.g. 60 for "per minute"' using errcode = '22023';
  end if;
  if p_rate_window_seconds is not null and p_rate_limit is null and p_group_rate_limit is null then
    raise exception 'p_rate_window_seconds is set without a rate limit: pass p_rate_limit or p_group_rate_limit too, '
      'or leave the window out' using errcode = '22023';
  end if;
  insert into mcp_jobs.queue_settings as s (
    queue, max_running, rate_limit, rate_window_seconds, group_max_running, group_rate_limit, updated_at)
  values (v_queue, p_max_running, p_rate_limit, p_rate_window_seconds, p_group_max_running, p_group_rate_limit, now())
  on conflict (queue) do update
    set max_running = excluded.max_running, rate_limit = excluded.rate_limit,
        rate_window_seconds = excluded.rate_window_seconds, group_max_running = excluded.group_max_running,
        group_rate_limit = excluded.group_rate_limit, updated_at = now()
  returning * into v_row;
  -- limits may have been raised or removed: claims that found the queue full can look again
  perform mcp_jobs_private.wake(null, v_queue, null, null, null);
  return v_row;
end;
$$;
comment on function mcp_jobs.set_queue_limits(text, integer, integer, integer, integer, integer) is
  'Sets all limits of a queue at once (a limit left null is removed) and returns its settings row. p_max_running: '
  'at most this many running jobs of the queue, across all workers. p_rate_limit per p_rate_window_seconds: at most '
  'this many run starts in any window of that length. p_group_max_running: at most this many running jobs per '
  'group_key (1 = one at a time per key, in priority then enqueue order). p_group_rate_limit: the rate limit per '
  'group_key (same window). Jobs without a group_key are not grouped. A lease that expires frees its slot.';

-- ============================================================================================================
-- API: maintenance
-- ============================================================================================================

drop function if exists mcp_jobs.aggregate_metrics(timestamptz);
create or replace function mcp_jobs.aggregate_metrics(p_since timestamptz default null, p_until timestamptz default null)
returns integer
language plpgsql volatile
set search_path = ''
as $$
declare
  v_until timestamptz := coalesce(p_until, now());
  v_from timestamptz := date_trunc('hour', coalesce(p_since, now() - interval '1 hour'));
  v_rows integer;
begin
  perform mcp_jobs_private.check(coalesce(
    mcp_jobs_private.time_problem(p_since, 'p_since'), mcp_jobs_private.time_problem(p_until, 'p_until')));
  if v_until - v_from > interval '48 hours' then
    raise exception 'aggregate_metrics covers at most 48 hours per call (p_since % to p_until %): call it once per '
      'day or two of history, e.g. p_since => ''2026-01-01'', p_until => ''2026-01-03''', v_from, v_until using errcode = '22023';
  end if;
  with counts as (
    select date_trunc('hour', j.created_at) as bucket, j.queue, j.source, j.job_type,
           count(*) as enqueued, 0::bigint as completed, 0::bigint as failed, 0::bigint as dead_lettered
    from mcp_jobs.jobs j
    where j.created_at >= v_from and j.created_at < v_until
    group by 1, 2, 3, 4
    union all
    select date_trunc('hour', r.finished_at), j.queue, j.source, j.job_type,
           0, count(*) filter (where r.status = 'completed'), count(*) filter (where r.status in ('failed', 'lease_expired')), 0
    from mcp_jobs.job_runs r
    join mcp_jobs.jobs j on j.id = r.job_id
    where r.finished_at >= v_from and r.finished_at < v_until and r.status in ('completed', 'failed', 'lease_expired')
    group by 1, 2, 3, 4
    union all
    select date_trunc('hour', d.created_at), d.queue, d.source, d.job_type, 0, 0, 0, count(*)
    from mcp_jobs.dead_letter_queue d
    where d.created_at >= v_from and d.created_at < v_until
    group by 1, 2, 3, 4
  ),
  event_counts as (
    select c.bucket, c.queue, c.source, c.job_type, sum(c.enqueued) as enqueued, sum(c.completed) as completed,
           sum(c.failed) as failed, sum(c.dead_lettered) as dead_lettered
    from counts c
    group by 1, 2, 3, 4
  ),
  durations as (
    select date_trunc('hour', r.finished_at) as bucket, j.queue, j.source, j.job_type,
           avg(r.duration_ms) as avg_ms,
           percentile_cont(0.95) within group (order by r.duration_ms) as p95_ms
    from mcp_jobs.job_runs r
    join mcp_jobs.jobs j on j.id = r.job_id
    where r.finished_at >= v_from and r.finished_at < v_until and r.status = 'completed'
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
comment on function mcp_jobs.aggregate_metrics(timestamptz, timestamptz) is
  '(Re)computes the hourly rollups in metrics for every hour from p_since (default: the previous hour) to p_until '
  '(default now), at most 48 hours per call, from the jobs, runs and dead letters. Idempotent; returns the rows written.';

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
  perform mcp_jobs_private.int_arg(p_older_than_days, 'p_older_than_days', 0, 36500);
  perform mcp_jobs_private.int_arg(p_limit, 'p_limit', 1, 10000);
  perform mcp_jobs_private.int_arg(p_keep_metrics_days, 'p_keep_metrics_days', 1, 36500, true);
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
  old_dead_letters as (
    select d.id from mcp_jobs.dead_letter_queue d
    where d.resolved and d.resolved_at < v_cutoff
    limit p_limit
    for update skip locked
  ),
  deleted_dl as (
    delete from mcp_jobs.dead_letter_queue d using old_dead_letters o where d.id = o.id returning 1
  ),
  old_metrics as (
    select m.bucket, m.queue, m.source, m.job_type from mcp_jobs.metrics m
    where p_keep_metrics_days is not null and m.bucket < now() - make_interval(days => p_keep_metrics_days)
    limit p_limit
    for update skip locked
  ),
  deleted_metrics as (
    delete from mcp_jobs.metrics m using old_metrics o
    where (m.bucket, m.queue, m.source, m.job_type) = (o.bucket, o.queue, o.source, o.job_type)
    returning 1
  )
  select (select count(*) from deleted_jobs), (select count(*) from deleted_dl), (select count(*) from deleted_metrics);
end;
$$;
comment on function mcp_jobs.cleanup_jobs(integer, integer, integer) is
  'Deletes completed/failed/cancelled jobs that finished more than p_older_than_days (0-36500) ago (their runs and '
  'events go with them; dead letters stay), resolved dead letters resolved before then, and metrics older than '
  'p_keep_metrics_days (1-36500; null keeps them). At most p_limit (1-10000) of each per call: call again while a '
  'count equals p_limit.';

do $$ begin perform mcp_jobs_private.secure_functions(); end $$;
