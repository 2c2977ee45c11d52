// A node's row and its events in one statement: the executor's per-node bookkeeping is one database round trip.
// Same rules as upsertNodeExecution and appendRunEvents together: the latest attempt's state wins, events take the
// run's next sequence numbers under the run row's lock, a key already stored is skipped, and NOTIFY fires at commit.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from './client.js';
import { RUN_EVENTS_CHANNEL, type NewRunEvent } from './event-store.js';
import { newId } from './ids.js';
import { NOT_AN_ITEM, type NodeExecutionUpdate } from './run-store.js';

/** What either driver returns for the statement below: one row of counts. */
const RecordedSchema = z.object({ rows: z.array(z.object({ appended: z.coerce.number() })) });

/** SQL NULL for undefined and null, as drizzle stores them in a jsonb column; JSON text otherwise. */
const jsonOrNull = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

/**
 * Upserts the node's row and appends the events, atomically. Returns how many events were new. The statement's
 * common table expressions all see one snapshot; the run row's update is what orders concurrent writers (it waits
 * for the lock and returns the sequence as committed), and a key stored by a writer this snapshot did not see is
 * skipped by the conflict clause.
 */
export async function recordNodeExecution(db: Database, u: NodeExecutionUpdate, events: NewRunEvent[]): Promise<number> {
  const item = u.item ?? NOT_AN_ITEM;
  const durationMs = u.startedAt && u.finishedAt ? u.finishedAt.getTime() - u.startedAt.getTime() : null;
  const eventsJson = JSON.stringify(events.map((e) => ({ key: e.key, type: e.type, nodeId: e.nodeId ?? null, data: e.data ?? null })));
  const result = await db.execute(sql`
    with stale as (
      -- A node the workflow already recorded as cancelled (its run was stopped) is never set running again: the
      -- activity may learn of the stop after its deferred start fired.
      select 1 from node_executions
      where run_id = ${u.runId} and node_id = ${u.nodeId} and item = ${item}::integer
        and status = 'cancelled' and ${u.status}::text = 'running'
    ),
    ev as (
      select e->>'key' as key, e->>'type' as type, e->>'nodeId' as node_id, nullif(e->'data', 'null'::jsonb) as data, o as ord
      from jsonb_array_elements(${eventsJson}::jsonb) with ordinality as t(e, o)
      where not exists (select 1 from stale)
    ),
    fresh as (
      select ev.*, row_number() over (order by ev.ord) as n
      from ev
      where not exists (select 1 from run_events r where r.run_id = ${u.runId} and r.key = ev.key)
        and ev.ord = (select min(d.ord) from ev d where d.key = ev.key)
    ),
    bump as (
      update runs set event_seq = event_seq + (select count(*) from fresh)
      where id = ${u.runId} and exists (select 1 from fresh)
      returning event_seq - (select count(*) from fresh) as base
    ),
    inserted as (
      insert into run_events (run_id, seq, key, type, node_id, data)
      select ${u.runId}, bump.base + fresh.n, fresh.key, fresh.type, fresh.node_id, fresh.data
      from fresh cross join bump
      on conflict (run_id, key) do nothing
      returning 1
    ),
    node_row as (
      insert into node_executions
        (id, run_id, node_id, item, node_type, status, attempt, input, output, error, started_at, finished_at, duration_ms, updated_at)
      select
        ${newId('nx')}, ${u.runId}, ${u.nodeId}, ${item}::integer, ${u.nodeType}, ${u.status}, ${u.attempt}::integer,
        ${jsonOrNull(u.input)}::jsonb, ${jsonOrNull(u.output)}::jsonb, ${jsonOrNull(u.error)}::jsonb,
        ${u.startedAt?.toISOString() ?? null}::timestamptz, ${u.finishedAt?.toISOString() ?? null}::timestamptz,
        ${durationMs}::integer, now()
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
      (select count(*) from node_row)::integer as rows,
      (select count(*) from inserted)::integer as appended,
      -- Delivered at commit, and only when something was appended.
      (select count(*) from (select pg_notify(${RUN_EVENTS_CHANNEL}, ${u.runId}) from inserted limit 1) n)::integer as notified
  `);
  return RecordedSchema.parse(result).rows[0]?.appended ?? 0;
}
