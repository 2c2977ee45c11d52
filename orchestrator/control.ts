// Supervising runs that are under way: live state from the workflow itself, pause, resume, stop, terminate.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { RunRow } from '../db/schema.js';
import { pauseUpdate, resumeUpdate, stateQuery, type RunLiveState } from '../workflows/control.js';

export class RunControlError extends Error {
  constructor(
    readonly code: 'RUN_NOT_ACTIVE' | 'RUN_CONTROL_REJECTED',
    message: string,
  ) {
    super(message);
  }
}

function translate(err: unknown, run: RunRow): never {
  if (err instanceof WorkflowNotFoundError) throw new RunControlError('RUN_NOT_ACTIVE', `Run ${run.id} is not running`);
  if (err instanceof WorkflowUpdateFailedError) throw new RunControlError('RUN_CONTROL_REJECTED', err.cause?.message ?? err.message);
  // An update sent to a closed workflow fails with a plain service error naming the completed execution.
  if (err instanceof Error && /workflow execution already completed|not found/i.test(err.message)) {
    throw new RunControlError('RUN_NOT_ACTIVE', `Run ${run.id} is not running`);
  }
  throw err;
}

export async function liveState(client: Client, run: RunRow): Promise<RunLiveState> {
  return client.workflow.getHandle(run.temporalWorkflowId).query(stateQuery).catch((err: unknown) => translate(err, run));
}

export async function pauseRun(client: Client, run: RunRow, by?: string): Promise<RunLiveState> {
  return client.workflow.getHandle(run.temporalWorkflowId).executeUpdate(pauseUpdate, { args: [{ ...(by ? { by } : {}) }] }).catch((err: unknown) => translate(err, run));
}

export async function resumeRun(client: Client, run: RunRow, by?: string): Promise<RunLiveState> {
  return client.workflow.getHandle(run.temporalWorkflowId).executeUpdate(resumeUpdate, { args: [{ ...(by ? { by } : {}) }] }).catch((err: unknown) => translate(err, run));
}

/** Stop: cancels the workflow; in-flight nodes see their abort signal through heartbeats. Status becomes `cancelled`. */
export async function stopRun(client: Client, run: RunRow): Promise<void> {
  const handle = client.workflow.getHandle(run.temporalWorkflowId);
  const { status } = await handle.describe().catch((err: unknown) => translate(err, run));
  if (status.name !== 'RUNNING') throw new RunControlError('RUN_NOT_ACTIVE', `Run ${run.id} is not running`);
  await handle.cancel().catch((err: unknown) => translate(err, run));
}

/** Terminate, for operators: ends the workflow at once, without letting it record anything. */
export async function terminateRun(client: Client, run: RunRow, reason: string): Promise<void> {
  await client.workflow.getHandle(run.temporalWorkflowId).terminate(reason).catch((err: unknown) => translate(err, run));
}
