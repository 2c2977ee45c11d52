// A workflow's schedules (its schedule triggers as Temporal Schedules): when they fire next, what they started,
// and pause, resume or fire now. Another user's workflow is a 404; one without an active schedule (inactive, or
// its active version has no schedule trigger) is a 409 NO_SCHEDULE, since the workflow is there but not in a state
// that has one. Activation writes the schedules (orchestrator/schedules.ts syncSchedules).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findWorkflow } from '../../../db/workflow-store.js';
import { OVERLAP_POLICIES } from '../../../nodes/triggers.js';
import { describeSchedules, pauseSchedules, triggerSchedules, unpauseSchedules } from '../../../orchestrator/schedule-control.js';
import type { ScheduleDeps } from '../../../orchestrator/schedules.js';
import { principalOf } from '../auth/authenticate.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const NoteBody = z
  .object({ note: z.string().max(500).optional() })
  .strict()
  .nullish()
  .transform((b) => b ?? {});

const ScheduleViewSchema = z.object({
  scheduleId: z.string(),
  triggerNodeId: z.string(),
  version: z.number().int(),
  when: z.union([
    z.object({ mode: z.literal('cron'), cron: z.string(), timezone: z.string() }),
    z.object({ mode: z.literal('interval'), everySeconds: z.number() }),
    z.null(),
  ]),
  overlap: z.enum(OVERLAP_POLICIES),
  pauseOnFailure: z.boolean(),
  paused: z.boolean(),
  note: z.string().nullable(),
  nextRunTimes: z.array(z.string()),
  recentRuns: z.array(z.object({ scheduledAt: z.string(), takenAt: z.string(), runId: z.string() })),
  ticksTaken: z.number().int(),
});
const SchedulesSchema = z.object({ workflowId: z.string(), activeVersion: z.number().int(), schedules: z.array(ScheduleViewSchema) });
const ChangedSchema = z.object({ workflowId: z.string(), schedules: z.array(z.string()) });

export const scheduleRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const schedules = scheduleDepsOf(deps);
  const errors = errorResponses(400, 401, 403, 404, 409, 429, 503);

  async function ownWorkflow(ownerId: string, id: string) {
    const workflow = await findWorkflow(db, ownerId, id);
    if (!workflow) throw new ApiError('NOT_FOUND', `Workflow ${id} not found`);
    return workflow;
  }

  r.get(
    '/v1/workflows/:id/schedule',
    { config: { access: 'user', scope: 'workflows:read' }, schema: { params: IdParams, response: { 200: SchedulesSchema, ...errors } } },
    async (req) => {
      const workflow = await ownWorkflow(principalOf(req).userId, req.params.id);
      const views = await describeSchedules(schedules, workflow);
      return {
        workflowId: workflow.id,
        activeVersion: workflow.activeVersion ?? 0,
        schedules: views.map((v) => ({
          ...v,
          nextRunTimes: v.nextRunTimes.map((t) => t.toISOString()),
          recentRuns: v.recentRuns.map((a) => ({ ...a, scheduledAt: a.scheduledAt.toISOString(), takenAt: a.takenAt.toISOString() })),
        })),
      };
    },
  );

  const actions = [
    ['pause', (w, note) => pauseSchedules(schedules, w, note)],
    ['unpause', (w, note) => unpauseSchedules(schedules, w, note)],
    ['trigger', (w) => triggerSchedules(schedules, w)],
  ] as const satisfies readonly [string, (w: Parameters<typeof pauseSchedules>[1], note: string | undefined) => Promise<string[]>][];
  for (const [action, apply] of actions) {
    r.post(
      `/v1/workflows/:id/schedule/${action}`,
      {
        // Firing now starts a run, so it counts against the caller's execution rate like a manual run.
        config: { access: 'user', scope: 'workflows:write', ...(action === 'trigger' ? { limit: 'execute' as const } : {}) },
        schema: { params: IdParams, body: NoteBody, response: { 200: ChangedSchema, ...errors } },
      },
      async (req) => {
        const workflow = await ownWorkflow(principalOf(req).userId, req.params.id);
        return { workflowId: workflow.id, schedules: await apply(workflow, req.body.note) };
      },
    );
  }
};

/** What the orchestrator's schedule calls need of the gateway's dependencies (activation passes these to syncSchedules). */
export function scheduleDepsOf(deps: GatewayDeps): ScheduleDeps {
  return {
    db: deps.database.db,
    client: deps.temporal.client,
    taskQueue: deps.temporal.taskQueue,
    minIntervalSeconds: deps.temporal.scheduleMinIntervalSeconds,
    runHistoryEvents: deps.temporal.runHistoryEvents,
  };
}
