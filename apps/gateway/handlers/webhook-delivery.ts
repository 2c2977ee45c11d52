// An authenticated webhook delivery becomes a run, once per delivery id: the id names the run
// (orchestrator/webhooks.ts deliveryRunId), the first gateway to claim it starts the run, and a repeat answers with
// that run. The answer is a 202 with the run id at once, or the run's outcome when it finishes within the hook's wait.
import { findRun } from '../../../db/run-store.js';
import type { RunRow, WebhookRow, WorkflowRow } from '../../../db/schema.js';
import { addUsage } from '../../../db/usage-store.js';
import { claimDelivery } from '../../../db/webhook-store.js';
import { newId } from '../../../db/ids.js';
import { TERMINAL_RUN_STATUSES } from '../../../db/run-store.js';
import { startRun } from '../../../orchestrator/runs.js';
import { deliveryIdOf, deliveryRunId, triggerOutput, type WebhookRequest, type WebhookSettings } from '../../../orchestrator/webhooks.js';
import { notifyHookTest } from '../../../db/webhook-store.js';
import { compileDocument } from '../compile.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError } from '../errors.js';

export type DeliveryMode = 'live' | 'test';

/** How long a repeated delivery waits for the first one's run row before starting the run itself. */
const CLAIM_WAIT_MS = 2_000;

export interface Delivery {
  mode: DeliveryMode;
  hook: WebhookRow;
  workflow: WorkflowRow;
  document: unknown;
  settings: WebhookSettings;
  request: WebhookRequest;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function deliverWebhook(deps: GatewayDeps, d: Delivery): Promise<{ status: number; body: unknown }> {
  const { db } = deps.database;
  const ownerId = d.workflow.ownerId;
  const deliveryId = deliveryIdOf(d.request.headers);
  const runId = deliveryId ? deliveryRunId(d.hook.id, deliveryId) : newId('run');
  let run =
    deliveryId && !(await claimDelivery(db, { hookId: d.hook.id, deliveryId, runId })) ? await awaitFirst(deps, runId, ownerId) : undefined;
  run ??= await start(deps, d, runId);
  const answer = d.settings.respond === 'whenDone' ? await awaitOutcome(deps, run, d.settings.respondTimeoutSeconds * 1000) : undefined;
  return answer ?? { status: 202, body: { runId: run.id, status: run.status } };
}

/** The run a repeated delivery names, once its first delivery has recorded it; undefined if that never happens. */
async function awaitFirst(deps: GatewayDeps, runId: string, ownerId: string): Promise<RunRow | undefined> {
  const deadline = Date.now() + CLAIM_WAIT_MS;
  for (;;) {
    const run = await findRun(deps.database.db, runId, ownerId);
    if (run || Date.now() > deadline) return run;
    await sleep(100);
  }
}

async function start(deps: GatewayDeps, d: Delivery, runId: string): Promise<RunRow> {
  const { db } = deps.database;
  const ownerId = d.workflow.ownerId;
  const result = await compileDocument(deps, ownerId, d.document);
  if (!result.ok || !result.plan)
    throw new ApiError('WORKFLOW_INVALID', 'The workflow behind this webhook no longer compiles; its owner must fix it', {
      errors: result.errors.map((e) => e.code),
    });
  const starter = {
    db,
    client: deps.temporal.client,
    taskQueue: deps.temporal.taskQueue,
    runHistoryEvents: deps.temporal.runHistoryEvents,
  };
  let run: RunRow;
  try {
    run = await startRun(starter, {
      workflow: d.workflow,
      plan: result.plan,
      input: triggerOutput(d.settings, d.request),
      trigger: d.mode === 'live' ? 'webhook' : 'webhook_test',
      startedBy: ownerId,
      triggerNodeId: d.hook.nodeId,
      runId,
    });
  } catch (err) {
    // The first delivery's gateway recorded the run between our wait and our insert.
    const first = await findRun(db, runId, ownerId);
    if (!first) throw err;
    return first;
  }
  await addUsage(db, ownerId, 'runs', 1, new Date());
  if (d.mode === 'test') await notifyHookTest(deps.database, { hookId: d.hook.id, runId: run.id });
  return run;
}

/**
 * The run's outcome when it finishes within `waitMs`; undefined (the caller answers 202) when it does not. The run
 * row is polled rather than Temporal's result long-poll, which could not be abandoned when the wait is over.
 */
async function awaitOutcome(deps: GatewayDeps, run: RunRow, waitMs: number): Promise<{ status: number; body: unknown } | undefined> {
  const deadline = Date.now() + waitMs;
  for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
    const now = await findRun(deps.database.db, run.id, run.ownerId);
    if (now && TERMINAL_RUN_STATUSES.includes(now.status))
      return { status: 200, body: { runId: now.id, status: now.status, output: now.output, ...(now.error ? { error: now.error } : {}) } };
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(pause, left));
  }
}
