// The run workflow: interprets a compiled plan. Nodes start as soon as every upstream node has settled and at least
// one of their incoming edges is active; independent branches run in parallel. Side effects happen only in
// activities (imported as types), so this file stays deterministic and replays safely.
import { ApplicationFailure, ActivityFailure, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { LoomActivities } from '../activities/index.js';
import type { NodeErrorInfo, NodeRecord } from '../activities/contracts.js';
import type { Plan, PlanNode } from '../compiler/plan.js';

export interface RunWorkflowInput {
  runId: string;
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

type NodeState =
  | { status: 'completed'; output: unknown; fired: string }
  | { status: 'failed'; error: NodeErrorInfo }
  | { status: 'skipped' };

const bookkeeping = proxyActivities<LoomActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds' },
});

function nodeActivities(node: PlanNode): LoomActivities {
  const { retry, timeoutMs } = node.settings;
  const options: ActivityOptions = {
    startToCloseTimeout: timeoutMs,
    retry: {
      maximumAttempts: retry.maxAttempts,
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maxIntervalMs,
    },
  };
  return proxyActivities<LoomActivities>(options);
}

function errorInfo(err: unknown): NodeErrorInfo {
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
  const states = new Map<string, NodeState>();
  const running = new Map<string, Promise<void>>();
  const pending = new Set(plan.nodes.filter((n) => n.kind !== 'trigger' || n.id !== triggerId).map((n) => n.id));
  const records: NodeRecord[] = [];
  let failure: RunWorkflowResult['error'];

  const fire = (node: PlanNode, output: unknown, fired: string) => states.set(node.id, { status: 'completed', output, fired });

  // The trigger that fired outputs the run input; other triggers are skipped below like any inactive node.
  const trigger = plan.nodes.find((n) => n.id === triggerId);
  if (!trigger) throw ApplicationFailure.nonRetryable(`Plan has no trigger ${triggerId}`, 'NO_TRIGGER');
  const now = Date.now();
  fire(trigger, args.input, 'out');
  await bookkeeping.recordProgress({
    runId,
    run: { status: 'running', at: now },
    nodes: [{ nodeId: trigger.id, nodeType: trigger.type, status: 'completed', output: args.input, startedAt: now, finishedAt: now }],
  });

  const settled = (id: string) => states.has(id);
  const activeInputs = (node: PlanNode) =>
    node.inputs.flatMap((input) =>
      input.from.filter((src) => {
        const s = states.get(src.nodeId);
        return s?.status === 'completed' && s.fired === src.handle;
      }),
    );

  async function runActivityNode(node: PlanNode, input: unknown): Promise<void> {
    try {
      const output = await nodeActivities(node).executeNode({ runId, node, input });
      fire(node, output, 'out');
    } catch (err) {
      const error = errorInfo(err);
      if (node.settings.onError === 'continue') fire(node, { error }, 'out');
      else if (node.settings.onError === 'route') fire(node, { error }, 'error');
      else {
        states.set(node.id, { status: 'failed', error });
        failure ??= { ...error, nodeId: node.id };
      }
    }
  }

  while (pending.size > 0 || running.size > 0) {
    for (const node of plan.nodes) {
      if (failure || !pending.has(node.id)) continue;
      if (!node.inputs.every((i) => i.from.every((src) => settled(src.nodeId)))) continue;
      pending.delete(node.id);
      const active = activeInputs(node);
      if (active.length === 0 || node.kind === 'trigger') {
        states.set(node.id, { status: 'skipped' });
        records.push({ nodeId: node.id, nodeType: node.type, status: 'skipped' });
        continue;
      }
      const inputs = active.map((src) => (states.get(src.nodeId) as { output: unknown }).output);
      const input = inputs.length === 1 ? inputs[0] : inputs;
      const done = runActivityNode(node, input).finally(() => running.delete(node.id));
      running.set(node.id, done);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }

  // Nodes never reached because the run failed are recorded as skipped, not silently absent.
  for (const id of pending) {
    const node = plan.nodes.find((n) => n.id === id);
    if (node) records.push({ nodeId: id, nodeType: node.type, status: 'skipped' });
  }

  const output: Record<string, unknown> = {};
  for (const node of plan.nodes) {
    const s = states.get(node.id);
    const connected = node.outputs.some((o) => o.to.length > 0);
    if (s?.status === 'completed' && !connected) output[node.id] = s.output;
  }
  const status = failure ? 'failed' : 'completed';
  await bookkeeping.recordProgress({ runId, run: { status, at: Date.now(), output, ...(failure ? { error: failure } : {}) }, nodes: records });
  if (failure) throw ApplicationFailure.nonRetryable(`Node ${failure.nodeId} failed: ${failure.message}`, failure.code, failure);
  return { status, output };
}
