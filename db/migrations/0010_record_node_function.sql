-- recordNodeExecution (db/node-record-store.ts) as a function: PL/pgSQL keeps the plans of its statements per
-- session, so the per-node statement is planned once per connection instead of on every node (on PGlite 2.1 ms a
-- node before, most of it planning). Same rules as before: the latest attempt's state wins, events take the run's
-- next sequence numbers under the run row's lock, a key already stored is skipped, NOTIFY fires at commit, and a
-- node recorded as cancelled is never set running again.
create or replace function loom_record_node_execution(
  p_id text, p_run_id text, p_node_id text, p_item integer, p_node_type text, p_status text, p_attempt integer,
  p_input jsonb, p_output jsonb, p_error jsonb, p_started_at timestamptz, p_finished_at timestamptz,
  p_duration_ms integer, p_events jsonb, p_channel text
) returns integer language plpgsql as $$
declare
  v_appended integer;
  v_rows integer;
  v_notified integer;
begin
  with stale as (
    select 1 from node_executions
    where run_id = p_run_id and node_id = p_node_id and item = p_item and status = 'cancelled' and p_status = 'running'
  ),
  ev as (
    select e->>'key' as key, e->>'type' as type, e->>'nodeId' as ev_node_id, nullif(e->'data', 'null'::jsonb) as data, o as ord
    from jsonb_array_elements(p_events) with ordinality as t(e, o)
    where not exists (select 1 from stale)
  ),
  fresh as (
    select ev.*, row_number() over (order by ev.ord) as n
    from ev
    where not exists (select 1 from run_events r where r.run_id = p_run_id and r.key = ev.key)
      and ev.ord = (select min(d.ord) from ev d where d.key = ev.key)
  ),
  bump as (
    update runs set event_seq = event_seq + (select count(*) from fresh)
    where id = p_run_id and exists (select 1 from fresh)
    returning event_seq - (select count(*) from fresh) as base
  ),
  inserted as (
    insert into run_events (run_id, seq, key, type, node_id, data)
    select p_run_id, bump.base + fresh.n, fresh.key, fresh.type, fresh.ev_node_id, fresh.data
    from fresh cross join bump
    on conflict (run_id, key) do nothing
    returning 1
  ),
  node_row as (
    insert into node_executions
      (id, run_id, node_id, item, node_type, status, attempt, input, output, error, started_at, finished_at, duration_ms, updated_at)
    select p_id, p_run_id, p_node_id, p_item, p_node_type, p_status, p_attempt, p_input, p_output, p_error,
      p_started_at, p_finished_at, p_duration_ms, now()
    where not exists (select 1 from stale)
    on conflict (run_id, node_id, item) do update set
      status = excluded.status,
      attempt = excluded.attempt,
      input = coalesce(excluded.input, node_executions.input),
      output = coalesce(excluded.output, node_executions.output),
      error = excluded.error,
      started_at = coalesce(excluded.started_at, node_executions.started_at),
      finished_at = coalesce(excluded.finished_at, node_executions.finished_at),
      duration_ms = coalesce(excluded.duration_ms, node_executions.duration_ms),
      updated_at = excluded.updated_at
    -- The same rule on the row as committed, for a cancellation this statement's snapshot did not see.
    where not (node_executions.status = 'cancelled' and excluded.status = 'running')
    returning 1
  )
  select
    (select count(*) from inserted)::integer,
    (select count(*) from node_row)::integer,
    -- Delivered at commit, and only when something was appended.
    (select count(*) from (select pg_notify(p_channel, p_run_id) from inserted limit 1) n)::integer
  into v_appended, v_rows, v_notified;
  return v_appended;
end
$$;
