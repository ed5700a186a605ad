-- Privileges, Supabase integration and scheduling. Runs last, so it covers every object above; re-running it
-- is harmless. On plain Postgres the Supabase roles, the supabase_realtime publication and pg_cron are absent:
-- nothing is created for them and their steps are skipped.

-- Nobody but the owner by default: Postgres grants EXECUTE on new functions to PUBLIC.
revoke all on schema mcp_jobs from public;
revoke all on all tables in schema mcp_jobs from public;
revoke all on all sequences in schema mcp_jobs from public;
revoke execute on all functions in schema mcp_jobs from public;

do $$
declare
  v_role text;
begin
  -- Supabase's client roles get nothing (not even USAGE): the queue is for the service role only.
  foreach v_role in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = v_role) then
      execute format('revoke all on schema mcp_jobs from %I', v_role);
      execute format('revoke all on all tables in schema mcp_jobs from %I', v_role);
      execute format('revoke all on all sequences in schema mcp_jobs from %I', v_role);
      execute format('revoke execute on all functions in schema mcp_jobs from %I', v_role);
    end if;
  end loop;

  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant usage on schema mcp_jobs to service_role;
    grant select, insert, update, delete on all tables in schema mcp_jobs to service_role;
    grant usage, select on all sequences in schema mcp_jobs to service_role;
    grant execute on all functions in schema mcp_jobs to service_role;
  end if;
end;
$$;

-- Supabase Realtime (optional consumer of job inserts): only where the publication exists.
do $$
begin
  if exists (select 1 from pg_publication where pubname = 'supabase_realtime')
     and not exists (select 1 from pg_publication_tables
                     where pubname = 'supabase_realtime' and schemaname = 'mcp_jobs' and tablename = 'jobs') then
    execute 'alter publication supabase_realtime add table mcp_jobs.jobs';
  end if;
end;
$$;

-- Maintenance with pg_cron, where the extension is installed (Supabase: Database > Extensions > pg_cron).
-- Without it, import the Maintenance workflow template instead. cron.schedule upserts by name.
do $$
begin
  if exists (select 1 from pg_extension where extname = 'pg_cron') then
    perform cron.schedule('mcp_jobs_reap_expired', '* * * * *', 'select mcp_jobs.reap_expired_jobs()');
    perform cron.schedule('mcp_jobs_aggregate_metrics', '5 * * * *', 'select mcp_jobs.aggregate_metrics()');
    perform cron.schedule('mcp_jobs_cleanup', '17 3 * * *', 'select mcp_jobs.cleanup_jobs(30)');
  end if;
end;
$$;

-- PostgREST: pick up the new functions (Supabase's DDL watchers miss GRANT/REVOKE).
notify pgrst, 'reload schema';
