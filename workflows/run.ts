// The run workflow: interprets a compiled plan. A node starts once every upstream node has settled and at least
// one of its incoming edges is active; independent branches run in parallel; nodes behind inactive outputs are
// skipped, and the skip propagates. Pure nodes are evaluated here; side effects happen only in activities
// (imported as types), so this file stays deterministic and replays safely.
import { ApplicationFailure, CancellationScope, isCancellation, patched, proxyActivities, sleep, TemporalFailure, upsertSearchAttributes, WorkflowError } from '@temporalio/workflow';
import type { NodeErrorInfo, NodeRecord } from '../activities/contracts.js';
import type { LoomActivities } from '../activities/index.js';
import { expandPlan, type PlanNode, type StoredPlan } from '../compiler/plan.js';
import { resolveConfig, type ExpressionScope } from '../nodes/expressions/evaluate.js';
import { containsPayloadRef, exceedsThreshold } from '../nodes/runtime/payload-ref.js';
import { RunControl, type RunLiveState } from './control.js';
import { errorInfo, nodeActivities } from './node-activities.js';
import { evaluatePureNode, needsFullBudget, WORKFLOW_STEPS_PER_NODE, WORKFLOW_STEPS_PER_RUN } from '../nodes/runtime/evaluate-pure.js';
import { askPerson, HumanWaits, type HumanOutcome } from './human-steps.js';
import { LoomStatus } from './search-attributes.js';
import type { PureResult } from '../nodes/sdk/node.js';

export interface RunWorkflowInput {
  runId: string;
  workflowId?: string;
  /** As compiled (compact), or expanded as plans were stored before the compact shape. */
  plan: StoredPlan;
  /** The trigger payload: the output of the trigger node that fired. */
  input: unknown;
  /** Which trigger fired; default: the plan's first trigger. */
  triggerNodeId?: string;
}

export interface RunWorkflowResult {
  status: 'completed' | 'failed' | 'cancelled';
  /** Outputs of the nodes that end the graph, by node id. */
  output: Record<string, unknown>;
  error?: NodeErrorInfo & { nodeId?: string };
}

type NodeState = { status: 'completed'; output: unknown; fired: string[] } | { status: 'failed'; error: NodeErrorInfo } | { status: 'skipped' };
type Source = { nodeId: string; handle: string; value: unknown };

/**
 * Keeps the LoomStatus search attribute current, so operators can filter paused or failed runs in the Web UI.
 * Behind a patch marker: runs started before this existed replay without the extra commands.
 */
function publishStatus(status: 'running' | 'paused' | 'completed' | 'failed' | 'cancelled'): void {
  if (patched('loom-status-search-attribute')) upsertSearchAttributes([{ key: LoomStatus, value: status }]);
}

const bookkeeping = proxyActivities<LoomActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds' },
});

/**
 * The run workflow. In Temporal's TypeScript SDK an ordinary error thrown here fails the workflow TASK, which is
 * retried forever; only a TemporalFailure fails the workflow. Node failures are recorded as such inside; anything
 * else that escapes the interpreter (a malformed plan, a bug) fails the run with RUN_INTERNAL instead of looping.
 */
export async function loomRun(args: RunWorkflowInput): Promise<RunWorkflowResult> {
  try {
    return await interpret(args);
  } catch (err) {
    // Temporal's own failures (and its errors meant to fail the task, such as a determinism violation) pass on.
    if (err instanceof TemporalFailure || err instanceof WorkflowError || isCancellation(err)) throw err;
    const error = { code: 'RUN_INTERNAL', message: `Loom's interpreter failed: ${err instanceof Error ? err.message : String(err)}` };
    await bookkeeping.recordProgress({ runId: args.runId, run: { status: 'failed', at: Date.now(), error } }).catch(() => undefined);
    publishStatus('failed');
    throw ApplicationFailure.nonRetryable(error.message, error.code, error);
  }
}

async function interpret(args: RunWorkflowInput): Promise<RunWorkflowResult> {
  const { runId } = args;
  // Pure and deterministic: replays rebuild the same expanded plan without a command in history.
  const plan = expandPlan(args.plan);
  const trigger = plan.nodes.find((n) => n.id === (args.triggerNodeId ?? plan.triggers[0]));
  if (!trigger) throw ApplicationFailure.nonRetryable(`Plan has no trigger ${args.triggerNodeId ?? ''}`, 'NO_TRIGGER');

  const states = new Map<string, NodeState>();
  const running = new Map<string, Promise<void>>();
  /** Nodes waiting on a durable timer (or, later, a person): their time does not count against the budget. */
  const waiting = new Set<string>();
  const pending = new Set(plan.nodes.filter((n) => n.id !== trigger.id).map((n) => n.id));
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const flushes: Promise<void>[] = [];
  let records: NodeRecord[] = [];
  let failure: RunWorkflowResult['error'];
  /** A person said no (or nobody answered and the safe default applied): the run ends as cancelled. */
  let refusal: RunWorkflowResult['error'];
  const human = new HumanWaits();
  let finalStatus: RunLiveState['status'] | undefined;
  let activeMs = 0;
  const budgetMs = plan.settings.timeoutMs;
  const run = { id: runId, ...(args.workflowId ? { workflowId: args.workflowId } : {}) };

  const control: RunControl = new RunControl((): RunLiveState => ({
    status: finalStatus ?? (control.paused ? 'paused' : 'running'),
    paused: control.paused,
    activeMs,
    budgetMs,
    nodes: Object.fromEntries(
      plan.nodes.map((n) => [n.id, waiting.has(n.id) ? 'waiting' : running.has(n.id) ? 'running' : (states.get(n.id)?.status ?? 'pending')]),
    ),
  }));

  // Pure and skipped nodes are recorded in batches, flushed whenever the workflow is about to wait anyway.
  const flush = () => {
    if (records.length === 0) return;
    flushes.push(bookkeeping.recordProgress({ runId, nodes: records }));
    records = [];
  };
  const settle = (node: PlanNode, state: NodeState, record: Omit<NodeRecord, 'nodeId' | 'nodeType' | 'status'> = {}) => {
    states.set(node.id, state);
    if (node.kind !== 'activity') records.push({ nodeId: node.id, nodeType: node.type, status: state.status, ...record });
  };
  let nodeFailures = 0;
  /** Expression steps pure nodes may still take in the workflow (see evaluate-pure.ts); the rest go to the activity. */
  const workflowSteps = { remaining: WORKFLOW_STEPS_PER_RUN };
  const fail = (node: PlanNode, error: NodeErrorInfo, record: Omit<NodeRecord, 'nodeId' | 'nodeType' | 'status'>) => {
    // Supervision counts every failure, also those routed or continued past.
    nodeFailures++;
    const limit = plan.settings.maxNodeFailures;
    if (limit !== undefined && nodeFailures >= limit) failure ??= { code: 'RUN_TOO_MANY_FAILURES', message: `${nodeFailures} nodes failed; the workflow stops at ${limit}`, nodeId: node.id };
    const routed = { error };
    if (node.settings.onError === 'continue') settle(node, { status: 'completed', output: routed, fired: ['out'] }, { ...record, output: routed });
    else if (node.settings.onError === 'route') settle(node, { status: 'completed', output: routed, fired: ['error'] }, { ...record, output: routed });
    else {
      settle(node, { status: 'failed', error }, { ...record, error });
      failure ??= { ...error, nodeId: node.id };
    }
  };

  /** A durable wait; the node counts as waiting (no budget spent) meanwhile. */
  async function waitFor(node: PlanNode, ms: number): Promise<void> {
    waiting.add(node.id);
    try {
      await sleep(ms);
    } finally {
      waiting.delete(node.id);
    }
  }

  /** Waits for a person; the node counts as waiting (no budget spent) meanwhile. */
  async function ask(node: PlanNode, step: Parameters<typeof askPerson>[1], scope: ExpressionScope, input: unknown): Promise<HumanOutcome> {
    waiting.add(node.id);
    try {
      // Offloaded data is not in the workflow: a question or approval that reads it is resolved in an activity.
      // Patched: runs recorded before resolved it here, from the references themselves, and must replay that way.
      const resolve = async (config: Record<string, unknown>) =>
        (containsPayloadRef(input) || containsPayloadRef(scope.node)) && patched('human-config-reads-payloads')
          ? bookkeeping.resolveNodeConfig({ runId, config, input, scope: { node: scope.node, run, vars: plan.settings.variables } })
          : // Bounded as pure nodes are (see evaluate-pure.ts): past the allowance the node fails with EXPRESSION_LIMIT.
            resolveConfig(config, scope, patched('pure-nodes-workflow-step-budget') ? { allowance: { remaining: WORKFLOW_STEPS_PER_NODE } } : {});
      return await askPerson(human, step, { runId, node, scope, input, describe: (args) => bookkeeping.describeNode(args), resolve });
    } finally {
      waiting.delete(node.id);
    }
  }

  async function runNode(node: PlanNode, sources: Source[]): Promise<void> {
    const input = sources.length === 1 ? sources[0]?.value : sources.map((s) => s.value);
    const referenced = Object.fromEntries(node.references.map((id) => [id, (states.get(id) as { output?: unknown } | undefined)?.output]));
    const scope: ExpressionScope = { json: input, node: referenced, run, vars: plan.settings.variables };
    const startedAt = Date.now();
    try {
      if (node.kind === 'human') {
        const outcome = await ask(node, { kind: 'node' }, scope, input);
        if (outcome.proceed) settle(node, { status: 'completed', output: outcome.output, fired: ['out'] }, { input, output: outcome.output, startedAt, finishedAt: Date.now() });
        else {
          refusal ??= { ...outcome.reason, nodeId: node.id };
          settle(node, { status: 'skipped' });
        }
        return;
      }
      if (node.kind === 'activity' && node.settings.requiresApproval) {
        const outcome = await ask(node, { kind: 'approval' }, scope, input);
        if (!outcome.proceed) {
          refusal ??= { ...outcome.reason, nodeId: node.id };
          records.push({ nodeId: node.id, nodeType: node.type, status: 'skipped' });
          states.set(node.id, { status: 'skipped' });
          return;
        }
      }
      if (node.kind === 'pure') {
        // Offloaded data is not in the workflow: such nodes (and any whose output would bloat history) run in an activity.
        let result = containsPayloadRef(sources) || containsPayloadRef(referenced) ? undefined : await evaluatePureHere(node, input, scope, sources);
        if (!result || exceedsThreshold(result.output)) result = await bookkeeping.evaluatePure({ runId, node, input, sources, scope: { node: referenced, run, vars: plan.settings.variables } });
        if (result.waitUntil !== undefined && result.waitUntil > Date.now()) await waitFor(node, result.waitUntil - Date.now());
        settle(node, { status: 'completed', output: result.output, fired: result.fire ?? ['out'] }, { input, output: result.output, startedAt, finishedAt: Date.now() });
      } else {
        for (;;) {
          try {
            // A node never gets more time than the run has left.
            const output = await nodeActivities(node, Math.max(1_000, budgetMs - activeMs)).executeNode({ runId, node, input, scope: { node: referenced, run, vars: plan.settings.variables } });
            settle(node, { status: 'completed', output, fired: ['out'] });
            return;
          } catch (err) {
            if (isCancellation(err) || node.settings.onError !== 'ask') throw err;
            // Retries are spent: ask what to do. "retry" runs the node again with a fresh set of attempts.
            const error = errorInfo(err);
            const outcome = await ask(node, { kind: 'recovery', error }, scope, input);
            if (outcome.decision === 'retry') {
              // Honour the server's Retry-After before calling again; the wait, like any wait, spends no budget.
              if (error.retryAfterMs && patched('recovery-honours-retry-after')) await waitFor(node, error.retryAfterMs);
              continue;
            }
            if (outcome.decision === 'skip') {
              settle(node, { status: 'completed', output: { skipped: true, error }, fired: ['out'] });
              return;
            }
            throw err;
          }
        }
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      fail(node, errorInfo(err), { input, startedAt, finishedAt: Date.now() });
    }
  }

  /**
   * A pure node in the workflow, within the workflow's step budget; undefined when it needs more (the activity then
   * evaluates it). Patched: runs recorded before evaluated every expression here with the full budget.
   */
  async function evaluatePureHere(...args: Parameters<typeof evaluatePureNode>): Promise<PureResult | undefined> {
    if (!patched('pure-nodes-workflow-step-budget')) return evaluatePureNode(...args);
    const allowance = { remaining: Math.min(WORKFLOW_STEPS_PER_NODE, workflowSteps.remaining) };
    const granted = allowance.remaining;
    try {
      return await evaluatePureNode(args[0], args[1], args[2], args[3], { allowance });
    } catch (err) {
      if (needsFullBudget(err)) return undefined;
      throw err;
    } finally {
      workflowSteps.remaining -= granted - Math.max(0, allowance.remaining);
    }
  }

  const activeSources = (node: PlanNode): Source[] =>
    node.inputs.flatMap((input) =>
      input.from.flatMap((src) => {
        const s = states.get(src.nodeId);
        return s?.status === 'completed' && s.fired.includes(src.handle) ? [{ nodeId: src.nodeId, handle: src.handle, value: s.output }] : [];
      }),
    );

  function startReadyNodes(): void {
    for (const node of plan.nodes) {
      if (failure || refusal || !pending.has(node.id)) continue;
      if (!node.inputs.every((i) => i.from.every((src) => states.has(src.nodeId)))) continue;
      pending.delete(node.id);
      const sources = activeSources(node);
      const requireAll = node.join === 'all' && sources.length < node.inputs.reduce((n, i) => n + i.from.length, 0);
      if (sources.length === 0 || node.kind === 'trigger' || requireAll) settle(node, { status: 'skipped' });
      else running.set(node.id, runNode(node, sources).finally(() => running.delete(node.id)));
    }
  }

  async function recordTransitions(occurrences: { paused: number; resumed: number }): Promise<void> {
    for (const t of control.transitions.splice(0)) {
      const occurrence = ++occurrences[t];
      publishStatus(t === 'paused' ? 'paused' : 'running');
      await bookkeeping.recordProgress({ runId, run: { status: t === 'paused' ? 'paused' : 'running', at: Date.now(), occurrence } });
    }
  }

  const started = Date.now();
  states.set(trigger.id, { status: 'completed', output: args.input, fired: ['out'] });
  await bookkeeping.recordProgress({
    runId,
    run: { status: 'running', at: started },
    nodes: [{ nodeId: trigger.id, nodeType: trigger.type, status: 'completed', output: args.input, startedAt: started, finishedAt: started }],
  });

  try {
    const occurrences = { paused: 0, resumed: 0 };
    while (pending.size > 0 || running.size > 0) {
      if (!control.paused) startReadyNodes();
      if (running.size === 0 && !control.paused) break;
      // Recording costs an activity: batch it, and send it only when the run is about to wait for something external.
      if ([...running.keys()].some((id) => waiting.has(id) || byId.get(id)?.kind === 'activity') || control.paused) flush();
      const before = Date.now();
      await Promise.race([...running.values(), control.nextChange()]);
      if (!control.paused && running.size > waiting.size) activeMs += Date.now() - before;
      await recordTransitions(occurrences);
      // Exhausting the budget is the root cause even when it surfaced as a node's timeout.
      if (activeMs >= budgetMs) failure = { code: 'RUN_BUDGET_EXCEEDED', message: `The run used its execution budget of ${budgetMs} ms` };
      if (failure || refusal) break;
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    finalStatus = 'cancelled';
    // Record the stop even though the workflow itself is being cancelled.
    await CancellationScope.nonCancellable(async () => {
      publishStatus('cancelled');
      const unfinished = plan.nodes.filter((n) => !states.has(n.id));
      // Started but unsettled nodes were cut off; the rest never started.
      records.push(...unfinished.map((n): NodeRecord => ({ nodeId: n.id, nodeType: n.type, status: pending.has(n.id) ? 'skipped' : 'cancelled' })));
      await Promise.allSettled(flushes);
      await bookkeeping.recordProgress({ runId, run: { status: 'cancelled', at: Date.now() }, nodes: records });
    });
    throw err;
  }

  // A failure stops new work; nodes still in flight finish (their results are recorded), the rest are skipped.
  if (running.size > 0) await Promise.allSettled(running.values());
  for (const id of pending) {
    const node = plan.nodes.find((n) => n.id === id);
    if (node) records.push({ nodeId: id, nodeType: node.type, status: 'skipped' });
  }
  await Promise.all(flushes);

  const output: Record<string, unknown> = {};
  for (const node of plan.nodes) {
    const s = states.get(node.id);
    if (s?.status === 'completed' && !node.outputs.some((o) => o.to.length > 0)) output[node.id] = s.output;
  }
  finalStatus = failure ? 'failed' : refusal ? 'cancelled' : 'completed';
  const error = failure ?? refusal;
  publishStatus(finalStatus);
  await bookkeeping.recordProgress({ runId, run: { status: finalStatus, at: Date.now(), output, ...(error ? { error } : {}) }, nodes: records });
  // A refused run ends normally in Temporal (nothing failed); Loom records it as cancelled with the reason.
  if (refusal && !failure) return { status: 'cancelled', output, error: refusal };
  if (failure) throw ApplicationFailure.nonRetryable(`${failure.nodeId ? `Node ${failure.nodeId} failed: ` : ''}${failure.message}`, failure.code, failure);
  return { status: 'completed', output };
}
