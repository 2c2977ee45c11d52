// The recordProgress activity: run status changes and the results of nodes the workflow evaluated itself.
import type { Database } from '../db/client.js';
import { appendRunEvents } from '../db/event-store.js';
import { markRunFinished, markRunStarted, setRunStatus, upsertNodeExecutions } from '../db/run-store.js';
import { recordRunUsage } from '../db/usage-store.js';
import type { LoomMetrics } from '../platform/metrics.js';
import { events, redactErrorInfo, type RunEvent } from './events.js';
import { ItemsProgressSchema, RecordProgressSchema, type ItemsProgress, type RecordProgress } from './contracts.js';

export function createRecordProgress(db: Database, metrics?: LoomMetrics) {
  return async function recordProgress(raw: RecordProgress): Promise<void> {
    const p = RecordProgressSchema.parse(raw);
    const batch: RunEvent[] = [];
    for (const n of p.nodes) {
      if (n.status === 'skipped') batch.push(events.nodeSkipped(n.nodeId));
      else if (n.status === 'cancelled') batch.push(events.nodeCancelled(n.nodeId));
      else if (n.status === 'completed')
        batch.push(events.nodeStarted(n.nodeId, 1, n.input), events.nodeCompleted(n.nodeId, n.output, duration(n)));
      else if (n.status === 'failed') batch.push(events.nodeStarted(n.nodeId, 1, n.input), events.nodeFailed(n.nodeId, n.error));
    }
    await upsertNodeExecutions(
      db,
      p.nodes.map((n) => ({
        runId: p.runId,
        nodeId: n.nodeId,
        nodeType: n.nodeType,
        status: n.status,
        attempt: 1,
        input: n.input,
        output: n.output,
        // Errors of nodes the workflow evaluated itself (an expression that failed) may quote the data they read.
        error: n.error && redactErrorInfo(n.error),
        fired: n.fired,
        ...(n.startedAt !== undefined ? { startedAt: new Date(n.startedAt) } : {}),
        ...(n.finishedAt !== undefined ? { finishedAt: new Date(n.finishedAt) } : {}),
      })),
    );
    if (p.run) {
      const { status, at, occurrence } = p.run;
      if (status === 'running' && !occurrence) {
        await markRunStarted(db, p.runId, new Date(at));
        metrics?.runsStarted.inc();
      } else if (status === 'running' || status === 'paused') await setRunStatus(db, p.runId, status);
      else {
        // One transaction: a crash between the two can neither lose the usage nor, on retry, count it twice.
        const finished = await db.transaction(async (tx) => {
          const t = tx as unknown as Database;
          const first = await markRunFinished(t, p.runId, {
            status,
            output: p.run!.output,
            error: p.run!.error && redactErrorInfo(p.run!.error),
            at: new Date(at),
          });
          if (first) await recordRunUsage(t, p.runId, new Date(at));
          return first;
        });
        // Counted once: a retried record finds the run finished already.
        if (finished) metrics?.runsFinished.inc({ status });
      }
      const label = status === 'running' && occurrence ? 'resumed' : status;
      const event = events.runStatus(label, { output: p.run.output, error: p.run.error }, occurrence);
      // run_started opens the log; every other run event comes after the node events of the same call.
      if (event && status === 'running' && !occurrence) batch.unshift(event);
      else if (event) batch.push(event);
    }
    await appendRunEvents(db, p.runId, batch);
  };
}

function duration(n: { startedAt?: number | undefined; finishedAt?: number | undefined }): number | undefined {
  return n.startedAt !== undefined && n.finishedAt !== undefined ? n.finishedAt - n.startedAt : undefined;
}

/** The recordItemsProgress activity: one items_progress event (a loop's count of items done). */
export function createRecordItemsProgress(db: Database) {
  return async function recordItemsProgress(raw: ItemsProgress): Promise<void> {
    const p = ItemsProgressSchema.parse(raw);
    await appendRunEvents(db, p.runId, [events.itemsProgress(p)]);
  };
}
