// Supervising runs that are under way: live state from the workflow itself, pause, resume, stop, terminate.
// Every handle names the workflow id alone, never a Temporal run id: a run that continued as new is one chain,
// and queries, updates, cancel and terminate reach its current execution.
import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import { appendAudit } from '../db/request-store.js';
import type { RunRow } from '../db/schema.js';
import { pauseUpdate, resumeUpdate, stateQuery, type RunLiveState } from '../workflows/control.js';
import { OrchestratorError, temporalVerdict } from './errors.js';

function translate(err: unknown, run: RunRow): never {
  const verdict = temporalVerdict(err);
  if (verdict?.kind === 'closed') throw new OrchestratorError('RUN_NOT_ACTIVE', `Run ${run.id} is not running`, { cause: err });
  if (verdict?.kind === 'refused') throw new OrchestratorError('RUN_CONTROL_REJECTED', verdict.reason, { cause: err });
  throw err;
}

export type ControlAction = 'pause' | 'resume' | 'stop' | 'terminate';

/**
 * Carries out a supervision action and records who did it in the run's audit trail (only when it took effect).
 * `by` is the acting user once accounts exist; until then the channel's name.
 */
export async function superviseRun(
  deps: { db: Database; client: Client },
  run: RunRow,
  action: ControlAction,
  who: { by: string; via: 'api' | 'websocket'; reason?: string },
): Promise<RunLiveState | undefined> {
  const result =
    action === 'pause'
      ? await pauseRun(deps.client, run, who.by)
      : action === 'resume'
        ? await resumeRun(deps.client, run, who.by)
        : action === 'stop'
          ? await stopRun(deps.client, run)
          : await terminateRun(deps.client, run, who.reason ?? `terminated by ${who.by}`);
  await appendAudit(deps.db, {
    requestId: null,
    runId: run.id,
    action,
    question: null,
    answer: who.reason ?? null,
    actor: who.by,
    channel: who.via,
    latencyMs: null,
  });
  return result ?? undefined;
}

export async function liveState(client: Client, run: RunRow): Promise<RunLiveState> {
  return client.workflow
    .getHandle(run.temporalWorkflowId)
    .query(stateQuery)
    .catch((err: unknown) => translate(err, run));
}

export async function pauseRun(client: Client, run: RunRow, by?: string): Promise<RunLiveState> {
  return client.workflow
    .getHandle(run.temporalWorkflowId)
    .executeUpdate(pauseUpdate, { args: [{ ...(by ? { by } : {}) }] })
    .catch((err: unknown) => translate(err, run));
}

export async function resumeRun(client: Client, run: RunRow, by?: string): Promise<RunLiveState> {
  return client.workflow
    .getHandle(run.temporalWorkflowId)
    .executeUpdate(resumeUpdate, { args: [{ ...(by ? { by } : {}) }] })
    .catch((err: unknown) => translate(err, run));
}

/** Stop: cancels the workflow; in-flight nodes see their abort signal through heartbeats. Status becomes `cancelled`. */
export async function stopRun(client: Client, run: RunRow): Promise<void> {
  const handle = client.workflow.getHandle(run.temporalWorkflowId);
  const { status } = await handle.describe().catch((err: unknown) => translate(err, run));
  if (status.name !== 'RUNNING') throw new OrchestratorError('RUN_NOT_ACTIVE', `Run ${run.id} is not running`);
  await handle.cancel().catch((err: unknown) => translate(err, run));
}

/** Terminate, for operators: ends the workflow at once, without letting it record anything. */
export async function terminateRun(client: Client, run: RunRow, reason: string): Promise<void> {
  await client.workflow
    .getHandle(run.temporalWorkflowId)
    .terminate(reason)
    .catch((err: unknown) => translate(err, run));
}
