// A workflow's schedule triggers as Temporal Schedules: written when a version is activated, deleted when the
// workflow is deactivated or deleted, read, paused, resumed and fired for the API. Temporal holds them (they
// survive restarts of everything and show in its Web UI); Loom keeps no table of them. A schedule is named
// after its trigger node (`loom-<workflowId>-<nodeId>`), and the nodes it may belong to are the schedule triggers
// of any version the workflow ever had (db/workflow-store.ts listNodeIdsEverOfType), so finding them never waits
// on Temporal's eventually consistent listing.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import { runIdOfTick } from '../activities/scheduled-run.js';
import { ScheduledTickSchema, type ScheduledTick } from '../activities/contracts.js';
import { expandPlan, type Plan } from '../compiler/plan.js';
import type { Database } from '../db/client.js';
import type { WorkflowRow } from '../db/schema.js';
import { findWorkflowVersion, listNodeIdsEverOfType } from '../db/workflow-store.js';
import { scheduleTimingOf, scheduleTrigger, type OverlapPolicy, type ScheduleTiming } from '../nodes/triggers.js';
import type { loomScheduledRun } from '../workflows/scheduled-run.js';
import { LoomUserId, LoomWorkflowId } from '../workflows/search-attributes.js';
import { z } from 'zod';
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
const NEXT_RUNS_SHOWN = 5;

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  bufferOne: ScheduleOverlapPolicy.BUFFER_ONE,
  bufferAll: ScheduleOverlapPolicy.BUFFER_ALL,
  cancelOther: ScheduleOverlapPolicy.CANCEL_OTHER,
  allowAll: ScheduleOverlapPolicy.ALLOW_ALL,
};

const OVERLAP_OF: Partial<Record<ScheduleOverlapPolicy & string, OverlapPolicy>> = Object.fromEntries(
  Object.entries(OVERLAP).map(([loom, temporal]) => [temporal, loom]),
);

export const scheduleIdOf = (workflowId: string, nodeId: string): string => `loom-${workflowId}-${nodeId}`;

export interface ScheduleChange {
  scheduleId: string;
  triggerNodeId: string;
  change: 'created' | 'updated' | 'deleted';
}

type StartTick = ScheduleOptionsStartWorkflowAction<typeof loomScheduledRun>;

/** The plan's schedule triggers with their timing, every one checked before any schedule is touched. */
function scheduleTriggersOf(plan: Plan, minIntervalSeconds: number): { nodeId: string; timing: ScheduleTiming }[] {
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
    memo: { workflowName: workflow.name, triggerNodeId: trigger.nodeId },
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

function unavailable(err: unknown): unknown {
  if (err instanceof OrchestratorError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new OrchestratorError('TEMPORAL_UNAVAILABLE', `Temporal refused the schedule change: ${message}`, { cause: err });
}

/**
 * Makes the workflow's schedules those of `plan` (the version being activated): creates or updates one per
 * schedule trigger, keeping a paused schedule paused, and deletes those of trigger nodes the plan no longer has.
 * Refuses with SCHEDULE_TOO_FREQUENT before changing anything when a trigger fires faster than allowed.
 */
export async function syncSchedules(
  deps: ScheduleDeps,
  args: { workflow: WorkflowRow; version: number; plan: Plan },
): Promise<ScheduleChange[]> {
  const triggers = scheduleTriggersOf(args.plan, deps.minIntervalSeconds ?? DEFAULT_MIN_INTERVAL_SECONDS);
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

interface ExistingSchedule {
  scheduleId: string;
  triggerNodeId: string;
  handle: ScheduleHandle;
  description: ScheduleDescription;
}

/** The active workflow's schedules as Temporal has them; NO_SCHEDULE when it is inactive or has none. */
async function existingSchedules(deps: Pick<ScheduleDeps, 'db' | 'client'>, workflow: WorkflowRow): Promise<ExistingSchedule[]> {
  const none = new OrchestratorError('NO_SCHEDULE', `Workflow ${workflow.id} is not active`);
  if (workflow.activeVersion === null) throw none;
  const found: ExistingSchedule[] = [];
  for (const triggerNodeId of await listNodeIdsEverOfType(deps.db, workflow.id, scheduleTrigger.type)) {
    const scheduleId = scheduleIdOf(workflow.id, triggerNodeId);
    const handle = deps.client.schedule.getHandle(scheduleId);
    try {
      found.push({ scheduleId, triggerNodeId, handle, description: await handle.describe() });
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw unavailable(err);
    }
  }
  if (found.length === 0)
    throw new OrchestratorError(
      'NO_SCHEDULE',
      `Active version ${workflow.activeVersion} of workflow ${workflow.id} has no schedule trigger`,
    );
  return found;
}

export type ScheduleWhen = { mode: 'cron'; cron: string; timezone: string } | { mode: 'interval'; everySeconds: number };

export interface ScheduleView {
  scheduleId: string;
  triggerNodeId: string;
  /** The version whose ticks the schedule starts. */
  version: number;
  /** As the version's trigger declares it; null if that version could not be read. */
  when: ScheduleWhen | null;
  overlap: OverlapPolicy;
  pauseOnFailure: boolean;
  paused: boolean;
  note: string | null;
  nextRunTimes: Date[];
  /** Oldest first, as Temporal keeps them (its last few); `runId` is the Loom run the tick started, if it started one. */
  recentRuns: { scheduledAt: Date; takenAt: Date; runId: string }[];
  ticksTaken: number;
}

/** Of a saved document, only what names a trigger's config (the compiler checked the rest when it was activated). */
const SavedNodesSchema = z.object({ nodes: z.array(z.object({ id: z.unknown(), config: z.unknown() })) });

/** What the schedule's version declares, read from the saved version (Temporal returns a cron as calendar parts). */
async function whenOf(db: Database, tick: ScheduledTick): Promise<ScheduleWhen | null> {
  const saved = await findWorkflowVersion(db, tick.ownerId, tick.workflowId, tick.version);
  const document = SavedNodesSchema.safeParse(saved?.document);
  const node = document.success ? document.data.nodes.find((n) => n.id === tick.triggerNodeId) : undefined;
  const timing = node ? scheduleTimingOf(node.config ?? {}) : undefined;
  if (!timing) return null;
  return 'cron' in timing.when ? { mode: 'cron', ...timing.when } : { mode: 'interval', everySeconds: timing.when.everySeconds };
}

/** The workflow's schedules with their next run times and recent runs (for GET /v1/workflows/:id/schedule). */
export async function describeSchedules(deps: Pick<ScheduleDeps, 'db' | 'client'>, workflow: WorkflowRow): Promise<ScheduleView[]> {
  const views: ScheduleView[] = [];
  for (const { scheduleId, triggerNodeId, description: d } of await existingSchedules(deps, workflow)) {
    const tick = ScheduledTickSchema.parse(d.action.args?.[0]);
    views.push({
      scheduleId,
      triggerNodeId,
      version: tick.version,
      when: await whenOf(deps.db, tick),
      overlap: OVERLAP_OF[d.policies.overlap ?? ScheduleOverlapPolicy.SKIP] ?? 'skip',
      pauseOnFailure: d.policies.pauseOnFailure,
      paused: d.state.paused,
      note: d.state.note ?? null,
      nextRunTimes: d.info.nextActionTimes.slice(0, NEXT_RUNS_SHOWN),
      recentRuns: d.info.recentActions.map((a) => ({
        scheduledAt: a.scheduledAt,
        takenAt: a.takenAt,
        runId: runIdOfTick(a.action.workflow.workflowId),
      })),
      ticksTaken: d.info.numActionsTaken,
    });
  }
  return views;
}

export type ScheduleAction = 'pause' | 'unpause' | 'trigger';

/**
 * Pauses, resumes or fires now every schedule of the workflow; returns the schedule ids. A run started by
 * `trigger` starts even while the previous one still runs (the caller asked for it now), as an ordinary tick.
 */
export async function controlSchedules(
  deps: Pick<ScheduleDeps, 'db' | 'client'>,
  workflow: WorkflowRow,
  action: ScheduleAction,
  note?: string,
): Promise<string[]> {
  const schedules = await existingSchedules(deps, workflow);
  for (const { handle } of schedules) {
    const done =
      action === 'pause'
        ? handle.pause(note)
        : action === 'unpause'
          ? handle.unpause(note)
          : handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
    await done.catch((err: unknown) => Promise.reject(unavailable(err)));
  }
  return schedules.map((s) => s.scheduleId);
}

export const pauseSchedules = (deps: Pick<ScheduleDeps, 'db' | 'client'>, workflow: WorkflowRow, note?: string) =>
  controlSchedules(deps, workflow, 'pause', note);
export const unpauseSchedules = (deps: Pick<ScheduleDeps, 'db' | 'client'>, workflow: WorkflowRow, note?: string) =>
  controlSchedules(deps, workflow, 'unpause', note);
export const triggerSchedules = (deps: Pick<ScheduleDeps, 'db' | 'client'>, workflow: WorkflowRow) =>
  controlSchedules(deps, workflow, 'trigger');
