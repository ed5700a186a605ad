-- 0.2.0: enqueueing, rebuilt on the shared input rules of mcp_jobs_private.
--
-- What changes for callers:
-- * enqueue_job gets p_group_key (and enqueue_jobs items group_key): see set_queue_limits.
-- * Every field is checked up front, with a 22023 error naming it: names at most 200 characters (queue, source,
--   job_type), keys at most 500 (idempotency_key, group_key), scheduled_at finite and from 1970 to 9999, whole
--   numbers by the one JSON rule, and unknown fields are refused (a misspelt "scheduledAt" used to be ignored, so
--   the job ran at once). Too-long values used to fail later: a btree error (54000) past ~2.7 kB, a broken
--   pg_notify past ~8 kB.
-- * No 'enqueued' event row per job any more: get_job derives it from the job's created_at.
-- * Enqueue pays no JIT compilation (jit is off in these functions): on a stock PostgreSQL with jit = on, 0.1.0's
--   insert was costed high enough to be JIT-compiled on every call (~20 ms a call).
-- Breaking: enqueue_job is dropped and created again with the new last parameter (calls by name or position work
-- as before; a GRANT made by hand on the old signature must be made again).

-- ============================================================================================================
-- Implementation
-- ============================================================================================================

-- enqueue: the body of enqueue_job and enqueue_jobs. p_single names fields p_x, else p_jobs[i].x (i from 0). The first
-- bad job fails the call before anything is written.
create or replace function mcp_jobs_private.enqueue(p_jobs jsonb, p_single boolean)
returns table (
  ordinal integer, id uuid, queue text, status text, scheduled_at timestamptz, duplicate boolean
)
language plpgsql volatile
set search_path = ''
set jit = off
as $$
#variable_conflict use_column
declare
  r record;
  v_buckets integer[];
begin
  perform mcp_jobs_private.check_batch(p_jobs, 'p_jobs');
  perform mcp_jobs_private.check((
    select x.problem
    from (
      select e.ord, mcp_jobs_private.item_problem(
               e.spec, case when p_single then 'p_' else format('p_jobs[%s].', e.ord - 1) end,
               array['source', 'job_type', 'payload', 'queue', 'priority', 'scheduled_at', 'max_retries',
                     'retry_delay_seconds', 'idempotency_key', 'group_key'],
               array['source', 'job_type']) as problem
      from jsonb_array_elements(p_jobs) with ordinality as e (spec, ord)
    ) x
    where x.problem is not null
    order by x.ord
    limit 1));

  -- Two batches inserting shared idempotency keys in different orders deadlock on the unique index. A batch with
  -- several keys first locks the keys' hash buckets (at most 256 locks) in ascending order: such batches wait
  -- for each other instead.
  select array_agg(distinct hashtext(k.key) & 255) into v_buckets
  from (
    select distinct e.spec ->> 'idempotency_key' as key
    from jsonb_array_elements(p_jobs) as e (spec)
    where coalesce(e.spec ->> 'idempotency_key', '') <> ''
  ) k
  having count(*) > 1;
  perform pg_advisory_xact_lock(72620121, b.bucket)
  from unnest(v_buckets) as b (bucket)
  order by b.bucket;

  for r in
    with specs as materialized (
      select e.ord::integer as ord,
             coalesce(nullif(btrim(e.spec ->> 'queue'), ''), 'default') as queue,
             btrim(e.spec ->> 'source') as source,
             btrim(e.spec ->> 'job_type') as job_type,
             coalesce(nullif(e.spec -> 'payload', 'null'::jsonb), '{}'::jsonb) as payload,
             coalesce((e.spec ->> 'priority')::numeric::integer, 5) as priority,
             coalesce((e.spec ->> 'scheduled_at')::timestamptz, now()) as scheduled_at,
             coalesce((e.spec ->> 'max_retries')::numeric::integer, 3) as max_retries,
             coalesce((e.spec ->> 'retry_delay_seconds')::numeric::integer, 60) as retry_delay_seconds,
             nullif(e.spec ->> 'idempotency_key', '') as idempotency_key,
             nullif(e.spec ->> 'group_key', '') as group_key,
             case when coalesce(e.spec ->> 'idempotency_key', '') = '' then 'o:' || e.ord
                  else 'k:' || (e.spec ->> 'idempotency_key') end as dedupe,
             gen_random_uuid() as new_id
      from jsonb_array_elements(p_jobs) with ordinality as e (spec, ord)
    ),
    -- the first spec per (queue, idempotency_key) inserts; later ones in the batch reuse its job
    firsts as (
      select distinct on (s.queue, s.dedupe) s.*
      from specs s
      order by s.queue, s.dedupe, s.ord
    ),
    inserted as (
      insert into mcp_jobs.jobs as j (
        id, queue, source, job_type, payload, priority, scheduled_at, max_retries, retry_delay_seconds,
        idempotency_key, group_key)
      select f.new_id, f.queue, f.source, f.job_type, f.payload, f.priority, f.scheduled_at, f.max_retries,
             f.retry_delay_seconds, f.idempotency_key, f.group_key
      from firsts f
      order by f.ord
      on conflict (queue, idempotency_key) where idempotency_key is not null do nothing
      returning j.id, j.status, j.scheduled_at
    )
    select s.ord, s.queue, s.idempotency_key, i.id, i.status, i.scheduled_at,
           (i.id is null or s.ord <> f.ord) as duplicate
    from specs s
    join firsts f on f.queue = s.queue and f.dedupe = s.dedupe
    left join inserted i on i.id = f.new_id
    order by s.ord
  loop
    if r.id is null then
      -- a repeated idempotency key: read the existing job by its unique index, one key at a time (a join with
      -- jobs in the statement above can be planned as a sequential scan of the whole table). Also finds a key
      -- inserted by a transaction that committed after that statement's snapshot.
      select j.id, j.status, j.scheduled_at into r.id, r.status, r.scheduled_at
      from mcp_jobs.jobs j
      where j.queue = r.queue and j.idempotency_key = r.idempotency_key;
    end if;
    ordinal := r.ord;
    id := r.id;
    queue := r.queue;
    status := r.status;
    scheduled_at := r.scheduled_at;
    duplicate := r.duplicate;
    return next;
  end loop;
end;
$$;

-- notify_new_jobs: statement trigger on jobs; one NOTIFY per queue per insert statement, for due queued jobs only.
create or replace function mcp_jobs_private.notify_new_jobs()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform mcp_jobs_private.wake(n.id, n.queue, n.job_type, n.priority, n.cnt)
  from (
    select distinct on (r.queue) r.queue, r.id, r.job_type, r.priority,
           count(*) over (partition by r.queue) as cnt
    from new_rows r
    where r.status = 'queued' and r.scheduled_at <= now()
    order by r.queue, r.priority, r.scheduled_at, r.seq
  ) n;
  return null;
end;
$$;

create or replace trigger jobs_notify_new_job
  after insert on mcp_jobs.jobs
  referencing new table as new_rows
  for each statement execute function mcp_jobs_private.notify_new_jobs();

-- ============================================================================================================
-- API
-- ============================================================================================================

create or replace function mcp_jobs.enqueue_jobs(p_jobs jsonb)
returns table (
  ordinal integer, id uuid, queue text, status text, scheduled_at timestamptz, duplicate boolean
)
language plpgsql volatile
set search_path = ''
as $$
begin
  return query select * from mcp_jobs_private.enqueue(p_jobs, false);
end;
$$;
comment on function mcp_jobs.enqueue_jobs(jsonb) is
  'Enqueues a batch (a JSON array of {source, job_type, payload, priority, scheduled_at, max_retries, queue, '
  'idempotency_key, retry_delay_seconds, group_key}; at most 10000) in one statement. One row per element, in input '
  'order (ordinal counts from 1). A repeated idempotency_key in its queue returns the existing job with duplicate = '
  'true. A bad element fails the whole call (22023 naming p_jobs[i].field, i from 0) and enqueues nothing.';

drop function if exists mcp_jobs.enqueue_job(text, text, jsonb, integer, timestamptz, integer, text, text, integer);
create or replace function mcp_jobs.enqueue_job(
  p_source text,
  p_job_type text,
  p_payload jsonb default '{}'::jsonb,
  p_priority integer default 5,
  p_scheduled_at timestamptz default null,
  p_max_retries integer default 3,
  p_queue text default 'default',
  p_idempotency_key text default null,
  p_retry_delay_seconds integer default 60,
  p_group_key text default null
) returns uuid
language plpgsql volatile
set search_path = ''
as $$
begin
  return (
    select e.id
    from mcp_jobs_private.enqueue(
      jsonb_build_array(jsonb_build_object(
        'source', p_source, 'job_type', p_job_type, 'payload', coalesce(p_payload, '{}'::jsonb),
        'priority', p_priority, 'scheduled_at', p_scheduled_at, 'max_retries', p_max_retries,
        'queue', p_queue, 'idempotency_key', p_idempotency_key, 'retry_delay_seconds', p_retry_delay_seconds,
        'group_key', p_group_key)),
      true) as e);
end;
$$;
comment on function mcp_jobs.enqueue_job(text, text, jsonb, integer, timestamptz, integer, text, text, integer, text) is
  'Enqueues one job and returns its id (the existing job''s id for an idempotency key already used in the queue). '
  'Lower priority runs first (0 most urgent, default 5); the job is claimable from p_scheduled_at (default now); it '
  'runs at most 1 + p_max_retries times, retries waiting p_retry_delay_seconds * 2^(attempt-1). p_group_key groups '
  'jobs for the queue''s group limits (set_queue_limits).';

do $$ begin perform mcp_jobs_private.secure_functions(); end $$;
