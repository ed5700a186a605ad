-- 0.2.0: enqueueing, rebuilt on the shared input rules of mcp_jobs_private.
--
-- What changes for callers:
-- * Group keys: enqueue_job p_group_key, enqueue_jobs items group_key (see set_queue_limits).
-- * Dedupe modes (p_dedupe_mode / dedupe_mode, for an idempotency key): 'forever' (the default, 0.1.0's behaviour:
--   the key is taken until cleanup removes its job), 'while_active' (the key is free again once its job finished),
--   'window' with p_dedupe_seconds (the first job wins for that many seconds after its enqueue), 'replace'
--   (debounce: while the job holding the key is still queued, a new enqueue replaces its payload and moves its run
--   time to the new scheduled_at, and returns it with replaced = true; a running or finished holder is left alone
--   and a new job takes the key). The unique index on (queue, dedupe_key) keeps concurrent enqueues of a key
--   exactly-once in every mode. Within one call, the first item of a key decides.
-- * Dependencies (p_depends_on / depends_on: job ids, or "#i" for item i of the same call): the job waits (status
--   waiting) until every job it depends on completed; if one of them is dead-lettered or cancelled, it is cancelled
--   with a reason naming it. An unknown, failed or cancelled job, and a cycle among the items, are 22023.
-- * p_max_snoozes / max_snoozes (default 100): how often the job may be snoozed (snooze_job).
-- * Every field is checked up front, with a 22023 error naming it: names at most 200 characters (queue, source,
--   job_type), keys at most 500 (idempotency_key, group_key), scheduled_at finite and from 1970 to 9999, whole
--   numbers by the one JSON rule, and unknown fields are refused (a misspelt "scheduledAt" used to be ignored, so
--   the job ran at once). Too-long values used to fail later: a btree error (54000) past ~2.7 kB, a broken
--   pg_notify past ~8 kB.
-- * No 'enqueued' event row per job any more: get_job derives it from the job's created_at.
-- * Enqueue pays no JIT compilation (jit is off in these functions): on a stock PostgreSQL with jit = on, 0.1.0's
--   insert was costed high enough to be JIT-compiled on every call (~20 ms a call). enable_seqscan is off too: its
--   lookups go through indexes even with plans cached while the table was small.
-- Breaking: enqueue_job is dropped and created again with new last parameters (calls by name or position work as
-- before; a GRANT made by hand on the old signature must be made again); enqueue_jobs returns a new last column,
-- replaced.

-- ============================================================================================================
-- Implementation
-- ============================================================================================================

-- spec_problem: what is wrong across the fields of one job spec (item_problem checks each field), or null.
create or replace function mcp_jobs_private.spec_problem(p_spec jsonb, p_prefix text, p_ord integer, p_count integer)
returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  v_mode text := p_spec ->> 'dedupe_mode';
  v_ref integer;
begin
  if v_mode is not null and coalesce(p_spec ->> 'idempotency_key', '') = '' then
    return format('%sdedupe_mode needs an idempotency_key: the key is what is deduplicated', p_prefix);
  end if;
  if v_mode = 'window' and p_spec ->> 'dedupe_seconds' is null then
    return format('%sdedupe_seconds is required with dedupe_mode ''window'': how long the first job holds its key', p_prefix);
  end if;
  if p_spec ->> 'dedupe_seconds' is not null and v_mode is distinct from 'window' then
    return format('%sdedupe_seconds only applies to dedupe_mode ''window''', p_prefix);
  end if;
  if not p_spec ? 'depends_on' then
    return null;
  end if;
  for v_ref in
    select substr(d.dep, 2)::integer from jsonb_array_elements_text(p_spec -> 'depends_on') as d (dep)
    where d.dep like '#%'
  loop
    if v_ref >= p_count or v_ref = p_ord - 1 then
      return format('%sdepends_on: "#%s" must name another item of this call (#0 to #%s)', p_prefix, v_ref, p_count - 1);
    end if;
  end loop;
  return null;
end;
$$;

-- dependency_problem: the first dependency of p_jobs that cannot be waited for (unknown, failed or cancelled job;
-- a cycle among the items), or null. Locks the existing jobs depended on FOR SHARE, in id order, so that none of them
-- finishes unseen before this transaction commits (settle_waiting at its end then sees their final state).
create or replace function mcp_jobs_private.dependency_problem(p_jobs jsonb, p_single boolean)
returns text
language plpgsql volatile
set search_path = ''
as $$
declare
  v_problem text;
begin
  with deps as (
    select e.ord::integer as ord, d.ord::integer as dep_ord, btrim(d.dep)::uuid as dep_id
    from jsonb_array_elements(p_jobs) with ordinality as e (spec, ord)
    cross join lateral jsonb_array_elements_text(coalesce(e.spec -> 'depends_on', '[]')) with ordinality as d (dep, ord)
    where d.dep not like '#%'
  ),
  locked as (
    select j.id, j.status from mcp_jobs.jobs j
    where j.id = any (array(select distinct d.dep_id from deps d))
    order by j.id
    for share
  )
  select format('%sdepends_on[%s]: %s', case when p_single then 'p_' else format('p_jobs[%s].', d.ord - 1) end,
                d.dep_ord - 1,
                case when l.id is null then format('job %s not found: a job can only wait for a job that exists', d.dep_id)
                     else format('job %s is %s: a job can only wait for one that can still complete', d.dep_id, l.status) end)
  into v_problem
  from deps d
  left join locked l on l.id = d.dep_id
  where l.id is null or l.status in ('failed', 'cancelled')
  order by d.ord, d.dep_ord
  limit 1;
  if v_problem is not null then
    return v_problem;
  end if;

  -- a cycle among the items of this call ("#i" references): an item that reaches itself
  with recursive refs (item, ref) as (
    select e.ord::integer - 1, substr(d.dep, 2)::integer
    from jsonb_array_elements(p_jobs) with ordinality as e (spec, ord)
    cross join lateral jsonb_array_elements_text(coalesce(e.spec -> 'depends_on', '[]')) as d (dep)
    where d.dep like '#%'
  ),
  reach (start, at, path) as (
    select r.item, r.ref, array[r.item] from refs r
    union all
    select h.start, r.ref, h.path || h.at from reach h join refs r on r.item = h.at
    where h.at <> all (h.path)
  )
  select format('p_jobs[%s].depends_on: the items %s wait for each other (a cycle)', min(h.start),
                (select string_agg('#' || i, ' -> ') from unnest(min(h.path) || min(h.start)) as i))
  into v_problem
  from reach h
  where h.at = h.start
  having count(*) > 0;
  return v_problem;
end;
$$;

-- specs: the job specs of p_jobs as rows (checked first by enqueue), with p_ids as the ids of new jobs.
create or replace function mcp_jobs_private.specs(p_jobs jsonb, p_ids uuid[])
returns table (
  ord integer, new_id uuid, queue text, source text, job_type text, payload jsonb, priority integer,
  scheduled_at timestamptz, max_retries integer, retry_delay_seconds integer, idempotency_key text, group_key text,
  mode text, dedupe_seconds integer, max_snoozes integer, depends_on jsonb
)
language plpgsql stable
set search_path = ''
as $$
begin
  return query
  select e.ord::integer, p_ids[e.ord],
         coalesce(nullif(btrim(e.spec ->> 'queue'), ''), 'default'),
         btrim(e.spec ->> 'source'),
         btrim(e.spec ->> 'job_type'),
         coalesce(nullif(e.spec -> 'payload', 'null'::jsonb), '{}'::jsonb),
         coalesce((e.spec ->> 'priority')::numeric::integer, 5),
         coalesce((e.spec ->> 'scheduled_at')::timestamptz, now()),
         coalesce((e.spec ->> 'max_retries')::numeric::integer, 3),
         coalesce((e.spec ->> 'retry_delay_seconds')::numeric::integer, 60),
         nullif(e.spec ->> 'idempotency_key', ''),
         nullif(e.spec ->> 'group_key', ''),
         coalesce(e.spec ->> 'dedupe_mode', 'forever'),
         (e.spec ->> 'dedupe_seconds')::numeric::integer,
         coalesce((e.spec ->> 'max_snoozes')::numeric::integer, 100),
         nullif(e.spec -> 'depends_on', '[]'::jsonb)
  from jsonb_array_elements(p_jobs) with ordinality as e (spec, ord);
end;
$$;

-- enqueue: the body of enqueue_job and enqueue_jobs. p_single names fields p_x, else p_jobs[i].x (i from 0). The first
-- bad job fails the call before anything is written.
create or replace function mcp_jobs_private.enqueue(p_jobs jsonb, p_single boolean)
returns table (
  ordinal integer, id uuid, queue text, status text, scheduled_at timestamptz, duplicate boolean, replaced boolean
)
language plpgsql volatile
set search_path = ''
set jit = off
set enable_seqscan = off
as $$
#variable_conflict use_column
declare
  r record;
  v_count integer;
  v_ids uuid[];
  v_final uuid[];
  v_buckets integer[];
  v_modes boolean;
  v_replaced text[] := '{}';
  v_due uuid[];
  v_waiting uuid[] := '{}';
begin
  perform mcp_jobs_private.check_batch(p_jobs, 'p_jobs');
  v_count := jsonb_array_length(p_jobs);
  perform mcp_jobs_private.check((
    select x.problem
    from (
      select e.ord, coalesce(
               mcp_jobs_private.item_problem(
                 e.spec, p.prefix,
                 array['source', 'job_type', 'payload', 'queue', 'priority', 'scheduled_at', 'max_retries',
                       'retry_delay_seconds', 'idempotency_key', 'group_key', 'dedupe_mode', 'dedupe_seconds',
                       'depends_on', 'max_snoozes'],
                 array['source', 'job_type']),
               mcp_jobs_private.spec_problem(e.spec, p.prefix, e.ord::integer, v_count)) as problem
      from jsonb_array_elements(p_jobs) with ordinality as e (spec, ord)
      cross join lateral (select case when p_single then 'p_' else format('p_jobs[%s].', e.ord - 1) end as prefix) p
    ) x
    where x.problem is not null
    order by x.ord
    limit 1));
  if jsonb_path_exists(p_jobs, '$[*].depends_on') then
    perform mcp_jobs_private.check(mcp_jobs_private.dependency_problem(p_jobs, p_single));
  end if;

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

  v_ids := array(select gen_random_uuid() from generate_series(1, v_count));
  v_modes := jsonb_path_exists(p_jobs, '$[*] ? (@.dedupe_mode != "forever")');
  if v_modes then
    -- dedupe modes: a later enqueue takes over a key whose holder no longer holds it (own statement, before the
    -- insert: the insert must see the keys handed over)
    update mcp_jobs.jobs j
    set dedupe_key = null, updated_at = now()
    from (select distinct on (s.queue, s.idempotency_key) s.* from mcp_jobs_private.specs(p_jobs, v_ids) s
          where s.idempotency_key is not null order by s.queue, s.idempotency_key, s.ord) s
    where j.queue = s.queue and j.dedupe_key = s.idempotency_key
      and case s.mode
            when 'while_active' then j.status in ('completed', 'failed', 'cancelled')
            when 'window' then j.created_at <= now() - make_interval(secs => s.dedupe_seconds)
            when 'replace' then j.status in ('running', 'completed', 'failed', 'cancelled')
            else false
          end;
    -- replace (debounce): a holder that is still waiting to run gets the new payload and run time
    with replaced as (
      update mcp_jobs.jobs j
      set payload = s.payload, scheduled_at = s.scheduled_at, updated_at = now()
      from (select distinct on (s.queue, s.idempotency_key) s.* from mcp_jobs_private.specs(p_jobs, v_ids) s
            where s.idempotency_key is not null order by s.queue, s.idempotency_key, s.ord) s
      where s.mode = 'replace' and j.queue = s.queue and j.dedupe_key = s.idempotency_key
        and j.status in ('queued', 'waiting')
      returning j.queue, j.dedupe_key, j.id, j.scheduled_at, j.status
    )
    select coalesce(array_agg(x.queue || chr(1) || x.dedupe_key), '{}'),
           array_agg(x.id) filter (where x.status = 'queued' and x.scheduled_at <= now())
    into v_replaced, v_due
    from replaced x;
    -- a replaced job may be due earlier than before: wake its listeners
    perform mcp_jobs_private.wake(j.id, j.queue, j.job_type, j.priority, 1)
    from mcp_jobs.jobs j where j.id = any (v_due);
  end if;

  v_final := v_ids;
  for r in
    with specs as materialized (
      select s.*,
             case when s.idempotency_key is null then 'o:' || s.ord else 'k:' || s.idempotency_key end as dedupe
      from mcp_jobs_private.specs(p_jobs, v_ids) s
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
        idempotency_key, dedupe_key, group_key, max_snoozes, status)
      select f.new_id, f.queue, f.source, f.job_type, f.payload, f.priority, f.scheduled_at, f.max_retries,
             f.retry_delay_seconds, f.idempotency_key, f.idempotency_key, f.group_key, f.max_snoozes,
             case when f.depends_on is null then 'queued' else 'waiting' end
      from firsts f
      where coalesce(f.queue || chr(1) || f.idempotency_key, '') <> all (v_replaced)
      order by f.ord
      on conflict (queue, dedupe_key) where dedupe_key is not null do nothing
      returning j.id, j.status, j.scheduled_at
    )
    select s.ord, s.queue, s.idempotency_key, s.mode, s.payload, s.scheduled_at as wanted_at, s.depends_on,
           i.id, i.status, i.scheduled_at, f.ord as first_ord,
           (s.queue || chr(1) || s.idempotency_key) = any (v_replaced) as replaced_before
    from specs s
    join firsts f on f.queue = s.queue and f.dedupe = s.dedupe
    left join inserted i on i.id = f.new_id
    order by s.ord
  loop
    replaced := false;
    if r.id is null then
      -- the key is held (before this call, by a concurrent one, or by an earlier item of this call): read the holder by
      -- the unique index, one key at a time (a join with jobs in the statement above can be planned as a sequential
      -- scan of the whole table). In replace mode a holder still waiting to run takes the new payload and run time.
      if r.mode = 'replace' and r.ord = r.first_ord and not r.replaced_before then
        update mcp_jobs.jobs j set payload = r.payload, scheduled_at = r.wanted_at, updated_at = now()
        where j.queue = r.queue and j.dedupe_key = r.idempotency_key and j.status in ('queued', 'waiting')
        returning j.id, j.status, j.scheduled_at into r.id, r.status, r.scheduled_at;
        replaced := r.id is not null;
      end if;
      if r.id is null then
        select j.id, j.status, j.scheduled_at into r.id, r.status, r.scheduled_at
        from mcp_jobs.jobs j
        where j.queue = r.queue and j.dedupe_key = r.idempotency_key;
      end if;
      replaced := replaced or (r.replaced_before and r.ord = r.first_ord);
    elsif r.depends_on is not null then
      v_waiting := v_waiting || r.id;
    end if;
    v_final[r.ord] := r.id;
    ordinal := r.ord;
    id := r.id;
    queue := r.queue;
    status := r.status;
    scheduled_at := r.scheduled_at;
    duplicate := r.ord <> r.first_ord or (r.id is distinct from v_ids[r.first_ord] and not replaced);
    return next;
  end loop;

  if cardinality(v_waiting) > 0 then
    -- what the new jobs wait for ("#i" is item i's job, new or existing), then whether they can run already
    insert into mcp_jobs.job_dependencies (job_id, depends_on)
    select distinct v_final[e.ord], case when d.dep like '#%' then v_final[substr(d.dep, 2)::integer + 1] else btrim(d.dep)::uuid end
    from jsonb_array_elements(p_jobs) with ordinality as e (spec, ord)
    cross join lateral jsonb_array_elements_text(e.spec -> 'depends_on') as d (dep)
    where v_final[e.ord] = any (v_waiting)
    on conflict do nothing;
    perform mcp_jobs_private.settle_waiting(v_waiting);
  end if;
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

drop function if exists mcp_jobs.enqueue_jobs(jsonb);
create or replace function mcp_jobs.enqueue_jobs(p_jobs jsonb)
returns table (
  ordinal integer, id uuid, queue text, status text, scheduled_at timestamptz, duplicate boolean, replaced boolean
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
  'idempotency_key, retry_delay_seconds, group_key, dedupe_mode, dedupe_seconds, depends_on, max_snoozes}; at most '
  '10000) in one statement. One row per element, in input order (ordinal counts from 1): duplicate = true when the '
  'element''s idempotency key is held by an existing job (returned instead), replaced = true when dedupe_mode '
  '''replace'' updated that job. depends_on takes job ids and "#i" for item i of this call. A bad element fails the '
  'whole call (22023 naming p_jobs[i].field, i from 0) and enqueues nothing.';

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
  p_group_key text default null,
  p_dedupe_mode text default null,
  p_dedupe_seconds integer default null,
  p_depends_on uuid[] default null,
  p_max_snoozes integer default 100
) returns uuid
language plpgsql volatile
set search_path = ''
as $$
begin
  return (
    select e.id
    from mcp_jobs_private.enqueue(
      jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
        'source', p_source, 'job_type', p_job_type, 'priority', p_priority, 'scheduled_at', p_scheduled_at,
        'max_retries', p_max_retries, 'queue', p_queue, 'idempotency_key', p_idempotency_key,
        'retry_delay_seconds', p_retry_delay_seconds, 'group_key', p_group_key, 'dedupe_mode', p_dedupe_mode,
        'dedupe_seconds', p_dedupe_seconds, 'depends_on', to_jsonb(p_depends_on), 'max_snoozes', p_max_snoozes))
        || jsonb_build_object('payload', coalesce(p_payload, '{}'::jsonb))),
      true) as e);
end;
$$;
comment on function mcp_jobs.enqueue_job(text, text, jsonb, integer, timestamptz, integer, text, text, integer, text, text,
                                         integer, uuid[], integer) is
  'Enqueues one job and returns its id (the existing job''s id for an idempotency key already held in the queue). '
  'Lower priority runs first (0 most urgent, default 5); the job is claimable from p_scheduled_at (default now); it '
  'runs at most 1 + p_max_retries times, retries waiting p_retry_delay_seconds * 2^(attempt-1). p_group_key groups '
  'jobs for the queue''s group limits (set_queue_limits). p_dedupe_mode (with p_idempotency_key): forever (default), '
  'while_active, window (p_dedupe_seconds) or replace (debounce). p_depends_on: the job waits until those jobs '
  'completed (cancelled if one is dead-lettered or cancelled). p_max_snoozes: how often snooze_job may put it back.';

do $$ begin perform mcp_jobs_private.secure_functions(); end $$;
