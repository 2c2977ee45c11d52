// Run events: appended with a per-run sequence number inside one transaction (the run row's lock orders concurrent
// writers), de-duplicated by key (an activity retried after a lost reply writes nothing twice), and announced with
// NOTIFY at commit so every gateway can fetch and stream them.
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { runEvents, runs, type RunEventRow, type RunEventType } from './schema.js';

export const RUN_EVENTS_CHANNEL = 'loom_run_events';

/** An event to append; activities build them with the catalogue's builders (activities/events.ts), redacted. */
export interface NewRunEvent {
  /** Unique per run for one logical event, e.g. `node_started:fetch:2`. */
  key: string;
  type: RunEventType;
  nodeId?: string;
  data?: unknown;
}

export async function appendRunEvents(db: Database, runId: string, events: NewRunEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  return db.transaction(async (tx) => {
    const [run] = await tx.select({ eventSeq: runs.eventSeq }).from(runs).where(eq(runs.id, runId)).for('update');
    if (!run) return 0;
    const keys = events.map((e) => e.key);
    const existing = new Set(
      (
        await tx
          .select({ key: runEvents.key })
          .from(runEvents)
          .where(and(eq(runEvents.runId, runId), inArray(runEvents.key, keys)))
      ).map((r) => r.key),
    );
    const fresh = events.filter((e, i) => !existing.has(e.key) && keys.indexOf(e.key) === i);
    if (fresh.length === 0) return 0;
    const rows = fresh.map((e, i) => ({
      runId,
      seq: run.eventSeq + i + 1,
      key: e.key,
      type: e.type,
      nodeId: e.nodeId ?? null,
      data: e.data ?? null,
    }));
    await tx.insert(runEvents).values(rows);
    await tx
      .update(runs)
      .set({ eventSeq: run.eventSeq + fresh.length })
      .where(eq(runs.id, runId));
    // Delivered at commit, never for a rolled-back write.
    await tx.execute(sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${runId})`);
    return fresh.length;
  });
}

export async function listRunEvents(db: Database, runId: string, afterSeq: number, limit = 500): Promise<RunEventRow[]> {
  return db
    .select()
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), gt(runEvents.seq, afterSeq)))
    .orderBy(asc(runEvents.seq))
    .limit(limit);
}
