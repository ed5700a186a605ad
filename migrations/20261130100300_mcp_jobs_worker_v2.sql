-- 0.2.0: the worker side, rebuilt: run fencing, flow control in claims, per-item input errors, fewer writes per job.
--
-- What changes for callers:
-- * Run fencing. complete_job, fail_job, heartbeat_job and log_job_event take p_run_id, release_jobs takes p_run_ids,
--   and batch items take run_id: when given and not the job's current run, the call fails with PT409 "run ... is no
--   longer current (job re-claimed)" and changes nothing. In 0.1.0 a worker whose lease had expired could finish,
--   fail, extend or release the NEXT run of the same job whenever the worker id was the same (the nodes' default
--   worker id is stable per n8n instance and workflow, so this happened in normal use).
-- * A blank worker id ('') is refused (22023); in 0.1.0 it switched the holder check off. Null still means "no
--   holder check".
-- * claim_next_job enforces the queue's limits (set_queue_limits): max_running, rate_limit per window,
--   group_max_running and group_rate_limit, atomically under concurrency (claims of a limited queue take the
--   queue's settings row lock, so they run one at a time; a claim returns fewer jobs when a limit is reached and
--   never waits for one). Within a group key jobs start in priority, then enqueue order; a key whose next job is not
--   due yet (scheduled, or waiting for a retry) waits for it. next_job_due_at accounts for a closed rate window and
--   for max_running, and finishing a job of a limited queue wakes listeners (a slot is free).
-- * Batch items: every field is checked per item by the one set of rules (a lease of 3e9 or 1e400 is an error of
--   that item, no longer a 22003 of the whole batch), unknown fields are refused, item numbers count from 0.
-- * Fewer writes per job: a claim only updates the job (no run row, no 'started' event); finishing writes the job
--   and one run row (no events); see the tables file of this release. Runs start and end at clock time.
-- * New: snooze_job(p_job_id, p_worker_id, p_run_id, p_seconds, p_until, p_reason) and snooze_jobs: back to queued
--   at that time without counting an attempt (the run ends as snoozed); after max_snoozes it counts as a failure.
-- * Finishing a job settles the jobs waiting for it (queued when all they wait for completed; cancelled when it was
--   dead-lettered or cancelled).
-- * log_job_events is linear in the batch size (0.1.0 was quadratic: 10,000 events on one job took seconds).
-- * reap_expired_jobs refuses p_limit outside 1..10000 (0.1.0 clamped 0 and -1 to 1 silently).
-- * Queue names are trimmed in claims, as in enqueue (0.1.0 claimed from ' emails ' as a different queue).
-- * Hot functions run with jit = off: a JIT compilation costs more than these short statements. And with
--   enable_seqscan = off: their statements find jobs by id or through an index, and a plan cached while the table
--   was small (before its first ANALYZE) would otherwise keep scanning the whole table as it grows (a claim of 100
--   took 130 ms at 60,000 jobs until autovacuum analyzed the table).
-- Breaking: complete_job, fail_job, heartbeat_job, log_job_event and release_jobs are dropped and created again with
-- the new last parameter (calls by name or position work as before).

-- ============================================================================================================
-- Holding a job: the checks complete, fail, heartbeat and release share
-- ============================================================================================================

-- lock_held: locks the jobs named by p_items ([{job_id, run_id?, worker_id?, ...}]) in id order (no deadlocks between
-- batches) and says per item whether the caller holds it: valid fields (p_known, by item_problem), the job exists,
-- run_id (when given) is its current run, it is running, and worker_id (when given) claimed it. Fields are named
-- p_x (p_single) or p_jobs[i].x, i from 0. Returns what finishing the job needs from its row.
create or replace function mcp_jobs_private.lock_held(p_items jsonb, p_single boolean, p_known text[])
returns table (
  ord integer, job_id uuid, item jsonb, prefix text, queue text, group_key text, run_id uuid, attempts integer,
  max_retries integer, retry_delay_seconds integer, worker_id text, started_at timestamptz, snoozes integer,
  max_snoozes integer, error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
set jit = off
set enable_seqscan = off
as $$
#variable_conflict use_column
declare
  -- the fields the inline check below covers: the ids, the worker, and those item_problem has no rule for
  v_plain_fields text[] := array['job_id', 'run_id', 'worker_id']
                           || array(select k from unnest(p_known) k where k in ('result', 'error'));
begin
  return query
  with input as materialized (
    select e.ord::integer as ord, e.item, p.prefix,
           case
             -- the usual item, checked here with item_problem's rules: a job id, maybe a run id and a worker id, and
             -- fields without rules; item_problem (a function call per item) only for anything else
             when jsonb_typeof(e.item) = 'object' and (e.item - v_plain_fields) = '{}'::jsonb
                  and jsonb_typeof(e.item -> 'job_id') = 'string'
                  and (e.item ->> 'job_id') ~* mcp_jobs_private.id_pattern()
                  and (coalesce(e.item -> 'run_id', 'null') = 'null'
                       or (jsonb_typeof(e.item -> 'run_id') = 'string'
                           and (e.item ->> 'run_id') ~* mcp_jobs_private.id_pattern()))
                  and (coalesce(e.item -> 'worker_id', 'null') = 'null'
                       or (jsonb_typeof(e.item -> 'worker_id') = 'string' and btrim(e.item ->> 'worker_id') <> ''
                           and length(e.item ->> 'worker_id') <= 200))
               then null
             else mcp_jobs_private.item_problem(e.item, p.prefix, p_known, array['job_id'])
           end as problem
    from jsonb_array_elements(p_items) with ordinality as e (item, ord)
    cross join lateral (select case when p_single then 'p_' else format('p_jobs[%s].', e.ord - 1) end as prefix) p
  ),
  parsed as materialized (
    select i.ord, i.item, i.prefix, i.problem,
           case when i.problem is null then btrim(i.item ->> 'job_id')::uuid end as jid,
           case when i.problem is null then btrim(i.item ->> 'run_id')::uuid end as rid,
           case when i.problem is null then btrim(i.item ->> 'worker_id') end as wid
    from input i
  ),
  firsts as (
    select distinct on (p.jid) p.jid, p.ord from parsed p where p.jid is not null order by p.jid, p.ord
  ),
  locked as (
    select j.id, j.status, j.worker_id, j.queue, j.group_key, j.run_id, j.attempts, j.max_retries,
           j.retry_delay_seconds, j.started_at, j.snoozes, j.max_snoozes
    from mcp_jobs.jobs j
    where j.id = any (array(select f.jid from firsts f))
    order by j.id
    for update
  )
  select p.ord, p.jid, p.item, p.prefix, l.queue, l.group_key, l.run_id, l.attempts, l.max_retries,
         l.retry_delay_seconds, l.worker_id, l.started_at, l.snoozes, l.max_snoozes,
    case
      when p.problem is not null then '22023'
      when f.ord <> p.ord then 'PT409'
      when l.id is null then 'PT404'
      when p.rid is not null and l.run_id is distinct from p.rid then 'PT409'
      when l.status <> 'running' then 'PT409'
      when p.wid is not null and l.worker_id is distinct from p.wid then 'PT409'
    end,
    case
      when p.problem is not null then p.problem
      when f.ord <> p.ord then format('job %s is listed more than once in this batch', p.jid)
      when l.id is null then
        format('job %s not found: check the job id (it may have been removed by cleanup_jobs)', p.jid)
      when p.rid is not null and l.run_id is distinct from p.rid then
        format('run %s of job %s is no longer current (job re-claimed): the job is %s%s; this worker must stop',
               p.rid, p.jid, l.status, case when l.status = 'running' then format(' as run %s', l.run_id) else '' end)
      when l.status <> 'running' then
        format('job %s is %s, not running: only a claimed job can be finished, extended or released (was it '
               'cancelled, finished already, or re-queued after its lease expired?)', p.jid, l.status)
      when p.wid is not null and l.worker_id is distinct from p.wid then
        format('job %s is held by worker %s, not %s: its lease expired and another worker claimed it',
               p.jid, coalesce(l.worker_id, '(none)'), p.wid)
    end
  from parsed p
  left join firsts f on f.jid = p.jid
  left join locked l on l.id = p.jid
  order by p.ord;
end;
$$;

-- wake_freed: after jobs of p_queues stopped running, wakes the listeners of those queues that have running limits
-- (max_running, group_max_running): a claim that found the queue full can now get a job.
create or replace function mcp_jobs_private.wake_freed(p_queues text[])
returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  perform mcp_jobs_private.wake(null, s.queue, null, null, null)
  from mcp_jobs.queue_settings s
  where s.queue = any (p_queues) and (s.max_running is not null or s.group_max_running is not null);
end;
$$;

-- fail_locked: ends failed runs of jobs the caller has locked: re-queues with backoff when retries remain and
-- p_retryable, else dead-letters (keeping priority, max_retries, retry_delay_seconds and group_key for a requeue);
-- writes each run's row. p_run_status is 'failed' or 'lease_expired'.
create or replace function mcp_jobs_private.fail_locked(
  p_ids uuid[], p_errors text[], p_retryable boolean[], p_delays integer[], p_run_status text
) returns table (
  job_id uuid, status text, will_retry boolean, next_attempt_at timestamptz, attempts integer, dead_letter_id uuid
)
language plpgsql volatile
set search_path = ''
set jit = off
set enable_seqscan = off
as $$
#variable_conflict use_column
begin
  return query
  with input as (
    select u.id, u.err, coalesce(u.retryable, true) as retryable, u.delay
    from unnest(p_ids, p_errors, p_retryable, p_delays) as u (id, err, retryable, delay)
  ),
  decided as materialized (
    select j.id, j.run_id, j.queue, j.source, j.job_type, j.payload, j.attempts, j.priority, j.max_retries,
           j.retry_delay_seconds, j.group_key, j.worker_id, j.started_at, i.err, clock_timestamp() as ended_at,
           (i.retryable and j.attempts <= j.max_retries) as retry,
           now() + make_interval(secs => coalesce(i.delay::double precision,
                                                  mcp_jobs_private.backoff_seconds(j.retry_delay_seconds, j.attempts))) as next_at
    from input i
    join mcp_jobs.jobs j on j.id = i.id
    where j.id = any (p_ids)
  ),
  dlq as (
    insert into mcp_jobs.dead_letter_queue (
      job_id, queue, source, job_type, payload, final_error, attempts, priority, max_retries, retry_delay_seconds,
      group_key, run_id, created_at)
    select d.id, d.queue, d.source, d.job_type, d.payload, d.err, d.attempts, d.priority, d.max_retries,
           d.retry_delay_seconds, d.group_key, d.run_id, d.ended_at
    from decided d
    where not d.retry
    returning id, job_id
  ),
  updated as (
    update mcp_jobs.jobs j
    set status = case when d.retry then 'queued' else 'failed' end,
        scheduled_at = case when d.retry then d.next_at else j.scheduled_at end,
        finished_at = case when d.retry then null else d.ended_at end,
        error = d.err,
        worker_id = null,
        lease_expires_at = null,
        updated_at = now()
    from decided d
    where j.id = any (p_ids) and j.id = d.id
  ),
  runs as (
    insert into mcp_jobs.job_runs (id, job_id, attempt, worker_id, status, started_at, finished_at, duration_ms, error,
                                   retry_at)
    select d.run_id, d.id, d.attempts, d.worker_id, p_run_status, d.started_at, d.ended_at,
           (extract(epoch from (d.ended_at - d.started_at)) * 1000)::integer, d.err,
           case when d.retry then d.next_at end
    from decided d
  ),
  freed as (
    select mcp_jobs_private.wake_freed(array(select distinct d.queue from decided d))
  )
  select d.id,
         case when d.retry then 'queued' else 'failed' end,
         d.retry,
         case when d.retry then d.next_at end,
         d.attempts,
         x.id
  from decided d
  left join dlq x on x.job_id = d.id
  cross join freed;
end;
$$;

-- ============================================================================================================
-- Dependencies: waiting jobs are settled when what they wait for finishes
-- ============================================================================================================

-- settle_waiting: decides the waiting jobs among p_job_ids: one with a dependency that was dead-lettered or cancelled is
-- cancelled (with a reason naming it), and so are the jobs waiting for it, in turn; one whose dependencies all
-- completed is queued (and its queue woken). The jobs are locked first and decided in the statements after: two
-- dependencies finishing at once in two transactions then cannot both miss that the other finished.
create or replace function mcp_jobs_private.settle_waiting(p_job_ids uuid[])
returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  v_ids uuid[];
  v_woken integer;
begin
  v_ids := array(select j.id from mcp_jobs.jobs j where j.id = any (p_job_ids) and j.status = 'waiting' order by j.id for update);
  if cardinality(v_ids) = 0 then
    return;
  end if;

  with recursive doomed (job_id, reason) as (
    select d.job_id, format('cancelled: dependency %s was %s', d.depends_on,
                            case dep.status when 'failed' then 'dead-lettered' else dep.status end)
    from mcp_jobs.job_dependencies d
    join mcp_jobs.jobs dep on dep.id = d.depends_on
    where d.job_id = any (v_ids) and dep.status in ('failed', 'cancelled')
    union
    select d.job_id, format('cancelled: dependency %s was cancelled', x.job_id)
    from doomed x
    join mcp_jobs.job_dependencies d on d.depends_on = x.job_id
    join mcp_jobs.jobs w on w.id = d.job_id and w.status = 'waiting'
  ),
  first_reason as (
    select distinct on (x.job_id) x.job_id, x.reason from doomed x order by x.job_id, x.reason
  ),
  cancelled as (
    update mcp_jobs.jobs j
    set status = 'cancelled', finished_at = clock_timestamp(), error = f.reason, updated_at = now()
    from first_reason f
    where j.id = f.job_id and j.status = 'waiting'
    returning j.id, f.reason
  )
  insert into mcp_jobs.job_events (job_id, event_type, message)
  select c.id, 'cancelled', c.reason from cancelled c;

  with ready as (
    update mcp_jobs.jobs j
    set status = 'queued', updated_at = now()
    where j.id = any (v_ids) and j.status = 'waiting'
      and not exists (select 1 from mcp_jobs.job_dependencies d join mcp_jobs.jobs dep on dep.id = d.depends_on
                      where d.job_id = j.id and dep.status <> 'completed')
    returning j.id, j.queue, j.job_type, j.priority, j.scheduled_at
  )
  select count(*) from (
    select mcp_jobs_private.wake(null, r.queue, null, null, count(*))
    from ready r where r.scheduled_at <= now() group by r.queue
  ) woken into v_woken;
end;
$$;

-- settle_dependants: settles the jobs waiting for any of p_job_ids (after those finished); cheap when none waits.
create or replace function mcp_jobs_private.settle_dependants(p_job_ids uuid[])
returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  v_waiting uuid[] := array(select distinct d.job_id from mcp_jobs.job_dependencies d where d.depends_on = any (p_job_ids));
begin
  if cardinality(v_waiting) > 0 then
    perform mcp_jobs_private.settle_waiting(v_waiting);
  end if;
end;
$$;

-- settle_dependants: the same for the jobs a batch's items name ([{job_id, ...}]); the items are not read
-- while no job waits. That check is a later statement than the one that finished the jobs: a dependant enqueued
-- meanwhile is either seen waiting, or its enqueue (which locks what it waits for FOR SHARE) saw them finished.
create or replace function mcp_jobs_private.settle_dependants(p_items jsonb)
returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  if exists (select 1 from mcp_jobs.jobs j where j.status = 'waiting') then
    perform mcp_jobs_private.settle_dependants(array(
      select btrim(e.item ->> 'job_id')::uuid
      from jsonb_array_elements(p_items) as e (item)
      where (e.item ->> 'job_id') ~* mcp_jobs_private.id_pattern()));
  end if;
end;
$$;

-- ============================================================================================================
-- Claiming
-- ============================================================================================================

-- pick_free: locks up to p_limit due jobs of queues without limits (p_queue, or any such unpaused queue when null),
-- lowest priority number first, then oldest scheduled_at; FOR UPDATE SKIP LOCKED.
-- Any queue: one claimable index (queue first) serves both cases. The queues with queued jobs are found by skipping
-- through that index (one probe per queue), the first due jobs of each are read from it in order, and the best of
-- those are locked; a plain ORDER BY over all queues would sort every queued job on every claim. Candidates are
-- p_limit + 64 per queue, so that concurrent claims skipping each other's locked rows still find free ones.
create or replace function mcp_jobs_private.pick_free(p_queue text, p_job_types text[], p_limit integer)
returns uuid[]
language plpgsql volatile
set search_path = ''
set jit = off
set enable_seqscan = off
as $$
begin
  if p_queue is not null then
    return array(
      select j.id
      from mcp_jobs.jobs j
      where j.status = 'queued' and j.queue = p_queue and j.scheduled_at <= now()
        and (p_job_types is null or j.job_type = any (p_job_types))
      order by j.priority, j.scheduled_at, j.seq
      limit p_limit
      for update skip locked);
  end if;
  return array(
    with recursive queues (queue) as (
      select min(j.queue) from mcp_jobs.jobs j where j.status = 'queued'
      union all
      select (select min(j.queue) from mcp_jobs.jobs j where j.status = 'queued' and j.queue > q.queue)
      from queues q where q.queue is not null
    ),
    candidates as (
      select c.*
      from queues q
      cross join lateral (
        select j.id, j.priority, j.scheduled_at, j.seq
        from mcp_jobs.jobs j
        where j.status = 'queued' and j.queue = q.queue and j.scheduled_at <= now()
          and (p_job_types is null or j.job_type = any (p_job_types))
        order by j.priority, j.scheduled_at, j.seq
        limit p_limit + 64) c
      where q.queue is not null
        and not exists (select 1 from mcp_jobs.queue_settings s
                        where s.queue = q.queue and (not s.processing_enabled or s.limited))
      order by c.priority, c.scheduled_at, c.seq
      limit p_limit + 64
    )
    select j.id
    from candidates c
    join mcp_jobs.jobs j on j.id = c.id
    where j.status = 'queued'
    order by c.priority, c.scheduled_at, c.seq
    limit p_limit
    for update of j skip locked);
end;
$$;

-- pick_limited: locks up to p_limit due jobs of a queue with limits, as many as its limits allow now. Takes the
-- queue's settings row lock first, so limited claims of one queue run one at a time (no over-admission); counts
-- the window against the clock under that lock, and log_starts tells the caller to record the starts (run_starts)
-- with their exact start times, which makes "never more than rate_limit starts in any window" exact.
create or replace function mcp_jobs_private.pick_limited(
  p_queue text, p_job_types text[], p_limit integer, out ids uuid[], out log_starts boolean
)
language plpgsql volatile
set search_path = ''
set jit = off
set enable_seqscan = off
as $$
declare
  s mcp_jobs.queue_settings;
  v_room integer := p_limit;
  v_since timestamptz;
  v_scan integer := 4 * p_limit + 64;
begin
  ids := '{}';
  select * into s from mcp_jobs.queue_settings q where q.queue = p_queue for update;
  if not found or not s.processing_enabled then
    return;
  end if;
  log_starts := s.rate_window_seconds is not null;
  if log_starts then
    v_since := clock_timestamp() - make_interval(secs => s.rate_window_seconds);
    delete from mcp_jobs_private.run_starts r where r.queue = p_queue and r.started_at <= v_since;
  end if;
  if s.max_running is not null then
    v_room := least(v_room, s.max_running - (
      select count(*) from mcp_jobs.jobs j where j.status = 'running' and j.queue = p_queue));
  end if;
  if s.rate_limit is not null then
    v_room := least(v_room, s.rate_limit - (
      select count(*) from mcp_jobs_private.run_starts r where r.queue = p_queue and r.started_at > v_since));
  end if;
  if v_room <= 0 then
    return;
  end if;

  if s.group_max_running is null and s.group_rate_limit is null then
    ids := array(
      select j.id
      from mcp_jobs.jobs j
      where j.status = 'queued' and j.queue = p_queue and j.scheduled_at <= now()
        and (p_job_types is null or j.job_type = any (p_job_types))
      order by j.priority, j.scheduled_at, j.seq
      limit v_room
      for update skip locked);
  else
    -- the usual case: the first due jobs in claim order include enough keys with room. Walk them in that order and
    -- take each job that is among its key's next jobs (in priority, then enqueue order, all of them due) while the
    -- key has room: two index probes per job read instead of a probe per key of the queue.
    ids := array(
      select f.id
      from (
        select j.id, j.group_key, j.priority, j.seq
        from mcp_jobs.jobs j
        where j.status = 'queued' and j.queue = p_queue and j.scheduled_at <= now()
          and (p_job_types is null or j.job_type = any (p_job_types))
        order by j.priority, j.scheduled_at, j.seq
        limit v_scan
      ) f
      left join lateral (
        select least(
          coalesce(s.group_max_running - (
            select count(*) from (select from mcp_jobs.jobs r
                                  where r.status = 'running' and r.group_key is not null and r.queue = p_queue
                                    and r.group_key = f.group_key
                                  limit s.group_max_running) x), p_limit),
          coalesce(s.group_rate_limit - (
            select count(*) from (select from mcp_jobs_private.run_starts r
                                  where r.queue = p_queue and r.group_key = f.group_key and r.started_at > v_since
                                  limit s.group_rate_limit) x), p_limit)) as room
        where f.group_key is not null
      ) k on true
      cross join lateral (
        select count(*) as n, coalesce(bool_and(b.ready), true) as ready
        from (select (b.scheduled_at <= now() and (p_job_types is null or b.job_type = any (p_job_types))) as ready
              from mcp_jobs.jobs b
              where b.status = 'queued' and b.queue = p_queue and b.group_key = f.group_key
                and (b.priority, b.seq) < (f.priority, f.seq)
              order by b.priority, b.seq
              limit greatest(k.room, 0)) b
      ) before
      where f.group_key is null or (k.room > 0 and before.n < k.room and before.ready)
      limit v_room);
    -- too few among the first v_scan due jobs (the front held keys without room): look at every key
    if cardinality(ids) < v_room and (select count(*) from (
          select from mcp_jobs.jobs j
          where j.status = 'queued' and j.queue = p_queue and j.scheduled_at <= now()
            and (p_job_types is null or j.job_type = any (p_job_types))
          limit v_scan) x) >= v_scan then
      ids := array(
        with recursive keys (k) as (
          -- the group keys with queued jobs, by a loose scan of jobs_queued_group_idx (one probe per key)
          (select j.group_key from mcp_jobs.jobs j
           where j.status = 'queued' and j.queue = p_queue and j.group_key is not null
           order by j.group_key limit 1)
          union all
          select (select j.group_key from mcp_jobs.jobs j
                  where j.status = 'queued' and j.queue = p_queue and j.group_key > keys.k
                  order by j.group_key limit 1)
          from keys
          where keys.k is not null
        ),
        running as (
          select j.group_key, count(*) as n
          from mcp_jobs.jobs j
          where j.status = 'running' and j.queue = p_queue and j.group_key is not null
          group by j.group_key
        ),
        started as (
          select r.group_key, count(*) as n
          from mcp_jobs_private.run_starts r
          where s.group_rate_limit is not null and r.queue = p_queue and r.group_key is not null
            and r.started_at > v_since
          group by r.group_key
        ),
        room as (
          select k.k, least(coalesce(s.group_max_running - ru.n, s.group_max_running, p_limit),
                            coalesce(s.group_rate_limit - st.n, s.group_rate_limit, p_limit)) as n
          from keys k
          left join running ru on ru.group_key = k.k
          left join started st on st.group_key = k.k
          where k.k is not null
        ),
        -- each key's next jobs in priority, then enqueue order, up to its room; strict order: a key stops at its
        -- first job that is not due (or not of the wanted types)
        heads as (
          select h.id, h.priority, h.scheduled_at, h.seq
          from room r
          cross join lateral (
            select x.*, bool_and(x.ready) over (order by x.priority, x.seq) as prefix_ready
            from (
              select j.id, j.priority, j.scheduled_at, j.seq,
                     (j.scheduled_at <= now() and (p_job_types is null or j.job_type = any (p_job_types))) as ready
              from mcp_jobs.jobs j
              where j.status = 'queued' and j.queue = p_queue and j.group_key = r.k
              order by j.priority, j.seq
              limit r.n) x
          ) h
          where r.n > 0 and h.prefix_ready
        ),
        ungrouped as (
          select j.id, j.priority, j.scheduled_at, j.seq
          from mcp_jobs.jobs j
          where j.status = 'queued' and j.queue = p_queue and j.group_key is null and j.scheduled_at <= now()
            and (p_job_types is null or j.job_type = any (p_job_types))
          order by j.priority, j.scheduled_at, j.seq
          limit v_room
        ),
        candidates as (
          select c.id from (select * from heads union all select * from ungrouped) c
          order by c.priority, c.scheduled_at, c.seq
          limit v_room
        )
        select c.id from candidates c);
    end if;
    ids := array(
      select j.id
      from mcp_jobs.jobs j
      where j.id = any (ids) and j.status = 'queued'
      order by j.priority, j.scheduled_at, j.seq
      for update skip locked);
  end if;
end;
$$;

-- ============================================================================================================
-- Finishing, extending, logging: the batch bodies (p_single names fields p_x, else p_jobs[i].x)
-- ============================================================================================================

-- complete: completes held jobs [{job_id, run_id?, worker_id?, result?}] and writes their runs' rows.
create or replace function mcp_jobs_private.complete(p_jobs jsonb, p_single boolean)
returns table (
  ordinal integer, job_id uuid, ok boolean, status text, finished_at timestamptz, error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
set jit = off
set enable_seqscan = off
as $$
#variable_conflict use_column
begin
  return query
    with held as materialized (
      select * from mcp_jobs_private.lock_held(p_jobs, p_single, array['job_id', 'run_id', 'worker_id', 'result'])
    ),
    done as (
      update mcp_jobs.jobs j
      set status = 'completed',
          result = nullif(h.item -> 'result', 'null'::jsonb),
          progress = 100,
          error = null,
          lease_expires_at = null,
          finished_at = clock_timestamp(),
          updated_at = now()
      from held h
      where j.id = any (array(select h2.job_id from held h2 where h2.error_code is null))
        and h.error_code is null and j.id = h.job_id
      returning j.id, j.run_id, j.attempts, j.worker_id, j.started_at, j.finished_at, j.result, j.queue
    ),
    runs as (
      insert into mcp_jobs.job_runs (id, job_id, attempt, worker_id, status, started_at, finished_at, duration_ms, result)
      select d.run_id, d.id, d.attempts, d.worker_id, 'completed', d.started_at, d.finished_at,
             (extract(epoch from (d.finished_at - d.started_at)) * 1000)::integer, d.result
      from done d
    ),
    freed as (
      select mcp_jobs_private.wake_freed(array(select distinct d.queue from done d))
    )
    select h.ord, h.job_id, h.error_code is null,
           case when h.error_code is null then 'completed' end,
           d.finished_at,
           h.error_code, h.error_message
    from held h
    left join done d on d.id = h.job_id and h.error_code is null
    cross join freed
    order by h.ord;
  -- a statement of its own, after the jobs are completed: it must see dependants enqueued meanwhile
  perform mcp_jobs_private.settle_dependants(p_jobs);
end;
$$;

-- fail: fails held jobs [{job_id, run_id?, worker_id?, error?, retryable?, retry_delay_seconds?}]: retry or dead letter.
create or replace function mcp_jobs_private.fail(p_jobs jsonb, p_single boolean)
returns table (
  ordinal integer, job_id uuid, ok boolean, status text, will_retry boolean, next_attempt_at timestamptz,
  attempts integer, dead_letter_id uuid, error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
set jit = off
set enable_seqscan = off
as $$
#variable_conflict use_column
begin
  return query
    with held as materialized (
      select h.ord, h.job_id, h.error_code, h.error_message,
             case jsonb_typeof(h.item -> 'error')
               when 'string' then nullif(h.item ->> 'error', '')
               when 'object' then coalesce(h.item -> 'error' ->> 'message', (h.item -> 'error')::text)
               when 'null' then null
               else (h.item -> 'error')::text
             end as err,
             case when h.error_code is null then (h.item ->> 'retryable')::boolean end as retryable,
             case when h.error_code is null then (h.item ->> 'retry_delay_seconds')::numeric::integer end as delay
      from mcp_jobs_private.lock_held(
        p_jobs, p_single, array['job_id', 'run_id', 'worker_id', 'error', 'retryable', 'retry_delay_seconds']) h
    ),
    failed as materialized (
      select f.*
      from mcp_jobs_private.fail_locked(
        array(select h.job_id from held h where h.error_code is null order by h.ord),
        array(select coalesce(h.err, 'job failed (no error message given)') from held h where h.error_code is null order by h.ord),
        array(select h.retryable from held h where h.error_code is null order by h.ord),
        array(select h.delay from held h where h.error_code is null order by h.ord),
        'failed') f
    )
    select h.ord, h.job_id, h.error_code is null, f.status, f.will_retry, f.next_attempt_at, f.attempts, f.dead_letter_id,
           h.error_code, h.error_message
    from held h
    left join failed f on h.error_code is null and f.job_id = h.job_id
    order by h.ord;
  perform mcp_jobs_private.settle_dependants(p_jobs);
end;
$$;

-- heartbeat: extends held leases [{job_id, run_id?, worker_id?, lease_seconds?, progress?, message?}] to now() +
-- lease_seconds (default 300) and logs 'progress' events when progress or a message is given.
create or replace function mcp_jobs_private.heartbeat(p_jobs jsonb, p_single boolean)
returns table (
  ordinal integer, job_id uuid, ok boolean, lease_expires_at timestamptz, progress integer,
  error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
set jit = off
set enable_seqscan = off
as $$
#variable_conflict use_column
begin
  return query
    with held as materialized (
      select h.ord, h.job_id, h.run_id, h.error_code, h.error_message,
             case when h.error_code is null then coalesce((h.item ->> 'lease_seconds')::numeric::integer, 300) end as lease,
             case when h.error_code is null then (h.item ->> 'progress')::numeric::integer end as progress,
             nullif(h.item ->> 'message', '') as msg
      from mcp_jobs_private.lock_held(
        p_jobs, p_single, array['job_id', 'run_id', 'worker_id', 'lease_seconds', 'progress', 'message']) h
    ),
    extended as (
      update mcp_jobs.jobs j
      set lease_expires_at = clock_timestamp() + make_interval(secs => h.lease),
          progress = coalesce(h.progress, j.progress),
          updated_at = now()
      from held h
      where j.id = any (array(select h2.job_id from held h2 where h2.error_code is null))
        and h.error_code is null and j.id = h.job_id
      returning j.id, j.lease_expires_at, j.progress
    ),
    events as (
      insert into mcp_jobs.job_events (job_id, run_id, event_type, message, data)
      select h.job_id, h.run_id, 'progress', h.msg,
             case when h.progress is not null then jsonb_build_object('progress', h.progress) end
      from held h
      where h.error_code is null and (h.progress is not null or h.msg is not null)
    )
    select h.ord, h.job_id, h.error_code is null, e.lease_expires_at, e.progress, h.error_code, h.error_message
    from held h
    left join extended e on e.id = h.job_id and h.error_code is null
    order by h.ord;
end;
$$;

-- log_events: appends events [{job_id, message?, event_type? ('log' | 'progress'), data?, run_id?}] to jobs in any
-- state (with run_id: only while it is the job's current run). Linear: each job is looked up once by primary key and
-- event ids are drawn per item before the insert.
create or replace function mcp_jobs_private.log_events(p_events jsonb, p_single boolean)
returns table (ordinal integer, job_id uuid, ok boolean, event_id bigint, error_code text, error_message text)
language plpgsql volatile
set search_path = ''
set jit = off
set enable_seqscan = off
as $$
#variable_conflict use_column
begin
  return query
  with parsed as materialized (
    select x.*,
           case when x.problem is null then btrim(x.item ->> 'job_id')::uuid end as jid,
           case when x.problem is null then btrim(x.item ->> 'run_id')::uuid end as rid
    from (
      select e.ord::integer as ord, e.item,
             mcp_jobs_private.item_problem(e.item, case when p_single then 'p_' else format('p_events[%s].', e.ord - 1) end,
                                           array['job_id', 'run_id', 'message', 'event_type', 'data'], array['job_id']) as problem
      from jsonb_array_elements(p_events) with ordinality as e (item, ord)
    ) x
  ),
  targets as materialized (
    select j.id, j.run_id, j.status
    from mcp_jobs.jobs j
    where j.id = any (array(select distinct p.jid from parsed p where p.jid is not null))
  ),
  checked as materialized (
    select p.ord, p.jid, p.item, coalesce(p.rid, j.run_id) as run_id,
      case
        when p.problem is not null then '22023'
        when j.id is null then 'PT404'
        when p.rid is not null and (j.run_id is distinct from p.rid or j.status <> 'running') then 'PT409'
      end as code,
      case
        when p.problem is not null then p.problem
        when j.id is null then format('job %s not found: check the job id', p.jid)
        when p.rid is not null and (j.run_id is distinct from p.rid or j.status <> 'running') then
          format('run %s of job %s is no longer current (job re-claimed): the job is %s', p.rid, p.jid, j.status)
      end as message
    from parsed p
    left join targets j on j.id = p.jid
  ),
  numbered as materialized (
    select c.*, case when c.code is null then nextval('mcp_jobs.job_events_id_seq'::regclass) end as event_id
    from (select * from checked order by ord) c
  ),
  inserted as (
    insert into mcp_jobs.job_events (id, job_id, run_id, event_type, message, data)
    overriding system value
    select n.event_id, n.jid, n.run_id, coalesce(nullif(n.item ->> 'event_type', ''), 'log'), n.item ->> 'message',
           case when jsonb_typeof(n.item -> 'data') in ('object', 'array') then n.item -> 'data' end
    from numbered n
    where n.code is null
  )
  select n.ord, n.jid, n.code is null, n.event_id, n.code, n.message
  from numbered n
  order by n.ord;
end;
$$;

-- snooze: puts held jobs [{job_id, run_id?, worker_id?, seconds? | until?, reason?}] back to queued at that time
-- without counting the attempt; the run ends as 'snoozed' (its row keeps the reason and the time). A job already
-- snoozed max_snoozes times is failed instead (retried or dead-lettered, as fail does).
create or replace function mcp_jobs_private.snooze(p_jobs jsonb, p_single boolean)
returns table (
  ordinal integer, job_id uuid, ok boolean, status text, scheduled_at timestamptz, snoozes integer,
  error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
set jit = off
set enable_seqscan = off
as $$
#variable_conflict use_column
begin
  return query
    with held as materialized (
      select h.ord, h.job_id, h.run_id, h.queue, h.worker_id, h.started_at, h.attempts, h.snoozes, h.max_snoozes,
             coalesce(h.error_code, case when x.both_or_none then '22023' end) as code,
             coalesce(h.error_message, case when x.both_or_none then
               format('pass %sseconds or %suntil (one of them): how long to snooze, or until when', h.prefix, h.prefix) end)
               as message,
             case when h.error_code is null and not x.both_or_none then
               coalesce(clock_timestamp() + make_interval(secs => (h.item ->> 'seconds')::numeric::integer),
                        (h.item ->> 'until')::timestamptz) end as until,
             nullif(h.item ->> 'reason', '') as reason
      from mcp_jobs_private.lock_held(p_jobs, p_single, array['job_id', 'run_id', 'worker_id', 'seconds', 'until', 'reason']) h
      cross join lateral (select (nullif(h.item -> 'seconds', 'null'::jsonb) is null) =
                                 (nullif(h.item -> 'until', 'null'::jsonb) is null) as both_or_none) x
    ),
    -- over its snooze cap: a failed attempt
    capped as materialized (
      select f.*
      from mcp_jobs_private.fail_locked(
        array(select h.job_id from held h where h.code is null and h.snoozes >= h.max_snoozes order by h.ord),
        array(select format('snoozed %s times (max_snoozes), then: %s', h.snoozes, coalesce(h.reason, 'snoozed again'))
              from held h where h.code is null and h.snoozes >= h.max_snoozes order by h.ord),
        null, null, 'failed') f
    ),
    snoozed as (
      update mcp_jobs.jobs j
      set status = 'queued', scheduled_at = h.until, attempts = j.attempts - 1, snoozes = j.snoozes + 1,
          worker_id = null, lease_expires_at = null, updated_at = now()
      from held h
      where j.id = any (array(select h2.job_id from held h2 where h2.code is null and h2.snoozes < h2.max_snoozes))
        and h.job_id = j.id
      returning j.id, j.scheduled_at, j.snoozes, j.queue, j.job_type, j.priority
    ),
    runs as (
      insert into mcp_jobs.job_runs (id, job_id, attempt, worker_id, status, started_at, finished_at, duration_ms, error,
                                     retry_at)
      select h.run_id, h.job_id, h.attempts, h.worker_id, 'snoozed', h.started_at, clock_timestamp(),
             (extract(epoch from (clock_timestamp() - h.started_at)) * 1000)::integer, h.reason, h.until
      from held h join snoozed s on s.id = h.job_id
    ),
    woken as (
      select count(*) from (
        select mcp_jobs_private.wake(s.id, s.queue, s.job_type, s.priority, 1) from snoozed s where s.scheduled_at <= now()
        union all
        select mcp_jobs_private.wake_freed(array(select distinct s.queue from snoozed s))
      ) w
    )
    select h.ord, h.job_id, h.code is null, coalesce(c.status, case when s.id is not null then 'queued' end),
           coalesce(c.next_attempt_at, s.scheduled_at), coalesce(s.snoozes, h.snoozes), h.code, h.message
    from held h
    left join snoozed s on s.id = h.job_id and h.code is null
    left join capped c on c.job_id = h.job_id and h.code is null
    cross join woken
    order by h.ord;
  perform mcp_jobs_private.settle_dependants(p_jobs);
end;
$$;

-- ============================================================================================================
-- API
-- ============================================================================================================

create or replace function mcp_jobs.claim_next_job(
  p_worker_id text,
  p_queue text default null,
  p_job_types text[] default null,
  p_limit integer default 1,
  p_lease_seconds integer default 300
) returns setof mcp_jobs.jobs
language plpgsql volatile
set search_path = ''
set jit = off
set enable_seqscan = off
-- for `id = any (v_ids)` the planner otherwise judges the custom plan cheaper and re-plans every claim
set plan_cache_mode = force_generic_plan
as $$
declare
  v_queue text := mcp_jobs_private.queue_name(p_queue);
  v_settings mcp_jobs.queue_settings;
  v_ids uuid[] := '{}';
  v_log_queues text[] := '{}';
  v_pick record;
begin
  if p_worker_id is null or btrim(p_worker_id) = '' then
    raise exception 'p_worker_id is required: pass a name for this worker, e.g. ''n8n-worker-1''' using errcode = '22023';
  end if;
  p_worker_id := mcp_jobs_private.worker_name(p_worker_id);
  perform mcp_jobs_private.int_arg(p_limit, 'p_limit', 1, 1000);
  perform mcp_jobs_private.int_arg(p_lease_seconds, 'p_lease_seconds', 1, 86400);
  if cardinality(p_job_types) = 0 then
    p_job_types := null;
  end if;

  -- cheap when nothing expired: the partial index holds only running jobs, by queue and lease end (one statement
  -- per case: with `v_queue is null or ...` the cached plan could not seek to the queue and read every running job)
  if v_queue is not null then
    if exists (select 1 from mcp_jobs.jobs j
               where j.status = 'running' and j.queue = v_queue and j.lease_expires_at < now()) then
      perform mcp_jobs.reap_expired_jobs(v_queue, 1000);
    end if;
  elsif exists (select 1 from mcp_jobs.jobs j where j.status = 'running' and j.lease_expires_at < now()) then
    perform mcp_jobs.reap_expired_jobs(null, 1000);
  end if;

  if v_queue is not null then
    select * into v_settings from mcp_jobs.queue_settings s where s.queue = v_queue;
    if found and not v_settings.processing_enabled then
      return;
    end if;
    if found and v_settings.limited then
      v_pick := mcp_jobs_private.pick_limited(v_queue, p_job_types, p_limit);
      v_ids := v_pick.ids;
      if v_pick.log_starts then
        v_log_queues := array[v_queue];
      end if;
    else
      v_ids := mcp_jobs_private.pick_free(v_queue, p_job_types, p_limit);
    end if;
  else
    -- any queue: each limited queue with a due job, within its limits, then the queues without limits
    for v_settings in
      select s.* from mcp_jobs.queue_settings s
      where s.processing_enabled and s.limited
        and exists (select 1 from mcp_jobs.jobs j
                    where j.status = 'queued' and j.queue = s.queue and j.scheduled_at <= now())
      order by s.queue
    loop
      exit when cardinality(v_ids) >= p_limit;
      v_pick := mcp_jobs_private.pick_limited(v_settings.queue, p_job_types, p_limit - cardinality(v_ids));
      v_ids := v_ids || v_pick.ids;
      if v_pick.log_starts then
        v_log_queues := v_log_queues || v_settings.queue;
      end if;
    end loop;
    if cardinality(v_ids) < p_limit then
      v_ids := v_ids || mcp_jobs_private.pick_free(null, p_job_types, p_limit - cardinality(v_ids));
    end if;
  end if;
  -- start the runs: only the job row is written (the run's row comes when it ends). Runs start (and end) at
  -- clock_timestamp(), not now(): this claim may have waited for a limited queue's lock, and its transaction's
  -- start would then precede the end of the run it waited for.
  return query
    with started as (
      update mcp_jobs.jobs j
      set status = 'running',
          worker_id = p_worker_id,
          attempts = j.attempts + 1,
          run_id = gen_random_uuid(),
          lease_expires_at = clock_timestamp() + make_interval(secs => p_lease_seconds),
          started_at = clock_timestamp(),
          progress = null,
          updated_at = now()
      where j.id = any (v_ids)
      returning j.*
    ),
    logged as (
      insert into mcp_jobs_private.run_starts (queue, group_key, started_at)
      select s.queue, s.group_key, s.started_at from started s where s.queue = any (v_log_queues)
    )
    select * from started s order by s.priority, s.scheduled_at, s.seq;
end;
$$;
comment on function mcp_jobs.claim_next_job(text, text, text[], integer, integer) is
  'Claims up to p_limit (1-1000) due jobs of unpaused queues (p_queue null = any queue) for p_worker_id, lowest '
  'priority number first, then oldest scheduled_at; FOR UPDATE SKIP LOCKED, so concurrent workers never get the same '
  'job. Each claimed job is running with a lease of p_lease_seconds (1-86400) and a new run_id: pass it to '
  'complete/fail/heartbeat so a stale worker cannot touch a newer run. Expired leases are reaped first. Queue limits '
  '(set_queue_limits) hold across all workers: a claim returns fewer jobs when a limit is reached, and never waits; '
  'within a group key jobs start in priority, then enqueue order. With p_queue null, limited queues are served first.';

create or replace function mcp_jobs.reap_expired_jobs(p_queue text default null, p_limit integer default 1000)
returns table (job_id uuid, queue text, action text, dead_letter_id uuid)
language plpgsql volatile
set search_path = ''
set jit = off
set enable_seqscan = off
as $$
#variable_conflict use_column
declare
  v_queue text := mcp_jobs_private.queue_name(p_queue);
  v_ids uuid[];
  v_workers text[];
begin
  perform mcp_jobs_private.int_arg(p_limit, 'p_limit', 1, 10000);
  select array_agg(e.id order by e.id), array_agg(e.worker_id order by e.id) into v_ids, v_workers
  from (
    select j.id, j.worker_id
    from mcp_jobs.jobs j
    where j.status = 'running' and j.lease_expires_at < now()
      and (v_queue is null or j.queue = v_queue)
    order by j.lease_expires_at
    limit p_limit
    for update skip locked
  ) e;
  if v_ids is null then
    return;
  end if;
  return query
  select f.job_id, j.queue, case when f.will_retry then 'requeued' else 'dead_lettered' end, f.dead_letter_id
  from mcp_jobs_private.fail_locked(
         v_ids,
         (select array_agg(format('lease expired: worker %s stopped renewing it', coalesce(w, '?')))
          from unnest(v_workers) as w),
         null, array_fill(0, array[cardinality(v_ids)]), 'lease_expired') f
  join mcp_jobs.jobs j on j.id = f.job_id;
  perform mcp_jobs_private.settle_dependants(v_ids);
end;
$$;
comment on function mcp_jobs.reap_expired_jobs(text, integer) is
  'Closes up to p_limit (1-10000) runs whose lease expired (run status lease_expired, counted as a failed attempt): '
  'the job is queued again at once, or dead-lettered when out of retries. Skips rows other sessions hold. '
  'claim_next_job does this itself; call it from a schedule when no worker claims.';

create or replace function mcp_jobs.complete_jobs(p_jobs jsonb)
returns table (
  ordinal integer, job_id uuid, ok boolean, status text, finished_at timestamptz, error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
as $$
begin
  perform mcp_jobs_private.check_batch(p_jobs, 'p_jobs');
  return query select * from mcp_jobs_private.complete(p_jobs, false);
end;
$$;
comment on function mcp_jobs.complete_jobs(jsonb) is
  'Completes a batch [{job_id, run_id?, worker_id?, result?}] (at most 10000) in one call; one row per item, in order. '
  'An item the caller does not hold (unknown, not running, another run, another worker) gets ok = false with '
  'error_code/error_message and changes nothing; the others complete.';

drop function if exists mcp_jobs.complete_job(uuid, jsonb, text);
create or replace function mcp_jobs.complete_job(
  p_job_id uuid,
  p_result jsonb default null,
  p_worker_id text default null,
  p_run_id uuid default null
) returns mcp_jobs.jobs
language plpgsql volatile
set search_path = ''
as $$
declare
  r record;
  v_job mcp_jobs.jobs;
begin
  select * into r from mcp_jobs_private.complete(jsonb_build_array(jsonb_build_object(
    'job_id', p_job_id, 'result', p_result, 'worker_id', p_worker_id, 'run_id', p_run_id)), true);
  if not r.ok then
    perform mcp_jobs_private.raise(r.error_code, r.error_message);
  end if;
  select * into v_job from mcp_jobs.jobs j where j.id = p_job_id;
  return v_job;
end;
$$;
comment on function mcp_jobs.complete_job(uuid, jsonb, text, uuid) is
  'Marks a running job completed with p_result. With p_run_id (the run_id its claim returned) or p_worker_id, only '
  'if the caller still holds it: PT409 when it was cancelled, finished, or re-claimed as a newer run; PT404 when unknown.';

create or replace function mcp_jobs.fail_jobs(p_jobs jsonb)
returns table (
  ordinal integer, job_id uuid, ok boolean, status text, will_retry boolean, next_attempt_at timestamptz,
  attempts integer, dead_letter_id uuid, error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
as $$
begin
  perform mcp_jobs_private.check_batch(p_jobs, 'p_jobs');
  return query select * from mcp_jobs_private.fail(p_jobs, false);
end;
$$;
comment on function mcp_jobs.fail_jobs(jsonb) is
  'Fails a batch [{job_id, run_id?, worker_id?, error, retryable?, retry_delay_seconds?}] (at most 10000) in one call; '
  'one row per item, in order. Items the caller does not hold get ok = false; the others are retried or dead-lettered '
  'as fail_job describes.';

drop function if exists mcp_jobs.fail_job(uuid, text, text, boolean, integer);
create or replace function mcp_jobs.fail_job(
  p_job_id uuid,
  p_error text,
  p_worker_id text default null,
  p_retryable boolean default true,
  p_retry_delay_seconds integer default null,
  p_run_id uuid default null,
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
  select * into r from mcp_jobs_private.fail(jsonb_build_array(jsonb_build_object(
    'job_id', p_job_id, 'error', p_error, 'worker_id', p_worker_id, 'retryable', p_retryable,
    'retry_delay_seconds', p_retry_delay_seconds, 'run_id', p_run_id)), true);
  if not r.ok then
    perform mcp_jobs_private.raise(r.error_code, r.error_message);
  end if;
  job_id := r.job_id;
  status := r.status;
  will_retry := r.will_retry;
  next_attempt_at := r.next_attempt_at;
  attempts := r.attempts;
  dead_letter_id := r.dead_letter_id;
end;
$$;
comment on function mcp_jobs.fail_job(uuid, text, text, boolean, integer, uuid) is
  'Records a failed run. Retries with exponential backoff (retry_delay_seconds * 2^(attempt-1), +0-10% jitter, capped '
  'at one hour) while attempts <= max_retries and p_retryable; else moves the job to the dead letter queue. '
  'p_retry_delay_seconds overrides the backoff for this retry. Holder checks (p_run_id, p_worker_id) as complete_job.';

create or replace function mcp_jobs.heartbeat_jobs(p_jobs jsonb)
returns table (
  ordinal integer, job_id uuid, ok boolean, lease_expires_at timestamptz, progress integer,
  error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
as $$
begin
  perform mcp_jobs_private.check_batch(p_jobs, 'p_jobs');
  return query select * from mcp_jobs_private.heartbeat(p_jobs, false);
end;
$$;
comment on function mcp_jobs.heartbeat_jobs(jsonb) is
  'Extends the leases of a batch [{job_id, run_id?, worker_id?, lease_seconds?, progress?, message?}] of held jobs in '
  'one call and records progress; one row per item. ok = false (PT409) tells a worker it lost the job.';

drop function if exists mcp_jobs.heartbeat_job(uuid, text, integer, integer, text);
create or replace function mcp_jobs.heartbeat_job(
  p_job_id uuid,
  p_worker_id text default null,
  p_lease_seconds integer default 300,
  p_progress integer default null,
  p_message text default null,
  p_run_id uuid default null,
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
  select * into r from mcp_jobs_private.heartbeat(jsonb_build_array(jsonb_build_object(
    'job_id', p_job_id, 'worker_id', p_worker_id, 'lease_seconds', p_lease_seconds, 'progress', p_progress,
    'message', p_message, 'run_id', p_run_id)), true);
  if not r.ok then
    perform mcp_jobs_private.raise(r.error_code, r.error_message);
  end if;
  job_id := r.job_id;
  lease_expires_at := r.lease_expires_at;
  progress := r.progress;
end;
$$;
comment on function mcp_jobs.heartbeat_job(uuid, text, integer, integer, text, uuid) is
  'Extends a held job''s lease to now() + p_lease_seconds (1-86400), optionally recording progress (0-100) and a '
  'message. Raises PT409 when the job is no longer held (cancelled, finished, re-claimed), so the worker can stop.';

create or replace function mcp_jobs.snooze_jobs(p_jobs jsonb)
returns table (
  ordinal integer, job_id uuid, ok boolean, status text, scheduled_at timestamptz, snoozes integer,
  error_code text, error_message text
)
language plpgsql volatile
set search_path = ''
as $$
begin
  perform mcp_jobs_private.check_batch(p_jobs, 'p_jobs');
  return query select * from mcp_jobs_private.snooze(p_jobs, false);
end;
$$;
comment on function mcp_jobs.snooze_jobs(jsonb) is
  'Snoozes a batch [{job_id, run_id?, worker_id?, seconds? | until?, reason?}] of held jobs in one call; one row per '
  'item, in order, as snooze_job describes.';

create or replace function mcp_jobs.snooze_job(
  p_job_id uuid,
  p_worker_id text default null,
  p_run_id uuid default null,
  p_seconds integer default null,
  p_until timestamptz default null,
  p_reason text default null,
  out job_id uuid,
  out status text,
  out scheduled_at timestamptz,
  out snoozes integer
)
language plpgsql volatile
set search_path = ''
as $$
declare
  r record;
begin
  select * into r from mcp_jobs_private.snooze(jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
    'job_id', p_job_id, 'worker_id', p_worker_id, 'run_id', p_run_id, 'seconds', p_seconds, 'until', p_until,
    'reason', p_reason))), true);
  if not r.ok then
    perform mcp_jobs_private.raise(r.error_code, r.error_message);
  end if;
  job_id := r.job_id;
  status := r.status;
  scheduled_at := r.scheduled_at;
  snoozes := r.snoozes;
end;
$$;
comment on function mcp_jobs.snooze_job(uuid, text, uuid, integer, timestamptz, text) is
  'Puts a held job back to queued for p_seconds (0-2592000) or until p_until, without counting the attempt (a 429 '
  'with Retry-After, an upstream not ready yet); the run ends as snoozed with p_reason. After max_snoozes snoozes '
  '(default 100) it counts as a failed attempt instead: status shows what happened. Holder checks as complete_job.';

create or replace function mcp_jobs.log_job_events(p_events jsonb)
returns table (ordinal integer, job_id uuid, ok boolean, event_id bigint, error_code text, error_message text)
language plpgsql volatile
set search_path = ''
as $$
begin
  perform mcp_jobs_private.check_batch(p_events, 'p_events');
  return query select * from mcp_jobs_private.log_events(p_events, false);
end;
$$;
comment on function mcp_jobs.log_job_events(jsonb) is
  'Appends a batch of events [{job_id, message, event_type? (''log'' | ''progress''), data?, run_id?}] (at most 10000) '
  'to jobs in any state (with run_id: only while that run is current); one row per item with the event id, or '
  'ok = false for an unknown job, a stale run or a bad field.';

drop function if exists mcp_jobs.log_job_event(uuid, text, text, jsonb);
create or replace function mcp_jobs.log_job_event(
  p_job_id uuid,
  p_message text,
  p_event_type text default 'log',
  p_data jsonb default null,
  p_run_id uuid default null
) returns bigint
language plpgsql volatile
set search_path = ''
as $$
declare
  r record;
begin
  select * into r from mcp_jobs_private.log_events(jsonb_build_array(jsonb_build_object(
    'job_id', p_job_id, 'message', p_message, 'event_type', p_event_type, 'data', p_data, 'run_id', p_run_id)), true);
  if not r.ok then
    perform mcp_jobs_private.raise(r.error_code, r.error_message);
  end if;
  return r.event_id;
end;
$$;
comment on function mcp_jobs.log_job_event(uuid, text, text, jsonb, uuid) is
  'Appends a ''log'' (or ''progress'') event with a message and optional data to a job and returns its id; with '
  'p_run_id, only while that run is the job''s current run (PT409 otherwise).';

drop function if exists mcp_jobs.release_jobs(uuid[], text);
create or replace function mcp_jobs.release_jobs(p_job_ids uuid[], p_worker_id text, p_run_ids uuid[] default null)
returns table (ordinal integer, job_id uuid, ok boolean, status text, error_code text, error_message text)
language plpgsql volatile
set search_path = ''
set jit = off
set enable_seqscan = off
as $$
#variable_conflict use_column
declare
  v_worker text := mcp_jobs_private.worker_name(p_worker_id);
  v_items jsonb;
begin
  if v_worker is null then
    raise exception 'p_worker_id is required: pass the worker that claimed the jobs' using errcode = '22023';
  end if;
  if p_job_ids is null then
    raise exception 'p_job_ids must be an array of job ids (UUIDs)' using errcode = '22023';
  end if;
  if cardinality(p_job_ids) > 10000 then
    raise exception 'p_job_ids has % ids; send at most 10000 per call', cardinality(p_job_ids) using errcode = '22023';
  end if;
  if p_run_ids is not null and cardinality(p_run_ids) <> cardinality(p_job_ids) then
    raise exception 'p_run_ids has % ids but p_job_ids has %: pass one run id per job (the run_id of its claim)',
      cardinality(p_run_ids), cardinality(p_job_ids) using errcode = '22023';
  end if;
  select coalesce(jsonb_agg(jsonb_build_object('job_id', u.id, 'run_id', u.run_id, 'worker_id', v_worker) order by u.ord),
                  '[]'::jsonb)
  into v_items
  from unnest(p_job_ids, coalesce(p_run_ids, array_fill(null::uuid, array[cardinality(p_job_ids)])))
       with ordinality as u (id, run_id, ord);

  return query
  with held as materialized (
    select h.*
    from mcp_jobs_private.lock_held(v_items, false, array['job_id', 'run_id', 'worker_id']) h
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
    from held h
    -- the run before the released one
    left join lateral (
      select r.id as run_id, r.started_at
      from mcp_jobs.job_runs r
      where r.job_id = h.job_id
      order by r.attempt desc, r.started_at desc
      limit 1
    ) p on true
    where h.error_code is null and j.id = h.job_id
    returning j.id, j.queue, j.job_type, j.priority, j.scheduled_at, j.seq
  ),
  events as (
    insert into mcp_jobs.job_events (job_id, run_id, event_type, message, data)
    select h.job_id, h.run_id, 'requeued',
           format('released by worker %s before it started; the attempt does not count', v_worker),
           jsonb_build_object('released_run_id', h.run_id)
    from held h
    where h.error_code is null
  ),
  -- the jobs are due again: one wake-up per queue, as for new jobs
  woken as (
    select count(*) as n
    from (
      select mcp_jobs_private.wake(w.id, w.queue, w.job_type, w.priority, w.cnt)
      from (
        select distinct on (r.queue) r.queue, r.id, r.job_type, r.priority, count(*) over (partition by r.queue) as cnt
        from released r
        order by r.queue, r.priority, r.scheduled_at, r.seq
      ) w
    ) n
  )
  select h.ord, h.job_id, h.error_code is null, case when h.error_code is null then 'queued' end,
         h.error_code,
         replace(h.error_message, format('p_jobs[%s].job_id', h.ord - 1), format('p_job_ids[%s]', h.ord - 1))
  from held h
  cross join woken
  order by h.ord;
end;
$$;
comment on function mcp_jobs.release_jobs(uuid[], text, uuid[]) is
  'Puts jobs p_worker_id claimed but never started back to queued as if unclaimed (attempt not counted, no run row, '
  'a ''requeued'' event) and wakes listeners; one row per id, in order (ok = false on error). With p_run_ids '
  '(one per job, from the claim), only those runs are released.';

do $$ begin perform mcp_jobs_private.secure_functions(); end $$;
