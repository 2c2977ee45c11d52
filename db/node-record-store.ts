// A node's row and its events in one statement: the executor's per-node bookkeeping is one database round trip.
// Same rules as upsertNodeExecution and appendRunEvents together: the latest attempt's state wins, events take the
// run's next sequence numbers under the run row's lock, a key already stored is skipped, and NOTIFY fires at commit.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from './client.js';
import { RUN_EVENTS_CHANNEL, type NewRunEvent } from './event-store.js';
import { newId } from './ids.js';
import { nodeExecutions } from './schema.js';
import { NOT_AN_ITEM, type NodeExecutionUpdate } from './run-store.js';

/** What either driver returns for the statement below: one row of counts. */
const RecordedSchema = z.object({ rows: z.array(z.object({ appended: z.coerce.number() })) });

/** SQL NULL for undefined and null, as drizzle stores them in a jsonb column; JSON text otherwise. */
const jsonOrNull = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

/**
 * Upserts the node's row and appends the events, atomically. Returns how many events were new. The function's
 * statement (db/migrations/0010_record_node_function.sql) is one set of common table expressions over one snapshot;
 * the run row's update is what orders concurrent writers (it waits for the lock and returns the sequence as
 * committed), and a key stored by a writer this snapshot did not see is skipped by the conflict clause.
 */
export async function recordNodeExecution(db: Database, u: NodeExecutionUpdate, events: NewRunEvent[]): Promise<number> {
  const item = u.item ?? NOT_AN_ITEM;
  const durationMs = u.startedAt && u.finishedAt ? u.finishedAt.getTime() - u.startedAt.getTime() : null;
  const eventsJson = JSON.stringify(events.map((e) => ({ key: e.key, type: e.type, nodeId: e.nodeId ?? null, data: e.data ?? null })));
  // The statement lives in a function (migration 0010), so each connection plans it once.
  const result = await db.execute(sql`
    select loom_record_node_execution(
      ${newId('nx')}, ${u.runId}, ${u.nodeId}, ${item}::integer, ${u.nodeType}, ${u.status}, ${u.attempt}::integer,
      ${jsonOrNull(u.input)}::jsonb, ${jsonOrNull(u.output)}::jsonb, ${jsonOrNull(u.error)}::jsonb,
      ${u.startedAt?.toISOString() ?? null}::timestamptz, ${u.finishedAt?.toISOString() ?? null}::timestamptz,
      ${durationMs}::integer, ${eventsJson}::jsonb, ${RUN_EVENTS_CHANNEL}
    ) as appended
  `);
  return RecordedSchema.parse(result).rows[0]?.appended ?? 0;
}

/**
 * Counts one start of a node's side effect, before it starts: durable even when the worker dies during the call, so
 * `effect_attempts` above 1 says the other side may have seen the effect more than once (it got the same
 * Idempotency-Key each time). Creates the row when the node's start is not written yet (it is deferred); the start
 * and the outcome written later keep the count.
 */
export async function countEffectAttempt(
  db: Database,
  u: Pick<NodeExecutionUpdate, 'runId' | 'nodeId' | 'item' | 'nodeType' | 'attempt' | 'startedAt'>,
): Promise<void> {
  await db
    .insert(nodeExecutions)
    .values({
      id: newId('nx'),
      runId: u.runId,
      nodeId: u.nodeId,
      item: u.item ?? NOT_AN_ITEM,
      nodeType: u.nodeType,
      status: 'running',
      attempt: u.attempt,
      effectAttempts: 1,
      startedAt: u.startedAt ?? null,
    })
    .onConflictDoUpdate({
      target: [nodeExecutions.runId, nodeExecutions.nodeId, nodeExecutions.item],
      set: { effectAttempts: sql`${nodeExecutions.effectAttempts} + 1` },
    });
}
