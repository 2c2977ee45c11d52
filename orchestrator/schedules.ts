// A workflow's schedule triggers as Temporal Schedules: written when a version is activated, deleted when it is
// deactivated or deleted (read, paused, resumed and fired for the API in schedule-control.ts). Temporal holds them:
// they survive restarts of everything and show in its Web UI; Loom keeps no table of them. A schedule is named
// after its trigger node (`loom-<workflowId>-<nodeId>`), and the nodes it may belong to are the schedule triggers
// of any version the workflow ever had (db/workflow-store.ts listNodeIdsEverOfType), so finding them never waits
// on Temporal's eventually consistent listing.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleHandle,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import type { ScheduledTick } from '../activities/contracts.js';
import { expandPlan, type Plan } from '../compiler/plan.js';
import type { Database } from '../db/client.js';
import type { WorkflowRow } from '../db/schema.js';
import { listNodeIdsEverOfType } from '../db/workflow-store.js';
import { scheduleTimingOf, scheduleTrigger, type OverlapPolicy, type ScheduleTiming } from '../nodes/triggers.js';
import type { loomScheduledRun } from '../workflows/scheduled-run.js';
import { LoomUserId, LoomWorkflowId } from '../workflows/search-attributes.js';
import { OrchestratorError } from './errors.js';

export interface ScheduleDeps {
  db: Database;
  client: Client;
  taskQueue: string;
  /** The shortest time between two ticks (config LOOM_SCHEDULE_MIN_INTERVAL_SECONDS); default 60. */
  minIntervalSeconds?: number | undefined;
  /** Passed to every scheduled run (see RunStarterDeps.runHistoryEvents). */
  runHistoryEvents?: number | undefined;
}

const DEFAULT_MIN_INTERVAL_SECONDS = 60;
/** Ticks missed while Temporal was down are taken up to this late, then skipped (a backlog would flood the run). */
const CATCHUP_WINDOW = '1 minute';

export const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  bufferOne: ScheduleOverlapPolicy.BUFFER_ONE,
  bufferAll: ScheduleOverlapPolicy.BUFFER_ALL,
  cancelOther: ScheduleOverlapPolicy.CANCEL_OTHER,
  allowAll: ScheduleOverlapPolicy.ALLOW_ALL,
};

export const scheduleIdOf = (workflowId: string, nodeId: string): string => `loom-${workflowId}-${nodeId}`;

export interface ScheduleChange {
  scheduleId: string;
  triggerNodeId: string;
  change: 'created' | 'updated' | 'deleted';
}

type StartTick = ScheduleOptionsStartWorkflowAction<typeof loomScheduledRun>;

/**
 * The plan's schedule triggers with their timing, every one checked: SCHEDULE_TOO_FREQUENT when one fires faster
 * than the installation allows. syncSchedules checks before it touches any schedule; activation may check first.
 */
export function checkSchedules(deps: Pick<ScheduleDeps, 'minIntervalSeconds'>, plan: Plan): { nodeId: string; timing: ScheduleTiming }[] {
  const minIntervalSeconds = deps.minIntervalSeconds ?? DEFAULT_MIN_INTERVAL_SECONDS;
  return expandPlan(plan)
    .nodes.filter((n) => n.type === scheduleTrigger.type)
    .map((node) => {
      const timing = scheduleTimingOf(node.config);
      // The compiler accepted this config with the same schema, so this is a plan from somewhere else.
      if (!timing) throw new Error(`Schedule trigger ${node.id} has no valid schedule`);
      if (timing.minGapSeconds < minIntervalSeconds)
        throw new OrchestratorError(
          'SCHEDULE_TOO_FREQUENT',
          `Schedule trigger ${node.id} would fire every ${timing.minGapSeconds} s; this installation allows at most one tick every ${minIntervalSeconds} s`,
        );
      return { nodeId: node.id, timing };
    });
}

function scheduleOptions(
  deps: ScheduleDeps,
  workflow: WorkflowRow,
  version: number,
  trigger: { nodeId: string; timing: ScheduleTiming },
): ScheduleOptions<StartTick> {
  const { when, overlap, pauseOnFailure } = trigger.timing;
  const tick: ScheduledTick = {
    workflowId: workflow.id,
    ownerId: workflow.ownerId,
    version,
    triggerNodeId: trigger.nodeId,
    ...(deps.runHistoryEvents ? { historyEvents: deps.runHistoryEvents } : {}),
  };
  const owner = [
    { key: LoomWorkflowId, value: workflow.id },
    { key: LoomUserId, value: workflow.ownerId },
  ];
  return {
    scheduleId: scheduleIdOf(workflow.id, trigger.nodeId),
    spec: 'cron' in when ? { cronExpressions: [when.cron], timezone: when.timezone } : { intervals: [{ every: when.everySeconds * 1000 }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'loomScheduledRun',
      // Temporal appends the tick's time, so every tick is its own execution (and its own run id).
      workflowId: `tick-${workflow.id}-${trigger.nodeId}`,
      taskQueue: deps.taskQueue,
      args: [tick],
      typedSearchAttributes: owner,
    },
    policies: { overlap: OVERLAP[overlap], catchupWindow: CATCHUP_WINDOW, pauseOnFailure },
    // Temporal keeps a schedule's memo as created (an update cannot change it): only what never changes.
    memo: { workflowId: workflow.id, triggerNodeId: trigger.nodeId },
    typedSearchAttributes: owner,
  };
}

/** Deletes the schedule; true when there was one. */
async function deleteSchedule(handle: ScheduleHandle): Promise<boolean> {
  try {
    await handle.delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw unavailable(err);
  }
}

export function unavailable(err: unknown): unknown {
  if (err instanceof OrchestratorError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new OrchestratorError('TEMPORAL_UNAVAILABLE', `Temporal refused the schedule change: ${message}`, { cause: err });
}

/**
 * Makes the workflow's schedules those of `plan` (the version being activated): creates or updates one per
 * schedule trigger, keeping a paused schedule paused, and deletes those of trigger nodes the plan no longer has.
 * Refuses with SCHEDULE_TOO_FREQUENT before changing anything when a trigger fires faster than allowed. A plan
 * without schedule triggers only deletes. Activations of one workflow must not interleave (the last write must be
 * of the version left active): ticks of any other version start nothing.
 */
export async function syncSchedules(
  deps: ScheduleDeps,
  args: { workflow: WorkflowRow; version: number; plan: Plan },
): Promise<ScheduleChange[]> {
  const triggers = checkSchedules(deps, args.plan);
  const changes: ScheduleChange[] = [];
  for (const trigger of triggers) {
    const options = scheduleOptions(deps, args.workflow, args.version, trigger);
    const change = { scheduleId: options.scheduleId, triggerNodeId: trigger.nodeId };
    try {
      await deps.client.schedule.create(options);
      changes.push({ ...change, change: 'created' });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw unavailable(err);
      const { scheduleId: _id, memo: _memo, ...update } = options;
      await deps.client.schedule
        .getHandle(options.scheduleId)
        .update((previous) => ({ ...update, state: { paused: previous.state.paused, note: previous.state.note } }))
        .catch((e: unknown) => Promise.reject(unavailable(e)));
      changes.push({ ...change, change: 'updated' });
    }
  }
  const kept = new Set(triggers.map((t) => t.nodeId));
  for (const nodeId of await listNodeIdsEverOfType(deps.db, args.workflow.id, scheduleTrigger.type)) {
    if (kept.has(nodeId)) continue;
    const scheduleId = scheduleIdOf(args.workflow.id, nodeId);
    if (await deleteSchedule(deps.client.schedule.getHandle(scheduleId)))
      changes.push({ scheduleId, triggerNodeId: nodeId, change: 'deleted' });
  }
  return changes;
}

/** Deletes every schedule of the workflow (deactivation, deletion). Idempotent: one already gone is no change. */
export async function removeSchedules(deps: Pick<ScheduleDeps, 'db' | 'client'>, workflowId: string): Promise<ScheduleChange[]> {
  const changes: ScheduleChange[] = [];
  for (const nodeId of await listNodeIdsEverOfType(deps.db, workflowId, scheduleTrigger.type)) {
    const scheduleId = scheduleIdOf(workflowId, nodeId);
    if (await deleteSchedule(deps.client.schedule.getHandle(scheduleId)))
      changes.push({ scheduleId, triggerNodeId: nodeId, change: 'deleted' });
  }
  return changes;
}
