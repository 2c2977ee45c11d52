// The executeNode activity: runs one side-effecting node and records its execution row.
import { ApplicationFailure, Context, type Info } from '@temporalio/activity';
import { PlanSchema } from '../compiler/plan.js';
import type { Database } from '../db/client.js';
import { appendRunEvents } from '../db/event-store.js';
import { countEffectAttempt, recordNodeExecution } from '../db/node-record-store.js';
import { findRun } from '../db/run-store.js';
import { offload, resolvePayloads } from '../db/payload-store.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { resolveConfig } from '../nodes/expressions/evaluate.js';
import { NodeError } from '../nodes/sdk/errors.js';
import { isSideEffect } from '../nodes/sdk/idempotency.js';
import { configInvalid, parseConfig } from '../nodes/sdk/node.js';
import type { LoomMetrics } from '../platform/metrics.js';
import { redactKnownDeep, SecretRegistry } from '../platform/redact.js';
import { ExecuteNodeSchema, expressionScope, type ExecuteNode, type NodeErrorInfo } from './contracts.js';
import { eventBuilders, redactErrorInfo, type RunEvent } from './events.js';
import { deferStart } from './deferred-start.js';
import { definitionForRun, type NodeDefinitionDeps } from './node-definitions.js';
import { isCustomType } from '../nodes/custom/registry.js';
import { buildNodeContext, type NodeContextDeps } from './node-context.js';
import { nodeErrorInfo, nodeFailure } from './node-failure.js';
import { watchOverdue, type OverdueWatch } from './overdue-watch.js';

const HEARTBEAT_INTERVAL_MS = 1_000;

export interface ExecuteNodeDeps extends NodeContextDeps, NodeDefinitionDeps {
  db: Database;
  nodes: NodeRegistry;
  /** The worker's metrics: every attempt is counted by node type and outcome, and timed. */
  metrics?: LoomMetrics | undefined;
}

/**
 * The node error recorded in the row, the events and Temporal's history. Redacted here, once, with the secrets this
 * execution opened: a library's error message may quote the request that carried them.
 */
function toErrorInfo(err: unknown, secrets: SecretRegistry): { info: NodeErrorInfo; retryable: boolean } {
  if (err instanceof NodeError) {
    return { info: redactErrorInfo(nodeErrorInfo(err), secrets), retryable: err.retryable };
  }
  // An unexpected error is a bug somewhere: keep its stack for whoever reads the node's log.
  const stack = err instanceof Error && err.stack ? err.stack.split('\n').slice(0, 12).join('\n') : undefined;
  const info: NodeErrorInfo = {
    code: 'NODE_INTERNAL',
    message: err instanceof Error ? err.message : String(err),
    ...(stack ? { details: { stack } } : {}),
  };
  return { info: redactErrorInfo(info, secrets), retryable: true };
}

/** Only the run's execution budget sets a schedule-to-close timeout (workflows/node-activities.ts). */
const BUDGET_SPENT: NodeErrorInfo = { code: 'RUN_BUDGET_EXCEEDED', message: 'The run used its execution budget while this node ran' };
const attemptTimedOut = (timeoutMs: number): NodeErrorInfo => ({
  code: 'NODE_TIMEOUT',
  message: `The node did not finish within its timeout (${timeoutMs} ms)`,
});

/** Which of the two deadlines a timed-out attempt met: the budget's (all attempts) or the attempt's own. */
function budgetEndedFirst(info: Info, startedAt: Date): boolean {
  const budgetEnd = info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs;
  return info.scheduleToCloseTimeoutMs > 0 && budgetEnd <= startedAt.getTime() + info.startToCloseTimeoutMs;
}

const PlanAllowlist = PlanSchema.pick({ settings: true });

/** The allowlist of the plan the run recorded; read only when a redirect leaves the host a node started at. */
async function runAllowedHosts(db: Database, runId: string): Promise<readonly string[] | undefined> {
  const run = await findRun(db, runId);
  const plan = PlanAllowlist.safeParse(run?.plan);
  // A run whose plan cannot be read is treated as one with an empty allowlist: no redirect leaves the first host.
  return plan.success ? plan.data.settings.allowedHosts : [];
}

export function createExecuteNode(deps: ExecuteNodeDeps) {
  const { db } = deps;
  return async function executeNode(raw: ExecuteNode): Promise<unknown> {
    const { runId, node, input: received, scope: receivedScope, item } = ExecuteNodeSchema.parse(raw);
    const ctx = Context.current();
    const attempt = ctx.info.attempt;
    const definition = await definitionForRun(deps, runId, node);
    if (!definition?.execute) {
      if (isCustomType(node.type))
        throw ApplicationFailure.nonRetryable(
          `Custom node ${node.type}@${node.typeVersion} with the code this run was compiled with is not available to its owner`,
          'CUSTOM_NODE_UNAVAILABLE',
        );
      throw ApplicationFailure.nonRetryable(`No executable node type ${node.type}@${node.typeVersion} on this worker`, 'UNKNOWN_NODE_TYPE');
    }
    const startedAt = new Date();
    // How this attempt ended, for the metrics: anything that leaves without recording an outcome was cancelled.
    let attemptOutcome: 'completed' | 'failed' | 'retrying' | 'cancelled' = 'cancelled';
    // This execution's known secrets: filled by the vault as the node opens credentials, read by every outlet below.
    const secrets = new SecretRegistry();
    const events = eventBuilders(secrets);
    // The row keeps what arrived (a reference when large); the node gets the full values.
    const running = {
      runId,
      nodeId: node.id,
      nodeType: node.type,
      attempt,
      status: 'running' as const,
      input: received,
      startedAt,
      ...(item !== undefined ? { item } : {}),
    };
    // A loop's item records its row only: node events per item would drown the run's log (items_progress counts them).
    const only = (...list: RunEvent[]) => (item === undefined ? list : []);
    const started = events.nodeStarted(node.id, attempt, received);
    // One database write per node: the start is written on its own only once the node has run a while (a live view
    // then shows it running); otherwise it goes with the outcome, whose write repeats it (de-duplicated by key).
    const start = deferStart(
      () => recordNodeExecution(db, running, only(started)),
      (err) => deps.log.warn({ err, runId, nodeId: node.id }, 'node start not stored; it is stored with the outcome'),
    );
    const input = await resolvePayloads(db, runId, received);
    const scope = receivedScope ?? { node: {}, run: { id: runId }, vars: {} };
    const referenced = await resolvePayloads(db, runId, scope.node);
    // Supervision: a node past its expected duration with no progress is flagged (an event and a warning), not stopped.
    const expectedMs = node.settings.expectedMs;
    let watch: OverdueWatch | undefined;
    const context = buildNodeContext(deps, {
      runId,
      nodeId: node.id,
      nodeType: node.type,
      attempt,
      item,
      signal: ctx.cancellationSignal,
      timeoutMs: node.settings.timeoutMs,
      credentials: node.credentials,
      accepted: Object.fromEntries((definition.credentials ?? []).map((c) => [c.slot, c.types])),
      secrets,
      onProgress: () => watch?.touch(),
      beforeProgress: () => start.flush(),
      owner: async () => (await findRun(db, runId))?.ownerId,
      allowedHosts: () => runAllowedHosts(db, runId),
    });
    if (expectedMs !== undefined) {
      watch = watchOverdue({
        expectedMs,
        startedAt: startedAt.getTime(),
        onOverdue: (flag) => {
          context.log.warn(`node has run ${flag.elapsedMs} ms, expected ${flag.expectedMs} ms, without progress for ${flag.silentMs} ms`, {
            overdue: flag,
          });
          if (item !== undefined) return;
          void start
            .flush()
            .then(() => appendRunEvents(db, runId, [events.nodeOverdue(node.id, attempt, flag)]))
            .catch((err: unknown) => context.log.warn('overdue event not stored', { error: String(err) }));
        },
      });
    }
    // Heartbeats tell Temporal the worker is alive and bring back stop requests, which abort context.signal. A local
    // activity has neither: the workflow's worker runs it, and the workflow's cancellation aborts the signal itself.
    const heartbeat = ctx.info.isLocal ? undefined : setInterval(() => ctx.heartbeat(), HEARTBEAT_INTERVAL_MS);
    // While attempts remain the node is still running; only the last failure is the node's outcome.
    const recordFailure = async (info: NodeErrorInfo, final: boolean) => {
      attemptOutcome = final ? 'failed' : 'retrying';
      const outcome = final ? events.nodeFailed(node.id, info) : events.nodeRetrying(node.id, attempt, info);
      await start.settle();
      await recordNodeExecution(
        db,
        { ...running, status: final ? 'failed' : 'running', error: info, finishedAt: new Date() },
        only(started, outcome),
      );
    };
    try {
      const config = await resolveConfig(node.config, expressionScope(input, { ...scope, node: referenced }));
      const parsed = parseConfig(definition, config);
      if (!parsed.ok) throw configInvalid(parsed.issues);
      if (isSideEffect(definition.operations(parsed.config))) {
        await countEffectAttempt(db, {
          runId,
          nodeId: node.id,
          nodeType: node.type,
          attempt,
          startedAt,
          ...(item !== undefined ? { item } : {}),
        });
      }
      // A credential the node opened never travels on in what it returns (an API that echoes the token it was sent):
      // the output goes to the node's row, to Temporal's history and into every downstream node.
      const output = await offload(db, runId, node.id, redactKnownDeep(await definition.execute(input, parsed.config, context), secrets));
      const finishedAt = new Date();
      const completed = events.nodeCompleted(node.id, output, finishedAt.getTime() - startedAt.getTime());
      await start.settle();
      await recordNodeExecution(db, { ...running, status: 'completed', output, finishedAt }, only(started, completed));
      attemptOutcome = 'completed';
      return output;
    } catch (err) {
      if (ctx.cancellationSignal.aborted) {
        // A worker going down is not the node's fault: fail retryably so another worker runs it again.
        if (ctx.cancellationDetails?.workerShutdown) {
          context.log.info('worker shutting down; the node will run again on another worker');
          throw ApplicationFailure.retryable('The worker shut down while the node ran', 'WORKER_SHUTDOWN');
        }
        // The attempt's own timeout (a local activity's is enforced right here, often before the node's own I/O
        // timeout fires): recorded like a node error, since no one else writes this row. A stop writes nothing here.
        if (ctx.cancellationDetails?.timedOut) {
          const budget = budgetEndedFirst(ctx.info, startedAt);
          await recordFailure(
            budget ? BUDGET_SPENT : attemptTimedOut(node.settings.timeoutMs),
            budget || attempt >= node.settings.retry.maxAttempts,
          );
        }
        throw ctx.cancellationSignal.reason;
      }
      const { info, retryable } = toErrorInfo(err, secrets);
      const final = !retryable || attempt >= node.settings.retry.maxAttempts;
      await recordFailure(info, final);
      context.log.warn(`node failed: ${info.message}`, { code: info.code, final });
      throw nodeFailure(info, retryable);
    } finally {
      deps.metrics?.nodeExecutions.inc({ node_type: node.type, outcome: attemptOutcome });
      deps.metrics?.nodeDuration.observe({ node_type: node.type }, (Date.now() - startedAt.getTime()) / 1000);
      clearInterval(heartbeat);
      watch?.stop();
      // A cancelled node writes nothing here (the workflow records it); a start under way is let finish.
      await start.settle();
    }
  };
}
