// The recordProgress activity: run status changes and the results of nodes the workflow evaluated itself.
import type { Database } from '../db/client.js';
import { markRunFinished, markRunStarted, upsertNodeExecution } from '../db/run-store.js';
import { RecordProgressSchema, type RecordProgress } from './contracts.js';

export function createRecordProgress(db: Database) {
  return async function recordProgress(raw: RecordProgress): Promise<void> {
    const p = RecordProgressSchema.parse(raw);
    for (const n of p.nodes) {
      await upsertNodeExecution(db, {
        runId: p.runId,
        nodeId: n.nodeId,
        nodeType: n.nodeType,
        status: n.status,
        attempt: 1,
        input: n.input,
        output: n.output,
        error: n.error,
        ...(n.startedAt !== undefined ? { startedAt: new Date(n.startedAt) } : {}),
        ...(n.finishedAt !== undefined ? { finishedAt: new Date(n.finishedAt) } : {}),
      });
    }
    if (p.run?.status === 'running') await markRunStarted(db, p.runId, new Date(p.run.at));
    else if (p.run) await markRunFinished(db, p.runId, { status: p.run.status, output: p.run.output, error: p.run.error, at: new Date(p.run.at) });
  };
}
