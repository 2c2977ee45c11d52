// Loom's activities: every side effect of a run happens here, never in workflow code.
// Created with their dependencies injected, so a worker and a test build them the same way.
import { Context, ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../db/client.js';
import { markRunFinished, markRunStarted, upsertNodeExecution } from '../db/run-store.js';
import { NodeError } from '../nodes/errors.js';
import type { NodeRegistry } from '../nodes/registry.js';
import type { Logger } from '../platform/logger.js';
import { ExecuteNodeSchema, RecordProgressSchema, type ExecuteNode, type NodeErrorInfo, type RecordProgress } from './contracts.js';

export interface ActivityDeps {
  db: Database;
  nodes: NodeRegistry;
  log: Logger;
}

function toErrorInfo(err: unknown): { info: NodeErrorInfo; retryable: boolean } {
  if (err instanceof NodeError) {
    return { info: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) }, retryable: err.retryable };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { info: { code: 'NODE_INTERNAL', message }, retryable: true };
}

export function createActivities(deps: ActivityDeps) {
  const { db, nodes, log } = deps;

  async function recordProgress(raw: RecordProgress): Promise<void> {
    const p = RecordProgressSchema.parse(raw);
    for (const n of p.nodes) {
      await upsertNodeExecution(db, {
        runId: p.runId,
        nodeId: n.nodeId,
        nodeType: n.nodeType,
        status: n.status,
        attempt: 1,
        input: n.input,
        output: n.output,
        error: n.error,
        ...(n.startedAt !== undefined ? { startedAt: new Date(n.startedAt) } : {}),
        ...(n.finishedAt !== undefined ? { finishedAt: new Date(n.finishedAt) } : {}),
      });
    }
    if (p.run?.status === 'running') await markRunStarted(db, p.runId, new Date(p.run.at));
    else if (p.run) await markRunFinished(db, p.runId, { status: p.run.status, output: p.run.output, error: p.run.error, at: new Date(p.run.at) });
  }

  async function executeNode(raw: ExecuteNode): Promise<unknown> {
    const { runId, node, input } = ExecuteNodeSchema.parse(raw);
    const ctx = Context.current();
    const attempt = ctx.info.attempt;
    const definition = nodes.get(node.type, node.typeVersion);
    if (!definition?.execute) {
      throw ApplicationFailure.nonRetryable(`No executable node type ${node.type}@${node.typeVersion} on this worker`, 'UNKNOWN_NODE_TYPE');
    }
    const startedAt = new Date();
    await upsertNodeExecution(db, { runId, nodeId: node.id, nodeType: node.type, status: 'running', attempt, input, startedAt });
    const nodeLog = log.child({ runId, nodeId: node.id, nodeType: node.type, attempt });
    try {
      const parsed = definition.configSchema.safeParse(node.config);
      if (!parsed.success) throw new NodeError('CONFIG_INVALID', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const output = await definition.execute(input, parsed.data, {
        runId,
        nodeId: node.id,
        attempt,
        signal: ctx.cancellationSignal,
        timeoutMs: node.settings.timeoutMs,
        log: {
          info: (m, d) => nodeLog.info(d ?? {}, m),
          warn: (m, d) => nodeLog.warn(d ?? {}, m),
          error: (m, d) => nodeLog.error(d ?? {}, m),
        },
      });
      await upsertNodeExecution(db, { runId, nodeId: node.id, nodeType: node.type, status: 'completed', attempt, output, startedAt, finishedAt: new Date() });
      return output;
    } catch (err) {
      if (ctx.cancellationSignal.aborted) {
        // A worker going down is not the node's fault: fail retryably so another worker runs it again.
        if (ctx.cancellationDetails?.workerShutdown) {
          nodeLog.info('worker shutting down; the node will run again on another worker');
          throw ApplicationFailure.retryable('The worker shut down while the node ran', 'WORKER_SHUTDOWN');
        }
        throw ctx.cancellationSignal.reason;
      }
      const { info, retryable } = toErrorInfo(err);
      const final = !retryable || attempt >= node.settings.retry.maxAttempts;
      // While attempts remain the node is still running; only the last failure is the node's outcome.
      await upsertNodeExecution(db, { runId, nodeId: node.id, nodeType: node.type, status: final ? 'failed' : 'running', attempt, error: info, startedAt, finishedAt: new Date() });
      nodeLog.warn({ code: info.code, final }, `node failed: ${info.message}`);
      throw ApplicationFailure.create({ message: info.message, type: info.code, nonRetryable: !retryable, details: [info] });
    }
  }

  return { recordProgress, executeNode };
}

export type LoomActivities = ReturnType<typeof createActivities>;
