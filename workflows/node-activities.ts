// Activity options per node (its timeout and retry policy) and the mapping of activity failures to node errors.
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  TimeoutFailure,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { NodeErrorInfo } from '../activities/contracts.js';
import type { LoomActivities } from '../activities/index.js';
import type { PlanNode } from '../compiler/plan.js';
import { NodeError } from '../nodes/sdk/errors.js';
import { loomErrorCode } from '../nodes/sdk/run-error-codes.js';

/** Heartbeats carry stop requests to a running node; a silent worker is presumed dead after this long. */
const HEARTBEAT_TIMEOUT_MS = 10_000;

/**
 * A local node's retry backoff up to this long is slept in the worker; a longer one becomes a durable timer in the
 * workflow (the SDK's localRetryThreshold), so a long backoff never holds a workflow task open.
 */
const LOCAL_RETRY_THRESHOLD_MS = 10_000;

/**
 * `budgetLeftMs` bounds all attempts together: retries never outlive the run's execution budget. `local` runs the
 * node as a local activity: no heartbeats (a stop reaches it by the workflow's own cancellation), the same timeouts
 * and retry policy. `summary`: what the Web UI shows for the activity (activitySummary) instead of `executeNode`.
 */
export function nodeActivities(node: PlanNode, budgetLeftMs: number, local = false, summary?: string): LoomActivities {
  const { retry } = node.settings;
  const timeoutMs = Math.min(node.settings.timeoutMs, budgetLeftMs);
  const common = {
    ...(summary !== undefined ? { summary } : {}),
    startToCloseTimeout: timeoutMs,
    scheduleToCloseTimeout: budgetLeftMs,
    retry: {
      maximumAttempts: retry.maxAttempts,
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maxIntervalMs,
    },
  };
  if (local)
    return proxyLocalActivities<LoomActivities>({
      ...common,
      localRetryThreshold: LOCAL_RETRY_THRESHOLD_MS,
    } satisfies LocalActivityOptions);
  return proxyActivities<LoomActivities>({
    ...common,
    heartbeatTimeout: Math.min(HEARTBEAT_TIMEOUT_MS, timeoutMs),
  } satisfies ActivityOptions);
}

/**
 * One line for the Web UI's timeline: the node's name and type, the loop item, and which round of attempts this is
 * (a round is a full set of Temporal attempts; a person answering "retry" after a failure starts round 2). Temporal
 * shows each attempt's number itself.
 */
export function activitySummary(node: Pick<PlanNode, 'name' | 'type'>, round: number, item?: number): string {
  const name = node.name.length > 120 ? `${node.name.slice(0, 119)}…` : node.name;
  return `${name} (${node.type})${item !== undefined ? ` item ${item}` : ''}${round > 1 ? `, round ${round}` : ''}`;
}

export function errorInfo(err: unknown): NodeErrorInfo {
  if (err instanceof NodeError) return { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const detail = cause.details?.[0] as NodeErrorInfo | undefined;
    return detail && typeof detail.code === 'string' ? detail : { code: loomErrorCode(cause.type), message: cause.message };
  }
  if (cause instanceof TimeoutFailure) {
    // Only the run's execution budget sets a schedule-to-close timeout (see nodeActivities).
    if (cause.timeoutType === 'SCHEDULE_TO_CLOSE')
      return { code: 'RUN_BUDGET_EXCEEDED', message: 'The run used its execution budget while this node ran' };
    return {
      code: 'NODE_TIMEOUT',
      message: `The node did not finish within its timeout (${(cause.timeoutType ?? 'timeout').toLowerCase().replaceAll('_', ' ')})`,
    };
  }
  return { code: 'NODE_FAILED', message: cause instanceof Error ? cause.message : String(cause) };
}
