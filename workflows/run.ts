// The run workflow: interprets a compiled plan. A node starts once every upstream node has settled and at least
// one of its incoming edges is active; independent branches run in parallel; nodes behind inactive outputs are
// skipped, and the skip propagates. Pure nodes are evaluated here; side effects happen only in activities
// (imported as types), so this file stays deterministic and replays safely.
import { ActivityFailure, ApplicationFailure, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { NodeErrorInfo, NodeRecord } from '../activities/contracts.js';
import type { LoomActivities } from '../activities/index.js';
import type { Plan, PlanNode } from '../compiler/plan.js';
import type { ExpressionScope } from '../nodes/expressions/evaluate.js';
import { NodeError } from '../nodes/sdk/errors.js';
import { evaluatePureNode } from './evaluate-pure.js';

export interface RunWorkflowInput {
  runId: string;
  workflowId?: string;
  plan: Plan;
  /** The trigger payload: the output of the trigger node that fired. */
  input: unknown;
  /** Which trigger fired; default: the plan's first trigger. */
  triggerNodeId?: string;
}

export interface RunWorkflowResult {
  status: 'completed' | 'failed';
  /** Outputs of the nodes that end the graph, by node id. */
  output: Record<string, unknown>;
  error?: NodeErrorInfo & { nodeId: string };
}

type NodeState = { status: 'completed'; output: unknown; fired: string[] } | { status: 'failed'; error: NodeErrorInfo } | { status: 'skipped' };

const bookkeeping = proxyActivities<LoomActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds' },
});

function nodeActivities(node: PlanNode): LoomActivities {
  const { retry, timeoutMs } = node.settings;
  const options: ActivityOptions = {
    startToCloseTimeout: timeoutMs,
    retry: { maximumAttempts: retry.maxAttempts, initialInterval: retry.initialIntervalMs, backoffCoefficient: retry.backoffCoefficient, maximumInterval: retry.maxIntervalMs },
  };
  return proxyActivities<LoomActivities>(options);
}

function errorInfo(err: unknown): NodeErrorInfo {
  if (err instanceof NodeError) return { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const detail = cause.details?.[0] as NodeErrorInfo | undefined;
    return detail && typeof detail.code === 'string' ? detail : { code: cause.type ?? 'NODE_FAILED', message: cause.message };
  }
  return { code: 'NODE_FAILED', message: cause instanceof Error ? cause.message : String(cause) };
}

export async function loomRun(args: RunWorkflowInput): Promise<RunWorkflowResult> {
  const { plan, runId } = args;
  const triggerId = args.triggerNodeId ?? plan.triggers[0];
  const trigger = plan.nodes.find((n) => n.id === triggerId);
  if (!trigger) throw ApplicationFailure.nonRetryable(`Plan has no trigger ${triggerId}`, 'NO_TRIGGER');

  const states = new Map<string, NodeState>();
  const running = new Map<string, Promise<void>>();
  const pending = new Set(plan.nodes.filter((n) => n.id !== trigger.id).map((n) => n.id));
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const flushes: Promise<void>[] = [];
  let records: NodeRecord[] = [];
  let failure: RunWorkflowResult['error'];
  const run = { id: runId, ...(args.workflowId ? { workflowId: args.workflowId } : {}) };

  // Pure and skipped nodes are recorded in batches, flushed whenever the workflow is about to wait anyway.
  const flush = () => {
    if (records.length === 0) return;
    flushes.push(bookkeeping.recordProgress({ runId, nodes: records }));
    records = [];
  };

  const now = Date.now();
  states.set(trigger.id, { status: 'completed', output: args.input, fired: ['out'] });
  await bookkeeping.recordProgress({
    runId,
    run: { status: 'running', at: now },
    nodes: [{ nodeId: trigger.id, nodeType: trigger.type, status: 'completed', output: args.input, startedAt: now, finishedAt: now }],
  });

  const activeSources = (node: PlanNode) =>
    node.inputs.flatMap((input) =>
      input.from.filter((src) => {
        const s = states.get(src.nodeId);
        return s?.status === 'completed' && s.fired.includes(src.handle);
      }),
    );

  const settle = (node: PlanNode, state: NodeState, record: Omit<NodeRecord, 'nodeId' | 'nodeType' | 'status'> = {}) => {
    states.set(node.id, state);
    if (node.kind !== 'activity') records.push({ nodeId: node.id, nodeType: node.type, status: state.status, ...record });
  };

  const fail = (node: PlanNode, error: NodeErrorInfo, record: Omit<NodeRecord, 'nodeId' | 'nodeType' | 'status'>) => {
    if (node.settings.onError === 'continue') settle(node, { status: 'completed', output: { error }, fired: ['out'] }, { ...record, output: { error } });
    else if (node.settings.onError === 'route') settle(node, { status: 'completed', output: { error }, fired: ['error'] }, { ...record, output: { error } });
    else {
      settle(node, { status: 'failed', error }, { ...record, error });
      failure ??= { ...error, nodeId: node.id };
    }
  };

  async function runNode(node: PlanNode, sources: { nodeId: string; handle: string; value: unknown }[]): Promise<void> {
    const input = sources.length === 1 ? sources[0]?.value : sources.map((s) => s.value);
    const referenced = Object.fromEntries(node.references.map((id) => [id, (states.get(id) as { output?: unknown } | undefined)?.output]));
    const scope: ExpressionScope = { json: input, node: referenced, run, vars: plan.settings.variables };
    const startedAt = Date.now();
    try {
      if (node.kind === 'pure') {
        const result = await evaluatePureNode(node, input, scope, sources);
        settle(node, { status: 'completed', output: result.output, fired: result.fire ?? ['out'] }, { input, output: result.output, startedAt, finishedAt: Date.now() });
      } else {
        const output = await nodeActivities(node).executeNode({ runId, node, input, scope: { node: referenced, run, vars: plan.settings.variables } });
        settle(node, { status: 'completed', output, fired: ['out'] });
      }
    } catch (err) {
      fail(node, errorInfo(err), { input, startedAt, finishedAt: Date.now() });
    }
  }

  while (pending.size > 0 || running.size > 0) {
    for (const node of plan.nodes) {
      if (failure || !pending.has(node.id)) continue;
      if (!node.inputs.every((i) => i.from.every((src) => states.has(src.nodeId)))) continue;
      pending.delete(node.id);
      const active = activeSources(node);
      const requireAll = node.config.requireAll === true && active.length < node.inputs.reduce((n, i) => n + i.from.length, 0);
      if (active.length === 0 || node.kind === 'trigger' || requireAll) {
        settle(node, { status: 'skipped' });
        continue;
      }
      const sources = active.map((src) => ({ nodeId: src.nodeId, handle: src.handle, value: (states.get(src.nodeId) as { output: unknown }).output }));
      running.set(node.id, runNode(node, sources).finally(() => running.delete(node.id)));
    }
    if (running.size === 0) break;
    flush();
    await Promise.race(running.values());
  }

  // Nodes never reached because the run failed are recorded as skipped, not silently absent.
  for (const id of pending) {
    const node = byId.get(id);
    if (node) records.push({ nodeId: id, nodeType: node.type, status: 'skipped' });
  }
  await Promise.all(flushes);

  const output: Record<string, unknown> = {};
  for (const node of plan.nodes) {
    const s = states.get(node.id);
    if (s?.status === 'completed' && !node.outputs.some((o) => o.to.length > 0)) output[node.id] = s.output;
  }
  const status = failure ? 'failed' : 'completed';
  await bookkeeping.recordProgress({ runId, run: { status, at: Date.now(), output, ...(failure ? { error: failure } : {}) }, nodes: records });
  if (failure) throw ApplicationFailure.nonRetryable(`Node ${failure.nodeId} failed: ${failure.message}`, failure.code, failure);
  return { status, output };
}
