-- Batch forms of the per-job admin calls, so an n8n node with N items makes one round trip.
-- Each takes a JSON array of item objects and returns one row per item, in order: ordinal (1-based), ok, result
-- (what the single-item function returns, as JSON) or error_code/error_message (its SQLSTATE and message).
-- Every item runs in its own subtransaction: a failing item changes nothing and does not stop the others.

-- _admin_each: runs p_action ('get', 'cancel', 'retry', 'requeue', 'resolve') for every item of p_items.
create or replace function mcp_jobs._admin_each(p_action text, p_items jsonb, p_name text)
returns table (ordinal integer, ok boolean, result jsonb, error_code text, error_message text)
language plpgsql volatile
set search_path = ''
as $$
declare
  v_item jsonb;
  v_id uuid;
  v_id_field text := case when p_action in ('requeue', 'resolve') then 'dead_letter_id' else 'job_id' end;
begin
  perform mcp_jobs._check_batch(p_items, p_name, 1000);
  for v_item, ordinal in
    select e.value, e.ordinality::integer from jsonb_array_elements(p_items) with ordinality e
  loop
    begin
      if jsonb_typeof(v_item) <> 'object' then
        raise exception '%[%] must be an object with %', p_name, ordinal, v_id_field using errcode = '22023';
      end if;
      if coalesce(v_item ->> v_id_field, '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
        raise exception '%[%].% must be a job queue UUID, got %', p_name, ordinal, v_id_field,
          coalesce(v_item -> v_id_field, 'null'::jsonb) using errcode = '22023';
      end if;
      v_id := (v_item ->> v_id_field)::uuid;
      case p_action
        when 'get' then
          result := mcp_jobs.get_job(v_id, coalesce((v_item ->> 'event_limit')::integer, 200));
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

-- get_jobs: get_job for a batch [{job_id, event_limit?}]; unknown ids get ok = false (PT404).
create or replace function mcp_jobs.get_jobs(p_jobs jsonb)
returns table (ordinal integer, ok boolean, result jsonb, error_code text, error_message text)
language sql volatile
set search_path = ''
as $$
  select * from mcp_jobs._admin_each('get', p_jobs, 'p_jobs');
$$;

-- cancel_jobs: cancel_job for a batch [{job_id, reason?}]; finished jobs get ok = false (PT409).
create or replace function mcp_jobs.cancel_jobs(p_jobs jsonb)
returns table (ordinal integer, ok boolean, result jsonb, error_code text, error_message text)
language sql volatile
set search_path = ''
as $$
  select * from mcp_jobs._admin_each('cancel', p_jobs, 'p_jobs');
$$;

-- retry_jobs: retry_job for a batch [{job_id, reset_attempts?}]; running or completed jobs get ok = false (PT409).
create or replace function mcp_jobs.retry_jobs(p_jobs jsonb)
returns table (ordinal integer, ok boolean, result jsonb, error_code text, error_message text)
language sql volatile
set search_path = ''
as $$
  select * from mcp_jobs._admin_each('retry', p_jobs, 'p_jobs');
$$;

-- requeue_dead_letters: requeue_dead_letter for a batch [{dead_letter_id, requeued_by?}].
create or replace function mcp_jobs.requeue_dead_letters(p_items jsonb)
returns table (ordinal integer, ok boolean, result jsonb, error_code text, error_message text)
language sql volatile
set search_path = ''
as $$
  select * from mcp_jobs._admin_each('requeue', p_items, 'p_items');
$$;

-- resolve_dead_letters: resolve_dead_letter for a batch [{dead_letter_id, resolved_by?, resolution_notes?}].
create or replace function mcp_jobs.resolve_dead_letters(p_items jsonb)
returns table (ordinal integer, ok boolean, result jsonb, error_code text, error_message text)
language sql volatile
set search_path = ''
as $$
  select * from mcp_jobs._admin_each('resolve', p_items, 'p_items');
$$;

-- Lock the new functions down (see _secure_functions in the schema file).
do $$ begin perform mcp_jobs._secure_functions(); end $$;
