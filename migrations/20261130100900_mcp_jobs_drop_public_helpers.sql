-- 0.2.0: only the documented API stays in schema mcp_jobs.
--
-- Drops 0.1.0's helpers from mcp_jobs (their replacements live in mcp_jobs_private, see
-- 20261130100000_mcp_jobs_private_helpers.sql): once mcp_jobs is exposed to the Data API, every function in it is
-- callable as RPC, and these were not meant to be (e.g. /rpc/_start_runs put a completed job back to running).
-- Then locks every function down again and tells PostgREST to reload its schema cache.
-- Breaking: anyone calling an mcp_jobs._* function directly must use the documented API instead.

drop function if exists mcp_jobs._admin_each(text, jsonb, text);
drop function if exists mcp_jobs._unresolved_dead_letter(uuid);
drop function if exists mcp_jobs._job_or_404(uuid, text);
drop function if exists mcp_jobs._heartbeat(jsonb, boolean);
drop function if exists mcp_jobs._fail(jsonb, boolean);
drop function if exists mcp_jobs._complete(jsonb, boolean);
drop function if exists mcp_jobs._start_runs(uuid[], text, integer);
drop function if exists mcp_jobs._fail_locked(uuid[], text[], boolean[], integer[], text);
drop function if exists mcp_jobs._lock_held(jsonb, boolean);
drop function if exists mcp_jobs._backoff_seconds(integer, integer);
drop function if exists mcp_jobs._whole_number_or_null(jsonb, numeric, numeric);
drop function if exists mcp_jobs._check_batch(jsonb, text, integer);
drop function if exists mcp_jobs._raise(text, text, text);
drop function if exists mcp_jobs._notify_new_jobs();
drop function if exists mcp_jobs._wake(uuid, text, text, integer, bigint);
drop function if exists mcp_jobs._enqueue(jsonb, boolean);
drop function if exists mcp_jobs._int_field(jsonb, text, text, integer, integer, integer);
drop function if exists mcp_jobs._job_spec(jsonb, text);
drop function if exists mcp_jobs._secure_functions();

do $$ begin perform mcp_jobs_private.secure_functions(); end $$;

-- PostgREST: pick up the changed functions (Supabase's DDL watchers miss GRANT/REVOKE).
notify pgrst, 'reload schema';
