// Starting runs and reading their true state: the one place that turns a stored workflow into a Temporal execution.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { offload } from '../db/payload-store.js';
import type { Plan } from '../compiler/plan.js';
import type { Database } from '../db/client.js';
import { findRun, insertRun, markRunFinished, TERMINAL_RUN_STATUSES } from '../db/run-store.js';
import type { RunRow, RunStatus, WorkflowRow } from '../db/schema.js';
import { LoomRunId, LoomStatus, LoomUserId, LoomWorkflowId, LoomWorkflowName, runSummary } from '../workflows/search-attributes.js';
import type { loomRun } from '../workflows/run.js';
import type { RunErrorCode } from '../nodes/sdk/run-error-codes.js';
import { OrchestratorError } from './errors.js';

export interface RunStarterDeps {
  db: Database;
  client: Client;
  taskQueue: string;
  /** A run's execution continues as new past this many history events (config LOOM_RUN_HISTORY_EVENTS). */
  runHistoryEvents?: number;
}

/** Records the run, then starts its Temporal workflow (its id is the run's: `run_...`). A run that could not start is marked failed. */
export async function startRun(
  deps: RunStarterDeps,
  args: {
    workflow: WorkflowRow;
    plan: Plan;
    input: unknown;
    trigger: string;
    startedBy?: string;
    /** Which trigger node fired (default: the plan's first). */
    triggerNodeId?: string;
    /** A run id the caller derived (a webhook delivery's), so a repeated delivery names the same run. */
    runId?: string;
    /** A partial run's pinned outputs (orchestrator/partial-runs.ts), by node id. */
    pinned?: Record<string, unknown>;
  },
): Promise<RunRow> {
  const startedBy = args.startedBy ?? args.workflow.ownerId;
  // A run belongs to the workflow's owner, whoever started it.
  const run = await insertRun(deps.db, {
    ...(args.runId ? { id: args.runId } : {}),
    ownerId: args.workflow.ownerId,
    workflowId: args.workflow.id,
    plan: args.plan,
    planHash: args.plan.hash,
    trigger: args.trigger,
    input: args.input,
    startedBy,
  });
  // A large trigger payload (a webhook body, an API upload) enters the workflow as a reference.
  const input = await offload(deps.db, run.id, null, args.input);
  // Pinned outputs enter the workflow like the input: a large one as a reference the activities resolve.
  const pinned = args.pinned
    ? Object.fromEntries(await Promise.all(Object.entries(args.pinned).map(async ([id, v]) => [id, await offload(deps.db, run.id, id, v)])))
    : undefined;
  try {
    await deps.client.workflow.start<typeof loomRun>('loomRun', {
      workflowId: run.temporalWorkflowId,
      taskQueue: deps.taskQueue,
      args: [
        {
          runId: run.id,
          workflowId: args.workflow.id,
          plan: args.plan,
          input,
          ...(args.triggerNodeId ? { triggerNodeId: args.triggerNodeId } : {}),
          ...(deps.runHistoryEvents ? { historyEvents: deps.runHistoryEvents } : {}),
          ...(pinned ? { pinned } : {}),
        },
      ],
      typedSearchAttributes: [
        { key: LoomRunId, value: run.id },
        { key: LoomWorkflowId, value: args.workflow.id },
        { key: LoomUserId, value: args.workflow.ownerId },
        { key: LoomStatus, value: 'running' },
        { key: LoomWorkflowName, value: args.workflow.name },
      ],
      memo: { workflowName: args.workflow.name, planHash: args.plan.hash, trigger: args.trigger },
      // What the Web UI lists for the run, instead of the bare workflow type.
      staticSummary: runSummary(args.workflow.name, args.trigger),
      staticDetails: `Loom run ${run.id} of workflow ${args.workflow.id} (plan ${args.plan.hash.slice(0, 12)}), started by ${startedBy}`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return run;
    const message = err instanceof Error ? err.message : String(err);
    await markRunFinished(deps.db, run.id, {
      status: 'failed',
      error: { code: 'TEMPORAL_UNAVAILABLE' satisfies RunErrorCode, message },
      at: new Date(),
    });
    throw new OrchestratorError('TEMPORAL_UNAVAILABLE', `Could not start run ${run.id}: ${message}`, { cause: err });
  }
  return run;
}

/** Temporal's closed statuses that the workflow could not record itself (it was not running to do so). */
const CLOSED_WITHOUT_BOOKKEEPING: Record<string, { status: RunStatus; code: RunErrorCode }> = {
  TERMINATED: { status: 'terminated', code: 'RUN_TERMINATED' },
  TIMED_OUT: { status: 'timed_out', code: 'RUN_TIMED_OUT' },
  CANCELLED: { status: 'cancelled', code: 'RUN_CANCELLED' },
};

/**
 * Returns the run as stored, after reconciling a non-terminal row with Temporal: a run terminated by an operator or
 * timed out never got to record that, and must not show `running` forever.
 */
export async function readRun(deps: RunStarterDeps, runId: string, ownerId?: string): Promise<RunRow | undefined> {
  const run = await findRun(deps.db, runId, ownerId);
  if (!run || TERMINAL_RUN_STATUSES.includes(run.status)) return run;
  try {
    // The workflow id alone describes the chain's current execution (never CONTINUED_AS_NEW while it runs).
    const description = await deps.client.workflow.getHandle(run.temporalWorkflowId).describe();
    const closed = CLOSED_WITHOUT_BOOKKEEPING[description.status.name];
    if (!closed) return run;
    const { status, code } = closed;
    const at = description.closeTime ?? new Date();
    const error = { code, message: `The run was ${status.replace('_', ' ')} in Temporal` };
    await markRunFinished(deps.db, run.id, { status, error, at });
    return { ...run, status, error, finishedAt: at };
  } catch {
    // Temporal unreachable or the execution is gone: the stored row is the best answer there is.
    return run;
  }
}
