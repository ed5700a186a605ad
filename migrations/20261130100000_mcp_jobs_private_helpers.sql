-- 0.2.0: schema mcp_jobs_private, and the helpers every public function shares.
--
-- Why: in 0.1.0 the helpers (_raise, _check_batch, _int_field, _whole_number_or_null, _wake, _backoff_seconds, ...)
-- lived in mcp_jobs, so once mcp_jobs is exposed to the Data API they were callable as RPC (/rpc/_start_runs put a
-- completed job back to running). Helpers now live in mcp_jobs_private, a schema that is never exposed; only the
-- documented API stays in mcp_jobs. A later file of this release drops the old mcp_jobs._* helpers.
--
-- It also makes the input rules one set of functions: one rule for JSON whole numbers, booleans, texts, ids and
-- timestamps (0.1.0 had two integer validators that disagreed on numeric strings), one length limit per kind of
-- name, and error messages that echo at most 100 characters of a bad value.
--
-- The rules, as documented in the README (SQL API > Input rules):
--   * whole numbers: a JSON number, or a string holding one (at most 15 digits); within the field's range.
--   * booleans: JSON true/false, or the strings "true"/"false".
--   * names (queue, source, job_type, worker_id): trimmed, not blank, at most 200 characters.
--   * keys (idempotency_key, group_key): at most 500 characters (not trimmed: a key is matched exactly).
--   * timestamps: ISO 8601, finite, from 1970-01-01 to 9999-12-31 UTC.
--   * ids: UUIDs.
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

-- check: raises 22023 with p_problem unless it is null; pairs with the *_problem functions below.
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
language sql immutable
set search_path = ''
as $$
  select case
    when p_value is null then 'nothing'
    when length(p_value::text) <= 100 then p_value::text
    else left(p_value::text, 100) || '… (' || length(p_value::text) || ' characters)'
  end;
$$;

-- ============================================================================================================
-- Input rules. Each *_problem function returns null when the value is acceptable (or absent), else a message
-- naming p_label and the fix; the matching *_value function reads an acceptable value (null when absent).
-- Batch bodies collect problems per item; single-item callers raise them with check().
-- ============================================================================================================

-- int_problem: p_value must be absent/null, a whole JSON number, or a string holding one, within [p_min, p_max].
create or replace function mcp_jobs_private.int_problem(p_value jsonb, p_label text, p_min numeric, p_max numeric)
returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  v_num numeric;
begin
  if p_value is null or jsonb_typeof(p_value) = 'null' then
    return null;
  end if;
  if jsonb_typeof(p_value) = 'number' then
    v_num := p_value::numeric;
  elsif jsonb_typeof(p_value) = 'string' and (p_value #>> '{}') ~ '^\s*[+-]?[0-9]{1,15}\s*$' then
    v_num := (p_value #>> '{}')::numeric;
  end if;
  if v_num is not null and v_num = trunc(v_num) and v_num between p_min and p_max then
    return null;
  end if;
  return format('%s must be a whole number from %s to %s, got %s', p_label, p_min, p_max, mcp_jobs_private.shown(p_value));
end;
$$;

-- int_value: an acceptable int_problem value as integer; null when absent (never raises, also on bad input).
create or replace function mcp_jobs_private.int_value(p_value jsonb)
returns integer
language sql immutable
set search_path = ''
as $$
  select case
    when jsonb_typeof(p_value) = 'number' and p_value::numeric = trunc(p_value::numeric)
         and p_value::numeric between -2147483648 and 2147483647 then p_value::numeric::integer
    when jsonb_typeof(p_value) = 'string' and (p_value #>> '{}') ~ '^\s*[+-]?[0-9]{1,9}\s*$' then
      btrim(p_value #>> '{}')::integer
  end;
$$;

-- bool_problem: p_value must be absent/null, JSON true/false, or the string "true"/"false".
create or replace function mcp_jobs_private.bool_problem(p_value jsonb, p_label text)
returns text
language sql immutable
set search_path = ''
as $$
  select case
    when p_value is null or jsonb_typeof(p_value) in ('null', 'boolean') then null
    when jsonb_typeof(p_value) = 'string' and (p_value #>> '{}') in ('true', 'false') then null
    else format('%s must be true or false, got %s', p_label, mcp_jobs_private.shown(p_value))
  end;
$$;

-- bool_value: an acceptable bool_problem value as boolean; null when absent (never raises, also on bad input).
create or replace function mcp_jobs_private.bool_value(p_value jsonb)
returns boolean
language sql immutable
set search_path = ''
as $$
  select case
    when jsonb_typeof(p_value) = 'boolean' then p_value::boolean
    when jsonb_typeof(p_value) = 'string' and (p_value #>> '{}') in ('true', 'false') then (p_value #>> '{}')::boolean
  end;
$$;

-- text_problem: p_value must be absent/null or a JSON string of at most p_max_length characters; with p_required
-- it must be present and not blank.
create or replace function mcp_jobs_private.text_problem(
  p_value jsonb, p_label text, p_max_length integer, p_required boolean default false, p_example text default null
) returns text
language sql immutable
set search_path = ''
as $$
  select case
    when (p_value is null or jsonb_typeof(p_value) = 'null' or
          (jsonb_typeof(p_value) = 'string' and btrim(p_value #>> '{}') = '')) then
      case when p_required then
        format('%s is required: pass a non-empty text%s', p_label, coalesce(', e.g. ' || p_example, ''))
      end
    when jsonb_typeof(p_value) <> 'string' then
      format('%s must be a text (JSON string), got %s', p_label, mcp_jobs_private.shown(p_value))
    when length(p_value #>> '{}') > p_max_length then
      format('%s is %s characters long; at most %s are allowed', p_label, length(p_value #>> '{}'), p_max_length)
  end;
$$;

-- name_value: a name as stored: trimmed, null when absent or blank.
create or replace function mcp_jobs_private.name_value(p_value jsonb)
returns text
language sql immutable
set search_path = ''
as $$
  select nullif(btrim(p_value #>> '{}'), '') where jsonb_typeof(p_value) = 'string';
$$;

-- key_value: a key as stored: exactly as given, null when absent or empty.
create or replace function mcp_jobs_private.key_value(p_value jsonb)
returns text
language sql immutable
set search_path = ''
as $$
  select nullif(p_value #>> '{}', '') where jsonb_typeof(p_value) = 'string';
$$;

-- uuid_problem: p_value must be a UUID string; absent/null is a problem only with p_required.
create or replace function mcp_jobs_private.uuid_problem(p_value jsonb, p_label text, p_required boolean default true)
returns text
language sql immutable
set search_path = ''
as $$
  select case
    when p_value is null or jsonb_typeof(p_value) = 'null' then
      case when p_required then format('%s is required: pass an id (UUID)', p_label) end
    when jsonb_typeof(p_value) = 'string'
     and (p_value #>> '{}') ~* '^\s*[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\s*$' then null
    else format('%s must be an id (UUID), got %s', p_label, mcp_jobs_private.shown(p_value))
  end;
$$;

-- uuid_value: an acceptable uuid_problem value; null when absent (never raises, also on bad input).
create or replace function mcp_jobs_private.uuid_value(p_value jsonb)
returns uuid
language sql immutable
set search_path = ''
as $$
  select btrim(p_value #>> '{}')::uuid
  where jsonb_typeof(p_value) = 'string'
    and (p_value #>> '{}') ~* '^\s*[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\s*$';
$$;

-- time_problem: p_at must be null or finite and from 1970-01-01 to 9999-12-31 UTC (later date arithmetic on
-- 'infinity' or 4713 BC fails: 0.1.0 accepted them and get_queue_stats then failed for every queue).
create or replace function mcp_jobs_private.time_problem(p_at timestamptz, p_label text)
returns text
language sql immutable
set search_path = ''
as $$
  select case
    when p_at is null then null
    when not isfinite(p_at) or p_at < '1970-01-01 00:00:00+00' or p_at >= '10000-01-01 00:00:00+00' then
      format('%s must be a time from 1970-01-01 to 9999-12-31 UTC, got %s', p_label, p_at)
  end;
$$;

-- timestamp_problem: p_value must be absent/null or an ISO 8601 timestamp string acceptable to time_problem.
create or replace function mcp_jobs_private.timestamp_problem(p_value jsonb, p_label text)
returns text
language plpgsql stable
set search_path = ''
as $$
begin
  if p_value is null or jsonb_typeof(p_value) = 'null' then
    return null;
  end if;
  if jsonb_typeof(p_value) = 'string' and length(p_value #>> '{}') <= 64 then
    begin
      return mcp_jobs_private.time_problem((p_value #>> '{}')::timestamptz, p_label);
    exception when others then
      null; -- not a timestamp: reported below
    end;
  end if;
  return format('%s must be an ISO 8601 timestamp such as "2026-02-01T00:00:00Z", got %s',
                p_label, mcp_jobs_private.shown(p_value));
end;
$$;

-- timestamp_value: a timestamp_problem-checked value (null when absent); call it only after that check.
create or replace function mcp_jobs_private.timestamp_value(p_value jsonb)
returns timestamptz
language sql stable
set search_path = ''
as $$
  select (p_value #>> '{}')::timestamptz where jsonb_typeof(p_value) = 'string';
$$;

-- object_problem: p_value must be a JSON object (or absent/null when p_required is false).
create or replace function mcp_jobs_private.object_problem(p_value jsonb, p_label text, p_required boolean default false)
returns text
language sql immutable
set search_path = ''
as $$
  select case
    when p_value is null or jsonb_typeof(p_value) = 'null' then
      case when p_required then format('%s is required: pass a JSON object', p_label) end
    when jsonb_typeof(p_value) <> 'object' then
      format('%s must be a JSON object, got %s', p_label, jsonb_typeof(p_value))
  end;
$$;

-- fields_problem: p_item must be a JSON object whose keys are all in p_known (a misspelt field would otherwise be
-- ignored silently, e.g. "scheduledAt" running a job at once).
create or replace function mcp_jobs_private.fields_problem(p_item jsonb, p_label text, p_known text[])
returns text
language sql immutable
set search_path = ''
as $$
  select case
    when p_item is null or jsonb_typeof(p_item) <> 'object' then
      format('%s must be a JSON object with %s, got %s', p_label, array_to_string(p_known, ', '), mcp_jobs_private.shown(p_item))
    else (
      select format('%s has unknown field(s) %s; known fields: %s', p_label, string_agg(format('"%s"', left(k, 50)), ', '),
                    array_to_string(p_known, ', '))
      from jsonb_object_keys(p_item) as k
      where k <> all (p_known)
      having count(*) > 0)
  end;
$$;

-- worker_problem: a worker id must be absent/null (no holder check) or a name of at most 200 characters; a blank
-- one is refused, so that '' cannot switch the holder check off.
create or replace function mcp_jobs_private.worker_problem(p_value jsonb, p_label text)
returns text
language sql immutable
set search_path = ''
as $$
  select case
    when jsonb_typeof(p_value) = 'string' and btrim(p_value #>> '{}') = '' then
      format('%s is blank: pass the worker id that claimed the job, or leave it out (null) to skip the holder check', p_label)
    else mcp_jobs_private.text_problem(p_value, p_label, 200)
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
  perform mcp_jobs_private.check(mcp_jobs_private.text_problem(to_jsonb(p_queue), p_label, 200));
  return btrim(p_queue);
end;
$$;

-- worker_name: a worker id argument by the worker_problem rule (null stays null); 22023 otherwise.
create or replace function mcp_jobs_private.worker_name(p_worker_id text, p_label text default 'p_worker_id')
returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  perform mcp_jobs_private.check(mcp_jobs_private.worker_problem(to_jsonb(p_worker_id), p_label));
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
language sql volatile
set search_path = ''
as $$
  select pg_notify('mcp_jobs_new_job', json_build_object(
    'id', p_id, 'queue', p_queue, 'job_type', p_job_type, 'priority', p_priority, 'count', p_count)::text);
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
-- authenticated and gives it (and USAGE on mcp_jobs_private) to service_role, where those roles exist. Every file
-- that defines functions ends by calling it, so functions added later are as locked down as the first ones.
create or replace function mcp_jobs_private.secure_functions()
returns void
language plpgsql volatile
set search_path = ''
as $$
declare
  v_schema text;
  v_role text;
begin
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
