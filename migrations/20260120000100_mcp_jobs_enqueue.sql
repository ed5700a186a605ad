-- Enqueueing: enqueue_job, enqueue_jobs, and the wake-up NOTIFY for new due jobs.

-- _job_spec: validates one job spec and fills defaults; raises 22023 naming the field (p_field_prefix + name).
create or replace function mcp_jobs._job_spec(
  p_spec jsonb,
  p_field_prefix text default 'p_'
) returns table (
  queue text, source text, job_type text, payload jsonb, priority integer, scheduled_at timestamptz,
  max_retries integer, retry_delay_seconds integer, idempotency_key text
)
language plpgsql stable
set search_path = ''
as $$
declare
  v_field text;
  v_raw jsonb;
begin
  if p_spec is null or jsonb_typeof(p_spec) <> 'object' then
    raise exception '%: each job must be a JSON object', rtrim(p_field_prefix, '.')
      using errcode = '22023', hint = 'Pass {"source": "...", "job_type": "...", "payload": {...}}.';
  end if;

  -- text fields
  foreach v_field in array array['queue', 'source', 'job_type', 'idempotency_key'] loop
    v_raw := p_spec -> v_field;
    if v_raw is not null and jsonb_typeof(v_raw) not in ('string', 'null') then
      raise exception '% must be a string', p_field_prefix || v_field using errcode = '22023';
    end if;
  end loop;
  queue := coalesce(nullif(btrim(p_spec ->> 'queue'), ''), 'default');
  source := btrim(p_spec ->> 'source');
  job_type := btrim(p_spec ->> 'job_type');
  idempotency_key := nullif(p_spec ->> 'idempotency_key', '');
  if source is null or source = '' then
    raise exception '%source is required: pass a non-empty source, e.g. ''n8n'' or ''odoo''', p_field_prefix
      using errcode = '22023';
  end if;
  if job_type is null or job_type = '' then
    raise exception '%job_type is required: pass a non-empty job type, e.g. ''send_email''', p_field_prefix
      using errcode = '22023';
  end if;

  payload := coalesce(p_spec -> 'payload', '{}'::jsonb);
  if jsonb_typeof(payload) = 'null' then
    payload := '{}'::jsonb;
  end if;
  if jsonb_typeof(payload) <> 'object' then
    raise exception '%payload must be a JSON object, got %', p_field_prefix, jsonb_typeof(payload)
      using errcode = '22023', hint = 'Wrap the value, e.g. {"value": ...}.';
  end if;

  -- integer fields
  priority := mcp_jobs._int_field(p_spec, 'priority', p_field_prefix, 5, 0, 1000000);
  max_retries := mcp_jobs._int_field(p_spec, 'max_retries', p_field_prefix, 3, 0, 1000);
  retry_delay_seconds := mcp_jobs._int_field(p_spec, 'retry_delay_seconds', p_field_prefix, 60, 0, 86400 * 30);

  v_raw := p_spec -> 'scheduled_at';
  if v_raw is null or jsonb_typeof(v_raw) = 'null' then
    scheduled_at := now();
  else
    begin
      scheduled_at := (p_spec ->> 'scheduled_at')::timestamptz;
    exception when others then
      raise exception '%scheduled_at must be an ISO 8601 timestamp, got %', p_field_prefix, v_raw
        using errcode = '22023', hint = 'e.g. "2026-02-01T00:00:00Z".';
    end;
  end if;
  return next;
end;
$$;

-- _int_field: reads an optional integer field of a spec within [p_min, p_max]; raises 22023 naming it.
create or replace function mcp_jobs._int_field(
  p_spec jsonb, p_name text, p_field_prefix text, p_default integer, p_min integer, p_max integer
) returns integer
language plpgsql immutable
set search_path = ''
as $$
declare
  v_raw jsonb := p_spec -> p_name;
  v_num numeric;
begin
  if v_raw is null or jsonb_typeof(v_raw) = 'null' then
    return p_default;
  end if;
  if jsonb_typeof(v_raw) = 'number' then
    v_num := v_raw::numeric;
  elsif jsonb_typeof(v_raw) = 'string' and btrim(v_raw #>> '{}') ~ '^-?[0-9]+$' then
    v_num := (v_raw #>> '{}')::numeric;
  else
    raise exception '% must be an integer, got %', p_field_prefix || p_name, v_raw using errcode = '22023';
  end if;
  if v_num <> trunc(v_num) or v_num < p_min or v_num > p_max then
    raise exception '% must be an integer from % to %, got %', p_field_prefix || p_name, p_min, p_max, v_raw
      using errcode = '22023';
  end if;
  return v_num::integer;
end;
$$;

-- _enqueue: shared body of enqueue_job and enqueue_jobs. p_single names fields p_x, else p_jobs[i].x.
create or replace function mcp_jobs._enqueue(p_jobs jsonb, p_single boolean)
returns table (
  ordinal integer, id uuid, queue text, status text, scheduled_at timestamptz, duplicate boolean
)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
declare
  r record;
  v_buckets integer[];
begin
  if p_jobs is null or jsonb_typeof(p_jobs) <> 'array' then
    raise exception 'p_jobs must be a JSON array of job objects' using errcode = '22023';
  end if;
  if jsonb_array_length(p_jobs) > 10000 then
    raise exception 'p_jobs has % jobs; send at most 10000 per call', jsonb_array_length(p_jobs)
      using errcode = '22023';
  end if;

  -- Two batches inserting shared idempotency keys in different orders deadlock on the unique index. A batch with
  -- several keys first locks the keys' hash buckets (at most 256 locks) in ascending order: such batches wait
  -- for each other instead.
  select array_agg(distinct hashtext(k.key) & 255) into v_buckets
  from (
    select distinct e.spec ->> 'idempotency_key' as key
    from jsonb_array_elements(p_jobs) as e (spec)
    where jsonb_typeof(e.spec) = 'object' and coalesce(e.spec ->> 'idempotency_key', '') <> ''
  ) k
  having count(*) > 1;
  perform pg_advisory_xact_lock(72620121, b.bucket)
  from unnest(v_buckets) as b (bucket)
  order by b.bucket;

  for r in
    with specs as (
      select e.ord::integer as ord, s.*,
             case when s.idempotency_key is null then 'o:' || e.ord else 'k:' || s.idempotency_key end as dedupe,
             gen_random_uuid() as new_id
      from jsonb_array_elements(p_jobs) with ordinality as e (spec, ord)
      cross join lateral mcp_jobs._job_spec(
        e.spec, case when p_single then 'p_' else format('p_jobs[%s].', e.ord - 1) end) as s
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
        idempotency_key)
      select f.new_id, f.queue, f.source, f.job_type, f.payload, f.priority, f.scheduled_at, f.max_retries,
             f.retry_delay_seconds, f.idempotency_key
      from firsts f
      order by f.ord
      on conflict (queue, idempotency_key) where idempotency_key is not null do nothing
      returning j.id, j.status, j.scheduled_at, j.source, j.job_type
    ),
    events as (
      insert into mcp_jobs.job_events (job_id, event_type)
      select i.id, 'enqueued' from inserted i
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

-- enqueue_jobs: enqueues a batch (JSON array of {source, job_type, payload, priority, scheduled_at, max_retries,
-- queue, idempotency_key, retry_delay_seconds}) in one statement; one row per element, in input order.
-- An idempotency_key already present in its queue returns the existing job with duplicate = true.
create or replace function mcp_jobs.enqueue_jobs(p_jobs jsonb)
returns table (
  ordinal integer, id uuid, queue text, status text, scheduled_at timestamptz, duplicate boolean
)
language sql volatile
set search_path = ''
as $$
  select * from mcp_jobs._enqueue(p_jobs, false);
$$;

-- enqueue_job: enqueues one job and returns its id (the existing job's id for a repeated idempotency key).
create or replace function mcp_jobs.enqueue_job(
  p_source text,
  p_job_type text,
  p_payload jsonb default '{}'::jsonb,
  p_priority integer default 5,
  p_scheduled_at timestamptz default null,
  p_max_retries integer default 3,
  p_queue text default 'default',
  p_idempotency_key text default null,
  p_retry_delay_seconds integer default 60
) returns uuid
language sql volatile
set search_path = ''
as $$
  select e.id
  from mcp_jobs._enqueue(
    jsonb_build_array(jsonb_build_object(
      'source', p_source, 'job_type', p_job_type, 'payload', coalesce(p_payload, '{}'::jsonb),
      'priority', p_priority, 'scheduled_at', p_scheduled_at, 'max_retries', p_max_retries,
      'queue', p_queue, 'idempotency_key', p_idempotency_key, 'retry_delay_seconds', p_retry_delay_seconds)),
    true) as e;
$$;

-- _wake: tells listeners (LISTEN mcp_jobs_new_job) that a queue has a due job; payload {id, queue, job_type, priority, count}.
create or replace function mcp_jobs._wake(p_id uuid, p_queue text, p_job_type text, p_priority integer, p_count bigint)
returns void
language sql volatile
set search_path = ''
as $$
  select pg_notify('mcp_jobs_new_job', json_build_object(
    'id', p_id, 'queue', p_queue, 'job_type', p_job_type, 'priority', p_priority, 'count', p_count)::text);
$$;

-- _notify_new_jobs: statement trigger; one NOTIFY per queue per insert statement, for due queued jobs only.
create or replace function mcp_jobs._notify_new_jobs()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform mcp_jobs._wake(n.id, n.queue, n.job_type, n.priority, n.cnt)
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
  for each statement execute function mcp_jobs._notify_new_jobs();

-- Lock the new functions down (see _secure_functions in the schema file).
do $$ begin perform mcp_jobs._secure_functions(); end $$;
