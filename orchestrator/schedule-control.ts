// A workflow's schedules as the API shows and controls them: each one's timing, next run times and recent runs;
// pause, resume, fire now. The schedules a workflow has are those Temporal holds among the ones it may own
// (schedules.ts); an inactive workflow, or one with none, is NO_SCHEDULE.
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import { z } from 'zod';
import { runIdOfTick } from '../activities/scheduled-run.js';
import { ScheduledTickSchema, type ScheduledTick } from '../activities/contracts.js';
import type { Database } from '../db/client.js';
import type { WorkflowRow } from '../db/schema.js';
import { findWorkflowVersion, listNodeIdsEverOfType } from '../db/workflow-store.js';
import { scheduleTimingOf, scheduleTrigger, type OverlapPolicy } from '../nodes/triggers.js';
import { OrchestratorError } from './errors.js';
import { OVERLAP, scheduleIdOf, unavailable, type ScheduleDeps } from './schedules.js';

const NEXT_RUNS_SHOWN = 5;

/** Temporal's overlap policy names back to the trigger's. */
const OVERLAP_OF: Partial<Record<ScheduleOverlapPolicy & string, OverlapPolicy>> = Object.fromEntries(
  Object.entries(OVERLAP).map(([loom, temporal]) => [temporal, loom]),
);

interface ExistingSchedule {
  scheduleId: string;
  triggerNodeId: string;
  handle: ScheduleHandle;
  description: ScheduleDescription;
}

/** The active workflow's schedules as Temporal has them; NO_SCHEDULE when it is inactive or has none. */
async function existingSchedules(deps: Pick<ScheduleDeps, 'db' | 'client'>, workflow: WorkflowRow): Promise<ExistingSchedule[]> {
  if (workflow.activeVersion === null) throw new OrchestratorError('NO_SCHEDULE', `Workflow ${workflow.id} is not active`);
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
