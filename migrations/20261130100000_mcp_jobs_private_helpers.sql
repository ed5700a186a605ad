-- 0.2.0: schema mcp_jobs_private, and the helpers every public function shares.
--
-- Why: in 0.1.0 the helpers (_raise, _check_batch, _int_field, _whole_number_or_null, _wake, _backoff_seconds, ...)
-- lived in mcp_jobs, so once mcp_jobs is exposed to the Data API they were callable as RPC (/rpc/_start_runs put a
-- completed job back to running). Helpers now live in mcp_jobs_private, a schema that is never exposed; only the
-- documented API stays in mcp_jobs. A later file of this release drops the old mcp_jobs._* helpers.
--
-- It also makes the input rules one function: a field has the same rule in every function that takes it
-- (item_problem), where 0.1.0 had two integer validators that disagreed on numeric strings. The rules, as the
-- README and docs/sql-api.md document them:
--   * whole numbers: a JSON number, or a string holding one (at most 15 digits); within the field's range.
--   * booleans: JSON true/false, or the strings "true"/"false".
--   * names (queue, source, job_type, worker_id): trimmed, at most 200 characters; a blank worker id is refused.
--   * keys (idempotency_key, group_key): at most 500 characters (not trimmed: a key is matched exactly).
--   * timestamps: ISO 8601, finite, from 1970-01-01 to 9999-12-31 UTC.
--   * ids: UUIDs. Unknown fields are refused. Error messages echo at most 100 characters of a bad value.
-- The helpers are plpgsql on purpose: PostgreSQL before 18 parses and plans a SQL-language function's body every
-- time a new statement runs it, which made small SQL helpers cost ~100 µs a call on the hot paths.
-- Breaking: none (new objects only).

create schema if not exists mcp_jobs_private;
comment on schema mcp_jobs_private is
  'Internals of the mcp_jobs job queue: helpers the public functions call. Never add it to the Data API''s exposed schemas.';
revoke all on schema mcp_jobs_private from public;

-- ============================================================================================================
-- Errors
-- ============================================================================================================

-- raise: raises p_message with SQLSTATE p_code (lets SQL functions raise).
create or replace function mcp_jobs_private.raise(p_code text, p_message text, p_hint text default null)
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

-- check: raises 22023 with p_problem unless it is null; pairs with item_problem.
create or replace function mcp_jobs_private.check(p_problem text)
returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_problem is not null then
    raise exception using errcode = '22023', message = p_problem;
  end if;
end;
$$;

-- shown: a value as it goes into an error message: its JSON text, cut to 100 characters.
create or replace function mcp_jobs_private.shown(p_value jsonb)
returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_value is null then
    return 'nothing';
  end if;
  if length(p_value::text) <= 100 then
    return p_value::text;
  end if;
  return left(p_value::text, 100) || '… (' || length(p_value::text) || ' characters)';
end;
$$;

-- ============================================================================================================
-- Input rules
-- ============================================================================================================

-- time_problem: p_at must be null or finite and from 1970-01-01 to 9999-12-31 UTC (later date arithmetic on
-- 'infinity' or 4713 BC fails: 0.1.0 accepted them, and get_queue_stats then failed for every queue).
create or replace function mcp_jobs_private.time_problem(p_at timestamptz, p_label text)
returns text
language plpgsql stable
set search_path = ''
as $$
begin
  if p_at is null or (isfinite(p_at) and p_at >= '1970-01-01 00:00:00+00' and p_at < '10000-01-01 00:00:00+00') then
    return null;
  end if;
  return format('%s must be a time from 1970-01-01 to 9999-12-31 UTC, got %s', p_label, p_at);
end;
$$;

-- depends_on_problem: depends_on must be an array of at most 10000 job ids, or "#i" for item i of the same call.
-- Its own function so that item_problem's CASE has no sub-select: plpgsql evaluates an expression without one on
-- its fast path, one with one through the executor (~20x slower, on every field of every item).
create or replace function mcp_jobs_private.depends_on_problem(p_value jsonb, p_label text)
returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  if jsonb_typeof(p_value) <> 'array' or jsonb_array_length(p_value) > 10000 then
    return format('%s must be a JSON array of at most 10000 job ids (or "#i" for item i of this call), got %s',
                  p_label, mcp_jobs_private.shown(p_value));
  end if;
  return (
    select format('%s[%s] must be a job id (UUID) or "#i" for item i of this call, got %s', p_label, d.ord - 1,
                  mcp_jobs_private.shown(d.dep))
    from jsonb_array_elements(p_value) with ordinality as d (dep, ord)
    where jsonb_typeof(d.dep) <> 'string'
       or (d.dep #>> '{}') !~* '^(\s*[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\s*|#[0-9]{1,5})$'
    order by d.ord
    limit 1);
end;
$$;

-- id_pattern: what a job, run or dead letter id given as text must match: a UUID, dashes optional, spaces around
-- allowed. Immutable without arguments, so a query folds the call into the constant when it is planned.
create or replace function mcp_jobs_private.id_pattern()
returns text
language sql immutable
set search_path = ''
as $$ select '^\s*[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\s*$'::text $$;

-- item_problem: the first thing wrong with one JSON item of a call, or null: it must be an object with only the
-- fields p_known, those in p_required present and not blank, and every field by its rule (the same rule for a field
-- name in every function). Fields are named p_prefix || name: 'p_jobs[3].lease_seconds', or 'p_lease_seconds' for a
-- single-item call. It runs for every item of every batch: one CASE per field, messages built only on failure.
create or replace function mcp_jobs_private.item_problem(
  p_item jsonb, p_prefix text, p_known text[], p_required text[] default '{}'
) returns text
language plpgsql stable
set search_path = ''
as $$
declare
  v_field text;
  v_value jsonb;
  v_text text;
  v_problem text;
begin
  if jsonb_typeof(p_item) is distinct from 'object' then
    return format('%s must be a JSON object with %s, got %s',
                  rtrim(p_prefix, '.'), array_to_string(p_known, ', '), mcp_jobs_private.shown(p_item));
  end if;
  if p_item - p_known <> '{}'::jsonb then
    return format('%s has unknown field(s) %s; known fields: %s', rtrim(p_prefix, '.'),
                  (select string_agg(format('"%s"', left(k, 50)), ', ') from jsonb_object_keys(p_item - p_known) as k),
                  array_to_string(p_known, ', '));
  end if;

  foreach v_field in array p_known loop
    v_value := p_item -> v_field;
    v_text := case when jsonb_typeof(v_value) = 'string' then v_value #>> '{}' end;
    if v_value is null or v_value = 'null'::jsonb or (btrim(v_text) = '' and v_field = any (p_required)) then
      if v_field = any (p_required) then
        return format('%s%s is required: %s', p_prefix, v_field, case
          when v_field in ('job_id', 'dead_letter_id') then 'pass an id (UUID)'
          when v_field = 'source' then 'pass a non-empty text, e.g. ''n8n'''
          when v_field = 'job_type' then 'pass a non-empty text, e.g. ''send_email'''
          else 'pass a value' end);
      end if;
      continue;
    end if;

    v_problem := case
      when v_field in ('job_id', 'run_id', 'dead_letter_id') then
        case when v_text ~* mcp_jobs_private.id_pattern() then null
             else format('%s%s must be an id (UUID), got %s', p_prefix, v_field, mcp_jobs_private.shown(v_value)) end

      when v_field in ('queue', 'source', 'job_type', 'worker_id', 'idempotency_key', 'group_key', 'message', 'reason',
                       'requeued_by', 'resolved_by', 'resolution_notes') then
        case when v_text is null then
               format('%s%s must be a text (JSON string), got %s', p_prefix, v_field, mcp_jobs_private.shown(v_value))
             when v_field = 'worker_id' and btrim(v_text) = '' then
               format('%s%s is blank: pass the worker id that claimed the job, or leave it out (null) to skip the '
                      'holder check', p_prefix, v_field)
             when length(v_text) > case when v_field in ('queue', 'source', 'job_type', 'worker_id') then 200
                                        when v_field in ('idempotency_key', 'group_key') then 500 else 10000 end then
               format('%s%s is %s characters long; at most %s are allowed', p_prefix, v_field, length(v_text),
                      case when v_field in ('queue', 'source', 'job_type', 'worker_id') then 200
                           when v_field in ('idempotency_key', 'group_key') then 500 else 10000 end)
        end

      when v_field in ('priority', 'max_retries', 'retry_delay_seconds', 'lease_seconds', 'progress', 'event_limit',
                       'dedupe_seconds', 'max_snoozes', 'seconds') then
        mcp_jobs_private.whole_number_problem(v_value, p_prefix || v_field,
          case when v_field in ('lease_seconds', 'dedupe_seconds') then 1 else 0 end,
          case v_field when 'priority' then 1000000 when 'max_retries' then 1000 when 'retry_delay_seconds' then 2592000
                       when 'lease_seconds' then 86400 when 'progress' then 100 when 'event_limit' then 10000
                       when 'dedupe_seconds' then 31536000 when 'max_snoozes' then 100000 else 2592000 end)

      when v_field = 'dedupe_mode' then
        case when v_text in ('forever', 'while_active', 'window', 'replace') then null
             else format('%s%s must be ''forever'', ''while_active'', ''window'' or ''replace'', got %s', p_prefix, v_field,
                         mcp_jobs_private.shown(v_value)) end

      when v_field = 'depends_on' then
        mcp_jobs_private.depends_on_problem(v_value, p_prefix || v_field)

      when v_field in ('retryable', 'reset_attempts') then
        case when jsonb_typeof(v_value) = 'boolean' or v_text in ('true', 'false') then null
             else format('%s%s must be true or false, got %s', p_prefix, v_field, mcp_jobs_private.shown(v_value)) end

      when v_field in ('scheduled_at', 'until') then
        mcp_jobs_private.timestamp_problem(v_value, p_prefix || v_field)

      when v_field = 'payload' then
        case when jsonb_typeof(v_value) = 'object' then null
             else format('%s%s must be a JSON object, got %s', p_prefix, v_field, jsonb_typeof(v_value)) end

      when v_field = 'data' then
        case when jsonb_typeof(v_value) in ('object', 'array') then null
             else format('%s%s must be a JSON object or array, got %s', p_prefix, v_field, jsonb_typeof(v_value)) end

      when v_field = 'event_type' then
        case when coalesce(v_text, '') in ('', 'log', 'progress') then null
             else format('%s%s must be ''log'' or ''progress'', got %s', p_prefix, v_field, mcp_jobs_private.shown(v_value)) end
    end;
    if v_problem is not null then
      return v_problem;
    end if;
  end loop;
  return null;
end;
$$;

-- whole_number_problem: a whole number field must be a JSON number, or a string holding one (at most 15 digits),
-- within [p_min, p_max]; null when it is.
create or replace function mcp_jobs_private.whole_number_problem(p_value jsonb, p_label text, p_min numeric, p_max numeric)
returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  v_num numeric;
begin
  if jsonb_typeof(p_value) = 'number' then
    v_num := p_value::numeric;
  elsif jsonb_typeof(p_value) = 'string' and (p_value #>> '{}') ~ '^\s*[+-]?[0-9]{1,15}\s*$' then
    v_num := (p_value #>> '{}')::numeric;
  end if;
  if v_num = trunc(v_num) and v_num between p_min and p_max then
    return null;
  end if;
  return format('%s must be a whole number from %s to %s, got %s', p_label, p_min, p_max, mcp_jobs_private.shown(p_value));
end;
$$;

-- timestamp_problem: a time field must be an ISO 8601 timestamp string accepted by time_problem; null when it is.
create or replace function mcp_jobs_private.timestamp_problem(p_value jsonb, p_label text)
returns text
language plpgsql stable
set search_path = ''
as $$
begin
  if jsonb_typeof(p_value) = 'string' and length(p_value #>> '{}') <= 64 then
    begin
      return mcp_jobs_private.time_problem((p_value #>> '{}')::timestamptz, p_label);
    exception when others then
      null; -- not a timestamp: said below
    end;
  end if;
  return format('%s must be an ISO 8601 timestamp such as "2026-02-01T00:00:00Z", got %s', p_label,
                mcp_jobs_private.shown(p_value));
end;
$$;

-- ============================================================================================================
-- Arguments of the typed (non-JSON) parameters
-- ============================================================================================================

-- queue_name: a queue argument normalised as everywhere (trimmed); 22023 when blank or longer than 200 characters.
-- Null stays null (callers that need a queue check for it).
create or replace function mcp_jobs_private.queue_name(p_queue text, p_label text default 'p_queue')
returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_queue is not null and btrim(p_queue) = '' then
    raise exception '% is blank: pass a queue name such as ''default''', p_label using errcode = '22023';
  end if;
  if length(p_queue) > 200 then
    raise exception '% is % characters long; at most 200 are allowed', p_label, length(p_queue) using errcode = '22023';
  end if;
  return btrim(p_queue);
end;
$$;

-- worker_name: a worker id argument by item_problem's worker_id rule (null stays null: no holder check).
create or replace function mcp_jobs_private.worker_name(p_worker_id text, p_label text default 'p_worker_id')
returns text
language plpgsql stable
set search_path = ''
as $$
begin
  -- every claim passes here: item_problem (for its message) only when the id is blank or too long
  if p_worker_id is null or (btrim(p_worker_id) <> '' and length(p_worker_id) <= 200) then
    return btrim(p_worker_id);
  end if;
  perform mcp_jobs_private.check(mcp_jobs_private.item_problem(
    jsonb_build_object('worker_id', p_worker_id), left(p_label, -length('worker_id')), array['worker_id']));
  return btrim(p_worker_id);
end;
$$;

-- int_arg: a whole-number argument within [p_min, p_max] (null allowed only with p_nullable); 22023 otherwise.
create or replace function mcp_jobs_private.int_arg(
  p_value bigint, p_label text, p_min bigint, p_max bigint, p_nullable boolean default false
) returns integer
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_value is null and p_nullable then
    return null;
  end if;
  if p_value is null or p_value < p_min or p_value > p_max then
    raise exception '% must be a whole number from % to %, got %', p_label, p_min, p_max, coalesce(p_value::text, 'null')
      using errcode = '22023';
  end if;
  return p_value::integer;
end;
$$;

-- check_batch: raises 22023 unless p_items is a JSON array of at most p_max elements.
create or replace function mcp_jobs_private.check_batch(p_items jsonb, p_name text, p_max integer default 10000)
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

-- ============================================================================================================
-- Wake-ups and backoff
-- ============================================================================================================

-- wake: tells listeners (LISTEN mcp_jobs_new_job) that a queue may have a job to claim; payload
-- {id, queue, job_type, priority, count}, fields null when unknown (e.g. a resumed queue, a freed slot).
create or replace function mcp_jobs_private.wake(
  p_id uuid, p_queue text, p_job_type text, p_priority integer, p_count bigint
) returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  perform pg_notify('mcp_jobs_new_job', json_build_object(
    'id', p_id, 'queue', p_queue, 'job_type', p_job_type, 'priority', p_priority, 'count', p_count)::text);
end;
$$;

-- backoff_seconds: retry delay after a failed attempt: base * 2^(attempt-1), +0-10% jitter, capped at one hour
-- (or at the base, when the base is longer).
create or replace function mcp_jobs_private.backoff_seconds(p_base integer, p_attempt integer)
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

-- ============================================================================================================
-- Privileges
-- ============================================================================================================

-- secure_functions: takes EXECUTE on every function of mcp_jobs and mcp_jobs_private from PUBLIC, anon and
-- authenticated and gives it (and USAGE on mcp_jobs_private, its tables and sequences) to service_role, where those
-- roles exist. Every file that defines functions ends by calling it, so functions added later are as locked down as
-- the first ones.
-- It also sets jit = off on every API function (the statements they run inherit it). With PostgreSQL's default
-- jit = on, a statement whose estimated cost passes jit_above_cost is compiled on every call: ~20 ms for a call
-- that takes 0.1 ms. Queue statements touch few rows, and the reports that scan many are faster interpreted than
-- compiled anew each time.
create or replace function mcp_jobs_private.secure_functions()
returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  v_schema text;
  v_role text;
  v_function regprocedure;
begin
  for v_function in
    select p.oid::regprocedure
    from pg_catalog.pg_proc p
    join pg_catalog.pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'mcp_jobs' and p.prokind = 'f' and not ('jit=off' = any (coalesce(p.proconfig, '{}')))
  loop
    execute format('alter function %s set jit = off', v_function);
  end loop;
  foreach v_schema in array array['mcp_jobs', 'mcp_jobs_private'] loop
    execute format('revoke execute on all functions in schema %I from public', v_schema);
    foreach v_role in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_catalog.pg_roles where rolname = v_role) then
        execute format('revoke all on schema %I from %I', v_schema, v_role);
        execute format('revoke execute on all functions in schema %I from %I', v_schema, v_role);
        execute format('revoke all on all tables in schema %I from %I', v_schema, v_role);
      end if;
    end loop;
    if exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
      execute format('grant usage on schema %I to service_role', v_schema);
      execute format('grant execute on all functions in schema %I to service_role', v_schema);
      execute format('grant select, insert, update, delete on all tables in schema %I to service_role', v_schema);
      execute format('grant usage, select on all sequences in schema %I to service_role', v_schema);
    end if;
  end loop;
end;
$$;

do $$ begin perform mcp_jobs_private.secure_functions(); end $$;
