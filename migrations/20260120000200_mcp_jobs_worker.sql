-- Worker side: claim, lease expiry, complete, fail (backoff and dead-lettering), heartbeat, events.
-- Errors: 22023 bad argument (HTTP 400 through PostgREST), PT404 unknown job (404),
-- PT409 job not held by the caller / wrong state (409). Batch forms report per-item errors instead.

-- _raise: raises p_message with SQLSTATE p_code (lets SQL functions raise).
create or replace function mcp_jobs._raise(p_code text, p_message text, p_hint text default null)
returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_hint is null then
    raise exception using errcode = p_code, message = p_message;
  end if;
  raise exception using errcode = p_code, message = p_message, hint = p_hint;
end;
$$;

-- _check_batch: raises 22023 unless p_items is a JSON array of at most p_max elements.
create or replace function mcp_jobs._check_batch(p_items jsonb, p_name text, p_max integer default 10000)
returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_items is null or jsonb_typeof(p_items) <> 'array' then
    raise exception '% must be a JSON array of objects', p_name using errcode = '22023';
  end if;
  if jsonb_array_length(p_items) > p_max then
    raise exception '% has % items; send at most % per call', p_name, jsonb_array_length(p_items), p_max
      using errcode = '22023';
  end if;
end;
$$;

-- _whole_number_or_null: true when p_value is absent, JSON null, or a whole number from p_min to p_max.
create or replace function mcp_jobs._whole_number_or_null(p_value jsonb, p_min numeric, p_max numeric)
returns boolean
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_value is null or jsonb_typeof(p_value) = 'null' then
    return true;
  end if;
  if jsonb_typeof(p_value) <> 'number' then
    return false;
  end if;
  return p_value::numeric between p_min and p_max and p_value::numeric % 1 = 0;
end;
$$;

-- _backoff_seconds: retry delay after a failed attempt: base * 2^(attempt-1), +0-10% jitter,
-- capped at one hour (or at the base, when the base is longer).
create or replace function mcp_jobs._backoff_seconds(p_base integer, p_attempt integer)
returns double precision
language plpgsql volatile
set search_path = ''
as $$
begin
  return least(
    p_base * power(2, least(greatest(p_attempt, 1) - 1, 30)) * (1 + 0.1 * random()),
    greatest(3600, p_base)
  )::double precision;
end;
$$;

-- Lookups of a batch's jobs and runs are written `id = any (array(...))`: the planner then takes the primary key
-- for any batch size. A join with the batch instead is estimated from default row counts (100 for
-- jsonb_array_elements, 1000 for a set-returning function) and can turn into a sequential scan of jobs, which
-- keeps every finished job until cleanup_jobs: each call would then cost as much as the whole table.
--
-- The per-call bodies (_start_runs, _complete, _fail, _heartbeat) are plpgsql, not SQL functions: PostgreSQL
-- before 18 plans every statement of a SQL function on each call, while plpgsql keeps its plans per session.
-- _start_runs forces the generic plan: for `id = any (p_ids)` the planner otherwise judges the custom plan
-- cheaper each time and re-plans every claim (a quarter of a single-job claim's database time).

-- _lock_held: locks the jobs named by p_items ([{job_id, worker_id?, ...}]) and says per item whether
-- the caller holds it (running, and claimed by worker_id when one is given). Lock order is by id (no deadlocks).
create or replace function mcp_jobs._lock_held(p_items jsonb, p_single boolean)
returns table (
  ord integer, job_id uuid, item jsonb, queue text, run_id uuid, attempts integer, max_retries integer,
  retry_delay_seconds integer, started_at timestamptz, error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  with input as (
    select e.ord::integer as ord, e.item,
           case when p_single then 'p_job_id' else format('p_jobs[%s].job_id', e.ord - 1) end as field,
           case
             when jsonb_typeof(e.item) = 'object'
              and (e.item ->> 'job_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
             then (e.item ->> 'job_id')::uuid
           end as jid,
           nullif(case when jsonb_typeof(e.item) = 'object' then e.item ->> 'worker_id' end, '') as worker_id
    from jsonb_array_elements(p_items) with ordinality as e (item, ord)
  ),
  firsts as (
    select distinct on (i.jid) i.jid, i.ord from input i where i.jid is not null order by i.jid, i.ord
  ),
  locked as (
    select j.id, j.status, j.worker_id, j.queue, j.run_id, j.attempts, j.max_retries,
           j.retry_delay_seconds, j.started_at
    from mcp_jobs.jobs j
    where j.id = any (array(select f.jid from firsts f))
    order by j.id
    for update
  )
  select i.ord, i.jid, i.item, l.queue, l.run_id, l.attempts, l.max_retries, l.retry_delay_seconds, l.started_at,
    case
      when i.jid is null then '22023'
      when f.ord <> i.ord then 'PT409'
      when l.id is null then 'PT404'
      when l.status <> 'running' then 'PT409'
      when i.worker_id is not null and l.worker_id is distinct from i.worker_id then 'PT409'
    end,
    case
      when i.jid is null then
        format('%s must be a job id (UUID), got %s', i.field, coalesce((i.item -> 'job_id')::text, 'nothing'))
      when f.ord <> i.ord then
        format('job %s is listed more than once in this batch', i.jid)
      when l.id is null then
        format('job %s not found: check the job id (it may have been removed by cleanup_jobs)', i.jid)
      when l.status <> 'running' then
        format('job %s is %s, not running: only a claimed job can be finished or extended (was it cancelled, '
               'finished already, or re-queued after its lease expired?)', i.jid, l.status)
      when i.worker_id is not null and l.worker_id is distinct from i.worker_id then
        format('job %s is held by worker %s, not %s: its lease expired and another worker claimed it',
               i.jid, coalesce(l.worker_id, '(none)'), i.worker_id)
    end
  from input i
  left join firsts f on f.jid = i.jid
  left join locked l on l.id = i.jid
  order by i.ord;
end;
$$;

-- _fail_locked: finishes failed runs of jobs the caller has locked: re-queues with backoff when retries
-- remain and p_retryable, else dead-letters. p_run_status is 'failed' or 'lease_expired'.
create or replace function mcp_jobs._fail_locked(
  p_ids uuid[], p_errors text[], p_retryable boolean[], p_delays integer[], p_run_status text
) returns table (
  job_id uuid, status text, will_retry boolean, next_attempt_at timestamptz, attempts integer, dead_letter_id uuid
)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  with input as (
    select u.id, u.err, coalesce(u.retryable, true) as retryable, u.delay
    from unnest(p_ids, p_errors, p_retryable, p_delays) as u (id, err, retryable, delay)
  ),
  decided as (
    select j.id, j.run_id, j.queue, j.source, j.job_type, j.payload, j.attempts, i.err,
           (i.retryable and j.attempts <= j.max_retries) as retry,
           now() + make_interval(secs => coalesce(i.delay::double precision,
                                                  mcp_jobs._backoff_seconds(j.retry_delay_seconds, j.attempts))) as next_at
    from input i
    join mcp_jobs.jobs j on j.id = i.id
    where j.id = any (p_ids)
  ),
  dlq as (
    insert into mcp_jobs.dead_letter_queue (job_id, queue, source, job_type, payload, final_error, attempts)
    select d.id, d.queue, d.source, d.job_type, d.payload, d.err, d.attempts
    from decided d
    where not d.retry
    returning id, job_id
  ),
  updated as (
    update mcp_jobs.jobs j
    set status = case when d.retry then 'queued' else 'failed' end,
        scheduled_at = case when d.retry then d.next_at else j.scheduled_at end,
        finished_at = case when d.retry then null else now() end,
        error = d.err,
        worker_id = null,
        lease_expires_at = null,
        updated_at = now()
    from decided d
    where j.id = any (p_ids) and j.id = d.id
    returning j.id
  ),
  runs as (
    update mcp_jobs.job_runs r
    set status = p_run_status,
        finished_at = now(),
        duration_ms = (extract(epoch from (now() - r.started_at)) * 1000)::integer,
        error = d.err
    from decided d
    where r.id = any (array(select d2.run_id from decided d2)) and r.id = d.run_id and r.status = 'running'
  ),
  events as (
    insert into mcp_jobs.job_events (job_id, run_id, event_type, message, data)
    select d.id, d.run_id, case when p_run_status = 'lease_expired' then 'lease_expired' else 'failed' end,
           d.err, jsonb_build_object('attempt', d.attempts)
    from decided d
    union all
    select d.id, d.run_id, case when d.retry then 'retry_scheduled' else 'dead_lettered' end,
           case when d.retry then format('retry at %s', d.next_at) else 'moved to the dead letter queue' end,
           case when d.retry then jsonb_build_object('next_attempt_at', d.next_at)
                else jsonb_build_object('dead_letter_id', x.id) end
    from decided d
    left join dlq x on x.job_id = d.id
  )
  select d.id,
         case when d.retry then 'queued' else 'failed' end,
         d.retry,
         case when d.retry then d.next_at end,
         d.attempts,
         x.id
  from decided d
  left join dlq x on x.job_id = d.id;
end;
$$;

-- reap_expired_jobs: closes runs whose lease expired (run status lease_expired, counts as a failed attempt):
-- the job is queued again at once, or dead-lettered when out of retries. Skips rows other sessions hold.
create or replace function mcp_jobs.reap_expired_jobs(p_queue text default null, p_limit integer default 1000)
returns table (job_id uuid, queue text, action text, dead_letter_id uuid)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_ids uuid[];
  v_workers text[];
begin
  select array_agg(e.id order by e.id), array_agg(e.worker_id order by e.id) into v_ids, v_workers
  from (
    select j.id, j.worker_id
    from mcp_jobs.jobs j
    where j.status = 'running' and j.lease_expires_at < now()
      and (p_queue is null or j.queue = p_queue)
    order by j.lease_expires_at
    limit greatest(p_limit, 1)
    for update skip locked
  ) e;
  if v_ids is null then
    return;
  end if;
  return query
  select f.job_id, j.queue, case when f.will_retry then 'requeued' else 'dead_lettered' end, f.dead_letter_id
  from mcp_jobs._fail_locked(
         v_ids,
         (select array_agg(format('lease expired: worker %s stopped renewing it', coalesce(w, '?')))
          from unnest(v_workers) as w),
         null, array_fill(0, array[cardinality(v_ids)]), 'lease_expired') f
  join mcp_jobs.jobs j on j.id = f.job_id;
end;
$$;

-- claim_next_job: claims up to p_limit due jobs of unpaused queues (p_queue null = any queue), lowest priority
-- number first, then oldest scheduled_at; FOR UPDATE SKIP LOCKED, so concurrent workers never get the same job.
-- Sets running + worker + lease, opens a job_runs row, logs 'started'. Expired leases are reaped first.
create or replace function mcp_jobs.claim_next_job(
  p_worker_id text,
  p_queue text default null,
  p_job_types text[] default null,
  p_limit integer default 1,
  p_lease_seconds integer default 300
) returns setof mcp_jobs.jobs
language plpgsql volatile
set search_path = ''
as $$
begin
  if p_worker_id is null or btrim(p_worker_id) = '' then
    raise exception 'p_worker_id is required: pass a name for this worker, e.g. ''n8n-worker-1''' using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'p_limit must be from 1 to 1000, got %', p_limit using errcode = '22023';
  end if;
  if p_lease_seconds is null or p_lease_seconds < 1 or p_lease_seconds > 86400 then
    raise exception 'p_lease_seconds must be from 1 to 86400 (one day), got %', p_lease_seconds using errcode = '22023';
  end if;
  if cardinality(p_job_types) = 0 then
    p_job_types := null;
  end if;

  -- cheap when nothing expired: the partial index holds only running jobs
  if exists (select 1 from mcp_jobs.jobs j
             where j.status = 'running' and j.lease_expires_at < now()
               and (p_queue is null or j.queue = p_queue)) then
    perform mcp_jobs.reap_expired_jobs(p_queue, 1000);
  end if;

  if p_queue is not null then
    if exists (select 1 from mcp_jobs.queue_settings s where s.queue = p_queue and not s.processing_enabled) then
      return;
    end if;
    return query
    with picked as (
      select j.id
      from mcp_jobs.jobs j
      where j.status = 'queued' and j.queue = p_queue and j.scheduled_at <= now()
        and (p_job_types is null or j.job_type = any (p_job_types))
      order by j.priority, j.scheduled_at, j.seq
      limit p_limit
      for update skip locked
    )
    select * from mcp_jobs._start_runs(array(select id from picked), p_worker_id, p_lease_seconds);
  else
    return query
    with picked as (
      select j.id
      from mcp_jobs.jobs j
      where j.status = 'queued' and j.scheduled_at <= now()
        and (p_job_types is null or j.job_type = any (p_job_types))
        and not exists (select 1 from mcp_jobs.queue_settings s where s.queue = j.queue and not s.processing_enabled)
      order by j.priority, j.scheduled_at, j.seq
      limit p_limit
      for update skip locked
    )
    select * from mcp_jobs._start_runs(array(select id from picked), p_worker_id, p_lease_seconds);
  end if;
end;
$$;

-- _start_runs: marks locked queued jobs running for p_worker_id, opens their runs, logs 'started'.
create or replace function mcp_jobs._start_runs(p_ids uuid[], p_worker_id text, p_lease_seconds integer)
returns setof mcp_jobs.jobs
language plpgsql volatile
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
#variable_conflict use_column
begin
  return query
    with started as (
      update mcp_jobs.jobs j
      set status = 'running',
          worker_id = p_worker_id,
          attempts = j.attempts + 1,
          run_id = gen_random_uuid(),
          lease_expires_at = now() + make_interval(secs => p_lease_seconds),
          started_at = now(),
          progress = null,
          updated_at = now()
      where j.id = any (p_ids)
      returning j.*
    ),
    runs as (
      insert into mcp_jobs.job_runs (id, job_id, attempt, worker_id, status, started_at)
      select s.run_id, s.id, s.attempts, p_worker_id, 'running', now() from started s
    ),
    events as (
      insert into mcp_jobs.job_events (job_id, run_id, event_type, data)
      select s.id, s.run_id, 'started', jsonb_build_object('attempt', s.attempts, 'worker_id', p_worker_id)
      from started s
    )
    select * from started s order by s.priority, s.scheduled_at, s.seq;
end;
$$;

-- complete_jobs: completes a batch [{job_id, result?, worker_id?}] in one call; one row per item, in order.
-- An item the caller does not hold gets ok = false with error_code/error_message; the others still complete.
create or replace function mcp_jobs.complete_jobs(p_jobs jsonb)
returns table (
  ordinal integer, job_id uuid, ok boolean, status text, finished_at timestamptz, error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
begin
  perform mcp_jobs._check_batch(p_jobs, 'p_jobs');
  return query select * from mcp_jobs._complete(p_jobs, false);
end;
$$;

-- _complete: shared body of complete_job and complete_jobs.
create or replace function mcp_jobs._complete(p_jobs jsonb, p_single boolean)
returns table (
  ordinal integer, job_id uuid, ok boolean, status text, finished_at timestamptz, error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
    with held as materialized (
      select * from mcp_jobs._lock_held(p_jobs, p_single)
    ),
    done as (
      update mcp_jobs.jobs j
      set status = 'completed',
          result = case when h.item ? 'result' and jsonb_typeof(h.item -> 'result') <> 'null' then h.item -> 'result' end,
          progress = 100,
          error = null,
          lease_expires_at = null,
          finished_at = now(),
          updated_at = now()
      from held h
      where j.id = any (array(select h2.job_id from held h2 where h2.error_code is null))
        and h.error_code is null and j.id = h.job_id
      returning j.id, j.run_id, j.result
    ),
    runs as (
      update mcp_jobs.job_runs r
      set status = 'completed',
          finished_at = now(),
          duration_ms = (extract(epoch from (now() - r.started_at)) * 1000)::integer,
          result = d.result
      from done d
      where r.id = any (array(select d2.run_id from done d2)) and r.id = d.run_id
    ),
    events as (
      insert into mcp_jobs.job_events (job_id, run_id, event_type)
      select d.id, d.run_id, 'completed' from done d
    )
    select h.ord, h.job_id, h.error_code is null,
           case when h.error_code is null then 'completed' end,
           case when h.error_code is null then now() end,
           h.error_code, h.error_message
    from held h
    order by h.ord;
end;
$$;

-- complete_job: marks a running job completed with p_result; raises PT404/PT409 if the caller does not hold it.
create or replace function mcp_jobs.complete_job(
  p_job_id uuid,
  p_result jsonb default null,
  p_worker_id text default null
) returns mcp_jobs.jobs
language plpgsql volatile
set search_path = ''
as $$
declare
  r record;
  v_job mcp_jobs.jobs;
begin
  if p_job_id is null then
    raise exception 'p_job_id is required: pass the id of the job to complete' using errcode = '22023';
  end if;
  select * into r from mcp_jobs._complete(
    jsonb_build_array(jsonb_build_object('job_id', p_job_id, 'result', p_result, 'worker_id', p_worker_id)), true);
  if not r.ok then
    perform mcp_jobs._raise(r.error_code, r.error_message);
  end if;
  select * into v_job from mcp_jobs.jobs j where j.id = p_job_id;
  return v_job;
end;
$$;

-- _fail: shared body of fail_job and fail_jobs; items [{job_id, error, worker_id?, retryable?, retry_delay_seconds?}].
create or replace function mcp_jobs._fail(p_jobs jsonb, p_single boolean)
returns table (
  ordinal integer, job_id uuid, ok boolean, status text, will_retry boolean, next_attempt_at timestamptz,
  attempts integer, dead_letter_id uuid, error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
    with held as materialized (
      select h.*,
             case when p_single then 'p_' else format('p_jobs[%s].', h.ord - 1) end as prefix,
             h.item -> 'retryable' as retryable_raw,
             h.item -> 'retry_delay_seconds' as delay_raw
      from mcp_jobs._lock_held(p_jobs, p_single) h
    ),
    checked as materialized (
      select h.ord, h.job_id, h.prefix,
             case
               when h.error_code is not null then h.error_code
               when jsonb_typeof(h.retryable_raw) not in ('boolean', 'null') then '22023'
               when not mcp_jobs._whole_number_or_null(h.delay_raw, 0, 2592000) then '22023'
             end as code,
             case
               when h.error_code is not null then h.error_message
               when jsonb_typeof(h.retryable_raw) not in ('boolean', 'null') then
                 format('%sretryable must be true or false, got %s', h.prefix, h.retryable_raw)
               else format('%sretry_delay_seconds must be a whole number of seconds from 0 to 2592000, got %s',
                           h.prefix, h.delay_raw)
             end as message,
             case jsonb_typeof(h.item -> 'error')
               when 'string' then nullif(h.item ->> 'error', '')
               when 'object' then coalesce(h.item -> 'error' ->> 'message', (h.item -> 'error')::text)
               when 'null' then null
               else (h.item -> 'error')::text
             end as err,
             case when jsonb_typeof(h.retryable_raw) = 'boolean' then (h.retryable_raw)::boolean end as retryable,
             case when jsonb_typeof(h.delay_raw) = 'number' then (h.delay_raw)::numeric end as delay
      from held h
    ),
    failed as materialized (
      select f.*
      from mcp_jobs._fail_locked(
        array(select c.job_id from checked c where c.code is null order by c.ord),
        array(select coalesce(c.err, 'job failed (no error message given)') from checked c where c.code is null order by c.ord),
        array(select c.retryable from checked c where c.code is null order by c.ord),
        array(select c.delay::integer from checked c where c.code is null order by c.ord),
        'failed') f
    )
    select c.ord, c.job_id, c.code is null, f.status, f.will_retry, f.next_attempt_at, f.attempts, f.dead_letter_id,
           c.code, case when c.code is not null then c.message end
    from checked c
    left join failed f on c.code is null and f.job_id = c.job_id
    order by c.ord;
end;
$$;

-- fail_jobs: fails a batch [{job_id, error, worker_id?, retryable?, retry_delay_seconds?}] in one call; one row per
-- item, in order. Items the caller does not hold get ok = false; the others are retried or dead-lettered.
create or replace function mcp_jobs.fail_jobs(p_jobs jsonb)
returns table (
  ordinal integer, job_id uuid, ok boolean, status text, will_retry boolean, next_attempt_at timestamptz,
  attempts integer, dead_letter_id uuid, error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
as $$
begin
  perform mcp_jobs._check_batch(p_jobs, 'p_jobs');
  return query select * from mcp_jobs._fail(p_jobs, false);
end;
$$;

-- fail_job: records a failed run. Retries with exponential backoff (retry_delay_seconds * 2^(attempt-1), jitter,
-- capped) while attempts <= max_retries and p_retryable; else moves the job to the dead letter queue.
-- p_retry_delay_seconds overrides the backoff for this retry. Raises PT404/PT409 if the caller does not hold it.
create or replace function mcp_jobs.fail_job(
  p_job_id uuid,
  p_error text,
  p_worker_id text default null,
  p_retryable boolean default true,
  p_retry_delay_seconds integer default null,
  out job_id uuid,
  out status text,
  out will_retry boolean,
  out next_attempt_at timestamptz,
  out attempts integer,
  out dead_letter_id uuid
)
language plpgsql volatile
set search_path = ''
as $$
declare
  r record;
begin
  if p_job_id is null then
    raise exception 'p_job_id is required: pass the id of the job that failed' using errcode = '22023';
  end if;
  select * into r from mcp_jobs._fail(
    jsonb_build_array(jsonb_build_object(
      'job_id', p_job_id, 'error', p_error, 'worker_id', p_worker_id, 'retryable', p_retryable,
      'retry_delay_seconds', p_retry_delay_seconds)), true);
  if not r.ok then
    perform mcp_jobs._raise(r.error_code, r.error_message);
  end if;
  job_id := r.job_id;
  status := r.status;
  will_retry := r.will_retry;
  next_attempt_at := r.next_attempt_at;
  attempts := r.attempts;
  dead_letter_id := r.dead_letter_id;
end;
$$;

-- _heartbeat: shared body of heartbeat_job and heartbeat_jobs; items [{job_id, worker_id?, lease_seconds?,
-- progress?, message?}]. Extends held leases to now() + lease_seconds (default 300); logs 'progress' events.
create or replace function mcp_jobs._heartbeat(p_jobs jsonb, p_single boolean)
returns table (
  ordinal integer, job_id uuid, ok boolean, lease_expires_at timestamptz, progress integer,
  error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
    with held as materialized (
      select h.*,
             case when p_single then 'p_' else format('p_jobs[%s].', h.ord - 1) end as prefix,
             h.item -> 'lease_seconds' as lease_raw,
             h.item -> 'progress' as progress_raw
      from mcp_jobs._lock_held(p_jobs, p_single) h
    ),
    checked as materialized (
      select h.ord, h.job_id, h.run_id,
             case
               when h.error_code is not null then h.error_code
               when not mcp_jobs._whole_number_or_null(h.lease_raw, 1, 86400) then '22023'
               when not mcp_jobs._whole_number_or_null(h.progress_raw, 0, 100) then '22023'
             end as code,
             case
               when h.error_code is not null then h.error_message
               when not mcp_jobs._whole_number_or_null(h.lease_raw, 1, 86400) then
                 format('%slease_seconds must be a whole number from 1 to 86400, got %s', h.prefix, h.lease_raw)
               else format('%sprogress must be a whole number from 0 to 100 (percent), got %s', h.prefix, h.progress_raw)
             end as message,
             case when jsonb_typeof(h.lease_raw) = 'number' then (h.lease_raw)::numeric::integer else 300 end as lease,
             case when jsonb_typeof(h.progress_raw) = 'number' then (h.progress_raw)::numeric::integer end as progress,
             nullif(h.item ->> 'message', '') as msg
      from held h
    ),
    extended as (
      update mcp_jobs.jobs j
      set lease_expires_at = now() + make_interval(secs => c.lease),
          progress = coalesce(c.progress, j.progress),
          updated_at = now()
      from checked c
      where j.id = any (array(select c2.job_id from checked c2 where c2.code is null))
        and c.code is null and j.id = c.job_id
      returning j.id, j.lease_expires_at, j.progress
    ),
    events as (
      insert into mcp_jobs.job_events (job_id, run_id, event_type, message, data)
      select c.job_id, c.run_id, 'progress', c.msg,
             case when c.progress is not null then jsonb_build_object('progress', c.progress) end
      from checked c
      where c.code is null and (c.progress is not null or c.msg is not null)
    )
    select c.ord, c.job_id, c.code is null, e.lease_expires_at, e.progress, c.code,
           case when c.code is not null then c.message end
    from checked c
    left join extended e on e.id = c.job_id and c.code is null
    order by c.ord;
end;
$$;

-- heartbeat_jobs: extends the leases of a batch of held jobs in one call (and records progress); one row per item.
-- ok = false (error_code PT409) tells a worker it lost the job, e.g. because it was cancelled.
create or replace function mcp_jobs.heartbeat_jobs(p_jobs jsonb)
returns table (
  ordinal integer, job_id uuid, ok boolean, lease_expires_at timestamptz, progress integer,
  error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
as $$
begin
  perform mcp_jobs._check_batch(p_jobs, 'p_jobs');
  return query select * from mcp_jobs._heartbeat(p_jobs, false);
end;
$$;

-- heartbeat_job: extends a held job's lease to now() + p_lease_seconds, optionally recording progress (0-100)
-- and a message. Raises PT409 when the job is no longer held (cancelled, re-claimed), so the worker can stop.
create or replace function mcp_jobs.heartbeat_job(
  p_job_id uuid,
  p_worker_id text default null,
  p_lease_seconds integer default 300,
  p_progress integer default null,
  p_message text default null,
  out job_id uuid,
  out lease_expires_at timestamptz,
  out progress integer
)
language plpgsql volatile
set search_path = ''
as $$
declare
  r record;
begin
  if p_job_id is null then
    raise exception 'p_job_id is required: pass the id of the running job' using errcode = '22023';
  end if;
  select * into r from mcp_jobs._heartbeat(
    jsonb_build_array(jsonb_build_object(
      'job_id', p_job_id, 'worker_id', p_worker_id, 'lease_seconds', p_lease_seconds, 'progress', p_progress,
      'message', p_message)), true);
  if not r.ok then
    perform mcp_jobs._raise(r.error_code, r.error_message);
  end if;
  job_id := r.job_id;
  lease_expires_at := r.lease_expires_at;
  progress := r.progress;
end;
$$;

-- log_job_events: appends a batch of events [{job_id, message, event_type? ('log' | 'progress'), data?}] to jobs in
-- any state; one row per item with the event id, or ok = false for an unknown job or bad field.
create or replace function mcp_jobs.log_job_events(p_events jsonb)
returns table (ordinal integer, job_id uuid, ok boolean, event_id bigint, error_code text, error_message text)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
begin
  perform mcp_jobs._check_batch(p_events, 'p_events');
  return query
  with input as (
    select e.ord::integer as ord, e.item,
           case
             when jsonb_typeof(e.item) = 'object'
              and (e.item ->> 'job_id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
             then (e.item ->> 'job_id')::uuid
           end as jid,
           coalesce(nullif(e.item ->> 'event_type', ''), 'log') as event_type
    from jsonb_array_elements(p_events) with ordinality as e (item, ord)
  ),
  checked as materialized (
    select i.ord, i.jid, i.item, i.event_type, j.run_id,
      case
        when i.jid is null then '22023'
        when i.event_type not in ('log', 'progress') then '22023'
        when jsonb_typeof(i.item -> 'data') not in ('object', 'array', 'null') then '22023'
        when j.id is null then 'PT404'
      end as code,
      case
        when i.jid is null then
          format('p_events[%s].job_id must be a job id (UUID), got %s', i.ord - 1, coalesce((i.item -> 'job_id')::text, 'nothing'))
        when i.event_type not in ('log', 'progress') then
          format('p_events[%s].event_type must be ''log'' or ''progress'', got %s', i.ord - 1, i.item -> 'event_type')
        when jsonb_typeof(i.item -> 'data') not in ('object', 'array', 'null') then
          format('p_events[%s].data must be a JSON object or array', i.ord - 1)
        when j.id is null then format('job %s not found: check the job id', i.jid)
      end as message
    from input i
    left join mcp_jobs.jobs j on j.id = i.jid and j.id = any (array(select i2.jid from input i2))
  ),
  inserted as (
    insert into mcp_jobs.job_events (job_id, run_id, event_type, message, data)
    select c.jid, c.run_id, c.event_type, c.item ->> 'message',
           case when jsonb_typeof(c.item -> 'data') in ('object', 'array') then c.item -> 'data' end
    from checked c
    where c.code is null
    order by c.ord
    returning id, job_id
  ),
  numbered as (
    select x.id, x.job_id, row_number() over (partition by x.job_id order by x.id) as n from inserted x
  )
  select c.ord, c.jid, c.code is null, n.id, c.code, c.message
  from (select c.*, row_number() over (partition by c.jid, (c.code is null) order by c.ord) as n
        from checked c) c
  left join numbered n on c.code is null and n.job_id = c.jid and n.n = c.n
  order by c.ord;
end;
$$;

-- log_job_event: appends a 'log' (or 'progress') event with a message and optional data to a job; returns its id.
create or replace function mcp_jobs.log_job_event(
  p_job_id uuid,
  p_message text,
  p_event_type text default 'log',
  p_data jsonb default null
) returns bigint
language plpgsql volatile
set search_path = ''
as $$
declare
  r record;
begin
  select * into r from mcp_jobs.log_job_events(jsonb_build_array(jsonb_build_object(
    'job_id', p_job_id, 'message', p_message, 'event_type', p_event_type, 'data', p_data)));
  if not r.ok then
    perform mcp_jobs._raise(r.error_code, replace(r.error_message, 'p_events[0].', 'p_'));
  end if;
  return r.event_id;
end;
$$;

-- Lock the new functions down (see _secure_functions in the schema file).
do $$ begin perform mcp_jobs._secure_functions(); end $$;
