// A schedule's tick: the workflow a Temporal Schedule starts (orchestrator/schedules.ts). One activity decides
// whether the tick runs and records the Loom run; the run itself is an ordinary `loomRun`, started as this
// workflow's child (`run-<runId>`, abandoned if the tick is closed), so the schedule's overlap policy applies to
// whole runs and a failed run fails the tick, which is what the schedule's pause-on-failure watches. Deterministic:
// everything it reads comes from its input, workflowInfo() and the activity's recorded result.
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowFailure,
  executeChild,
  ParentClosePolicy,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { LoomActivities } from '../activities/index.js';
import type { ScheduledTick } from '../activities/contracts.js';
import type { loomRun } from './run.js';
import { LoomRunId, LoomStatus, LoomUserId, LoomWorkflowId, LoomWorkflowName, runSummary } from './search-attributes.js';

/** Set by the schedule on every execution it starts: the tick's nominal time (a manual trigger: when it was asked). */
const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

const scheduling = proxyActivities<LoomActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

export interface ScheduledRunResult {
  status: 'skipped' | 'completed' | 'cancelled';
  runId?: string;
  reason?: string;
}

export async function loomScheduledRun(tick: ScheduledTick): Promise<ScheduledRunResult> {
  const info = workflowInfo();
  const scheduledAt = info.typedSearchAttributes.get(TemporalScheduledStartTime) ?? info.startTime;
  const prepared = await scheduling.prepareScheduledRun({
    ...tick,
    tickWorkflowId: info.workflowId,
    scheduledAt: scheduledAt.toISOString(),
  });
  if (prepared.kind === 'skipped') return { status: 'skipped', reason: prepared.reason };
  const { runId } = prepared;
  // Runs started after #19 carry the workflow's name as a search attribute and a summary for the Web UI.
  const described = patched('run-summary-and-name');
  try {
    const result = await executeChild<typeof loomRun>('loomRun', {
      workflowId: prepared.temporalWorkflowId,
      args: [
        {
          runId,
          workflowId: tick.workflowId,
          plan: prepared.plan,
          input: prepared.input,
          triggerNodeId: tick.triggerNodeId,
          ...(tick.historyEvents ? { historyEvents: tick.historyEvents } : {}),
        },
      ],
      // A tick terminated or timed out (terminate-other, an operator) leaves its run running: the run has its own
      // supervision. A cancelled tick (cancel-other) cancels the run, which is what that policy asks for.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: LoomRunId, value: runId },
        { key: LoomWorkflowId, value: tick.workflowId },
        { key: LoomUserId, value: tick.ownerId },
        { key: LoomStatus, value: 'running' },
        ...(described ? [{ key: LoomWorkflowName, value: prepared.workflowName }] : []),
      ],
      memo: { workflowName: prepared.workflowName, planHash: prepared.planHash, trigger: 'schedule' },
      ...(described ? { staticSummary: runSummary(prepared.workflowName, 'schedule') } : {}),
    });
    if (result.status === 'failed') throw ApplicationFailure.nonRetryable(`Run ${runId} failed`, 'RUN_FAILED');
    return { status: result.status, runId };
  } catch (err) {
    // A run someone stopped is not a failure of the schedule; a failed one is. A run cancelled because the tick
    // was (cancel-other) ends the tick as cancelled.
    if (err instanceof ChildWorkflowFailure && err.cause instanceof CancelledFailure) {
      if (CancellationScope.current().consideredCancelled) throw err;
      return { status: 'cancelled', runId };
    }
    if (err instanceof ChildWorkflowFailure)
      throw ApplicationFailure.nonRetryable(`Run ${runId} failed: ${err.cause?.message ?? ''}`, 'RUN_FAILED');
    throw err;
  }
}
