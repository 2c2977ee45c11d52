// A schedule's tick, the side-effecting half: decides whether the tick starts a run (only while the workflow is
// still active at the version the schedule was written for), compiles that version and records the run. The tick
// workflow (workflows/scheduled-run.ts) then runs it as its child. A retried attempt finds the run it recorded:
// the run id derives from the tick's Temporal workflow id, which the schedule makes unique per tick.
import { ApplicationFailure } from '@temporalio/activity';
import { compile } from '../compiler/compile.js';
import type { Database } from '../db/client.js';
import { listCredentials } from '../db/credential-store.js';
import { derivedId } from '../db/ids.js';
import { offload } from '../db/payload-store.js';
import { findRun, insertRun } from '../db/run-store.js';
import { addUsage } from '../db/usage-store.js';
import { findWorkflow, findWorkflowVersion } from '../db/workflow-store.js';
import type { OwnerNodes } from '../db/custom-node-registry.js';
import { PrepareScheduledRunSchema, type PrepareScheduledRun, type PreparedScheduledRun } from './contracts.js';

/** The Loom run a tick starts: the same id on every attempt, and for anyone reading the schedule's recent actions. */
export const runIdOfTick = (tickWorkflowId: string): string => derivedId('run', `schedule-tick:${tickWorkflowId}`);

export function createScheduledRunActivities(deps: { db: Database; owners: OwnerNodes }) {
  const { db } = deps;
  return {
    async prepareScheduledRun(raw: PrepareScheduledRun): Promise<PreparedScheduledRun> {
      const tick = PrepareScheduledRunSchema.parse(raw);
      const runId = runIdOfTick(tick.tickWorkflowId);
      const recorded = await findRun(db, runId);
      const workflow = await findWorkflow(db, tick.ownerId, tick.workflowId);
      if (recorded) {
        // An earlier attempt recorded it: start that run, whatever happened to the workflow since.
        const { plan, planHash, input, temporalWorkflowId } = recorded;
        return {
          kind: 'start',
          runId,
          temporalWorkflowId,
          workflowName: workflow?.name ?? '',
          plan,
          planHash,
          input: await offload(db, runId, null, input),
        };
      }
      // A tick that raced a deactivation, a deletion or a newer activation starts nothing: the schedule is being
      // deleted or rewritten, and only the version active now may run.
      if (!workflow) return { kind: 'skipped', reason: 'the workflow was deleted' };
      if (workflow.activeVersion !== tick.version)
        return {
          kind: 'skipped',
          reason: workflow.activeVersion === null ? 'the workflow is not active' : `version ${tick.version} is no longer active`,
        };
      const saved = await findWorkflowVersion(db, tick.ownerId, tick.workflowId, tick.version);
      if (!saved) return { kind: 'skipped', reason: `version ${tick.version} does not exist` };
      const [stored, nodes] = await Promise.all([listCredentials(db, tick.ownerId), deps.owners.registryFor(tick.ownerId)]);
      const credentials = stored.map((c) => ({ id: c.id, type: c.type }));
      const compiled = compile(saved.document, { catalog: nodes.catalog, credentials });
      if (!compiled.ok || !compiled.plan) {
        // It compiled at activation; a credential deleted since can break it. The tick fails, visibly in Temporal,
        // and a schedule that pauses on failure pauses.
        const first = compiled.errors[0];
        throw ApplicationFailure.nonRetryable(
          `Version ${tick.version} no longer compiles (${compiled.errors.length} errors; first: ${first?.code ?? ''} ${first?.message ?? ''})`,
          'WORKFLOW_INVALID',
        );
      }
      const input = { scheduledAt: tick.scheduledAt, triggerNodeId: tick.triggerNodeId };
      const run = await insertRun(db, {
        id: runId,
        ownerId: tick.ownerId,
        workflowId: tick.workflowId,
        plan: compiled.plan,
        planHash: compiled.plan.hash,
        trigger: 'schedule',
        input,
        startedBy: tick.ownerId,
      });
      await addUsage(db, tick.ownerId, 'runs', 1, new Date());
      return {
        kind: 'start',
        runId,
        temporalWorkflowId: run.temporalWorkflowId,
        workflowName: workflow.name,
        plan: compiled.plan,
        planHash: compiled.plan.hash,
        input: await offload(db, runId, null, input),
      };
    },
  };
}
