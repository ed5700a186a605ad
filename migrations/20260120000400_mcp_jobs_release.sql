-- Releasing claims: hand jobs a worker claimed but never started back to the queue (the Job Trigger does this
-- for jobs it claimed while its workflow was being deactivated). Errors as in the worker file: 22023 bad
-- argument, PT404 unknown job, PT409 job not held by the caller; reported per item.

-- release_jobs: puts jobs p_worker_id claimed but never started back to queued as if unclaimed (attempt not
-- counted, run row removed, 'requeued' event) and wakes listeners; one row per id, in order (ok = false on error).
create or replace function mcp_jobs.release_jobs(p_job_ids uuid[], p_worker_id text)
returns table (ordinal integer, job_id uuid, ok boolean, status text, error_code text, error_message text)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
declare
  v_results jsonb;
  v_released uuid[];
begin
  if p_worker_id is null or btrim(p_worker_id) = '' then
    raise exception 'p_worker_id is required: pass the worker that claimed the jobs' using errcode = '22023';
  end if;
  if p_job_ids is null then
    raise exception 'p_job_ids must be an array of job ids (UUIDs)' using errcode = '22023';
  end if;
  if cardinality(p_job_ids) > 10000 then
    raise exception 'p_job_ids has % ids; send at most 10000 per call', cardinality(p_job_ids) using errcode = '22023';
  end if;

  with input as (
    select u.ord::integer as ord, u.id
    from unnest(p_job_ids) with ordinality as u (id, ord)
  ),
  firsts as (
    select distinct on (i.id) i.id, i.ord from input i where i.id is not null order by i.id, i.ord
  ),
  -- lock order by id, as _lock_held does (no deadlocks with complete/fail/heartbeat batches)
  locked as (
    select j.id, j.status, j.worker_id, j.run_id
    from mcp_jobs.jobs j
    where j.id in (select f.id from firsts f)
    order by j.id
    for update
  ),
  checked as materialized (
    select i.ord, i.id, l.run_id,
      case
        when i.id is null then '22023'
        when f.ord <> i.ord then 'PT409'
        when l.id is null then 'PT404'
        when l.status <> 'running' then 'PT409'
        when l.worker_id is distinct from p_worker_id then 'PT409'
      end as code,
      case
        when i.id is null then format('p_job_ids[%s] must be a job id (UUID), got null', i.ord)
        when f.ord <> i.ord then format('job %s is listed more than once in this batch', i.id)
        when l.id is null then format('job %s not found: check the job id (it may have been removed by cleanup_jobs)', i.id)
        when l.status <> 'running' then
          format('job %s is %s, not running: only a claimed job can be released', i.id, l.status)
        when l.worker_id is distinct from p_worker_id then
          format('job %s is held by worker %s, not %s: only the worker that claimed it can release it',
                 i.id, coalesce(l.worker_id, '(none)'), p_worker_id)
      end as message
    from input i
    left join firsts f on f.id = i.id
    left join locked l on l.id = i.id
  ),
  runs as (
    delete from mcp_jobs.job_runs r
    using checked c
    where c.code is null and r.id = c.run_id and r.status = 'running'
  ),
  released as (
    update mcp_jobs.jobs j
    set status = 'queued',
        attempts = greatest(j.attempts - 1, 0),
        worker_id = null,
        lease_expires_at = null,
        run_id = p.run_id,
        started_at = p.started_at,
        progress = null,
        updated_at = now()
    from checked c
    -- the run before the released one (statements in one query do not see each other's deletes)
    left join lateral (
      select r.id as run_id, r.started_at
      from mcp_jobs.job_runs r
      where r.job_id = c.id and r.id is distinct from c.run_id
      order by r.attempt desc, r.started_at desc
      limit 1
    ) p on true
    where c.code is null and j.id = c.id
    returning j.id
  ),
  events as (
    insert into mcp_jobs.job_events (job_id, run_id, event_type, message, data)
    select c.id, c.run_id, 'requeued',
           format('released by worker %s before it started; the attempt does not count', p_worker_id),
           jsonb_build_object('released_run_id', c.run_id)
    from checked c
    where c.code is null
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'ordinal', c.ord, 'job_id', c.id, 'ok', c.code is null,
           'status', case when c.code is null then 'queued' end,
           'error_code', c.code, 'error_message', c.message) order by c.ord), '[]'::jsonb),
         (select array_agg(r.id) from released r)
  into v_results, v_released
  from checked c;

  -- the jobs are due again: one wake-up per queue, as for new jobs
  perform mcp_jobs._wake(n.id, n.queue, n.job_type, n.priority, n.cnt)
  from (
    select distinct on (j.queue) j.queue, j.id, j.job_type, j.priority,
           count(*) over (partition by j.queue) as cnt
    from mcp_jobs.jobs j
    where j.id = any (coalesce(v_released, '{}'))
    order by j.queue, j.priority, j.scheduled_at, j.seq
  ) n;

  return query
  select x.ordinal, x.job_id, x.ok, x.status, x.error_code, x.error_message
  from jsonb_to_recordset(v_results) as x (
    ordinal integer, job_id uuid, ok boolean, status text, error_code text, error_message text)
  order by x.ordinal;
end;
$$;

-- Lock the new functions down (see _secure_functions in the schema file).
do $$ begin perform mcp_jobs._secure_functions(); end $$;
