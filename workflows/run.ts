// The run workflow: a scheduler over a compiled plan. A node starts once every upstream node has settled and its
// incoming edges delivered as its join asks (any, or all); independent branches run in parallel; nodes behind
// inactive outputs are skipped, and the skip propagates. Each node kind is one step module (steps/) returning a
// NodeOutcome this file applies; here are only readiness, the execution budget, batched records, pause and resume,
// cancellation and the run's outcome. Side effects happen only in activities (imported as types), so the workflow
// stays deterministic and replays safely.
import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  isCancellation,
  patched,
  TemporalFailure,
  upsertSearchAttributes,
  WorkflowError,
} from '@temporalio/workflow';
import type { NodeErrorInfo, NodeRecord } from '../activities/contracts.js';
import { expandPlan, type PlanNode, type StoredPlan } from '../compiler/plan.js';
import { isPending } from '../nodes/expressions/evaluate.js';
import { recordProgress } from './bookkeeping.js';
import { CarryOver, loadCarried, type Carried } from './carry-over.js';
import { RunControl } from './control.js';
import { HumanWaits } from './human-waits.js';
import { errorInfo } from './node-activities.js';
import { RunState, type Source } from './run-state.js';
import { LoomStatus } from './search-attributes.js';
import { activityStep } from './steps/activity.js';
import { forEachStep } from './steps/for-each.js';
import { humanStep } from './steps/human.js';
import type { NodeOutcome, Step, StepContext, StepInput } from './steps/outcome.js';
import { pureStep, pureStepNow } from './steps/pure.js';

export interface RunWorkflowInput {
  runId: string;
  workflowId?: string;
  /** As compiled (compact), or expanded as plans were stored before the compact shape. */
  plan: StoredPlan;
  /** The trigger payload: the output of the trigger node that fired. */
  input: unknown;
  /** Which trigger fired; default: the plan's first trigger. */
  triggerNodeId?: string;
  /** History events an execution may grow to before it continues as new (carry-over.ts); absent in older runs. */
  historyEvents?: number;
  /** Set in an execution that continues the run: the state its previous execution carried over. */
  carried?: Carried;
  /**
   * A partial run (plan.partial): the outputs of its pinned nodes, by node id (each offloaded when large, like the
   * input). Absent in every other run.
   */
  pinned?: Record<string, unknown>;
}

export interface RunWorkflowResult {
  status: 'completed' | 'failed' | 'cancelled';
  /** Outputs of the nodes that end the graph, by node id. */
  output: Record<string, unknown>;
  error?: NodeErrorInfo & { nodeId?: string };
}

/** One step module per node kind that runs (triggers have fired before the run starts). */
const STEPS: Record<Exclude<PlanNode['kind'], 'trigger'>, Step> = {
  pure: pureStep,
  activity: activityStep,
  human: humanStep,
  loop: forEachStep,
};

/** The child workflow that runs a chunk of a long loop's items (items.ts): registered from this entry too. */
export { loomItems } from './items.js';
/** The workflow a schedule's tick starts, which runs `loomRun` as its child (scheduled-run.ts). */
export { loomScheduledRun } from './scheduled-run.js';
/** Knowledge-base ingestion (`ingest-<sourceId>`) and a search query's embedding by a remote provider (knowledge.ts). */
export { loomEmbedQuery, loomIngest } from './knowledge.js';

/**
 * Keeps the LoomStatus search attribute current, so operators can filter paused or failed runs in the Web UI.
 * Behind a patch marker: runs started before this existed replay without the extra commands.
 */
function publishStatus(status: 'running' | 'paused' | 'completed' | 'failed' | 'cancelled'): void {
  if (patched('loom-status-search-attribute')) upsertSearchAttributes([{ key: LoomStatus, value: status }]);
}

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
    // So does continuing as new, which is thrown too.
    if (err instanceof TemporalFailure || err instanceof WorkflowError || err instanceof ContinueAsNew || isCancellation(err)) throw err;
    const error: NodeErrorInfo = {
      code: 'RUN_INTERNAL',
      message: `Loom's interpreter failed: ${err instanceof Error ? err.message : String(err)}`,
    };
    await recordProgress({ runId: args.runId, run: { status: 'failed', at: Date.now(), error } }).catch(() => undefined);
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

  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const budgetMs = plan.settings.timeoutMs;
  const state = new RunState(
    plan,
    trigger,
    args.input,
    { id: runId, ...(args.workflowId ? { workflowId: args.workflowId } : {}) },
    args.pinned,
  );
  const carried = await loadCarried(runId, args.carried);
  if (carried) state.restore(carried);
  const ctx: StepContext = { runId, state, human: new HumanWaits(carried?.requests) };
  const control = new RunControl((paused) => state.liveState(paused), carried?.paused);
  const occurrences = carried?.occurrences ?? { paused: 0, resumed: 0 };

  // Pure and skipped nodes are recorded in batches, flushed whenever the workflow is about to wait anyway.
  const flush = () => {
    if (state.records.length === 0) return;
    const batch = state.records;
    state.records = [];
    // A send cut off by a stop is sent again with the run's last record (recording is idempotent).
    state.flushes.push(
      recordProgress({ runId, nodes: batch }).catch((err: unknown) => {
        state.records.unshift(...batch);
        throw err;
      }),
    );
  };

  const stepInputOf = (node: PlanNode, sources: Source[]): StepInput => {
    const input = sources.length === 1 ? sources[0]?.value : sources.map((s) => s.value);
    const ref = state.scopeOf(node);
    return { node, input, sources, scope: { json: input, ...ref }, ref };
  };
  const failed = (err: unknown): NodeOutcome => {
    if (isCancellation(err)) throw err;
    return { kind: 'failed', error: errorInfo(err) };
  };

  /** Runs the node's step; an error it throws (but cancellation) is its outcome too. */
  async function runNode(node: PlanNode, step: Step, sources: Source[]): Promise<void> {
    const stepInput = stepInputOf(node, sources);
    // A node still waiting when the run continued as new keeps the start its first execution saw.
    const startedAt = state.startedAt.get(node.id) ?? Date.now();
    state.startedAt.set(node.id, startedAt);
    let outcome: NodeOutcome;
    try {
      outcome = await step(ctx, stepInput);
    } catch (err) {
      outcome = failed(err);
    }
    state.apply(node, outcome, { input: stepInput.input, startedAt });
    state.startedAt.delete(node.id);
  }

  /**
   * Starts a node; true when it settled at once (a pure node with nothing to wait for: no promise, and its
   * downstream can start in this same pass). Patched: runs recorded before settled every node a turn later.
   */
  function startNode(node: PlanNode, step: Step, sources: Source[]): boolean {
    if (node.kind === 'pure' && patched('pure-nodes-settle-in-pass')) {
      const stepInput = stepInputOf(node, sources);
      const startedAt = Date.now();
      let outcome: NodeOutcome | Promise<NodeOutcome>;
      try {
        outcome = pureStepNow(ctx, stepInput);
      } catch (err) {
        outcome = failed(err);
      }
      const apply = (o: NodeOutcome) => state.apply(node, o, { input: stepInput.input, startedAt });
      if (!isPending(outcome)) return (apply(outcome), true);
      state.running.set(
        node.id,
        outcome.then(apply, (err: unknown) => apply(failed(err))).finally(() => state.running.delete(node.id)),
      );
      return false;
    }
    state.running.set(
      node.id,
      runNode(node, step, sources).finally(() => state.running.delete(node.id)),
    );
    return false;
  }

  const edgeCount = (node: PlanNode) => node.inputs.reduce((n, i) => n + i.from.length, 0);

  /** Starts every node that is ready; passes again while nodes settle at once, so a chain of them runs here. */
  function startReadyNodes(): void {
    for (let settledNow = true; settledNow;) {
      settledNow = false;
      for (const node of plan.nodes) {
        if (state.stopped || !state.pending.has(node.id) || !state.upstreamSettled(node)) continue;
        state.pending.delete(node.id);
        const sources = state.activeSources(node);
        const unmet = node.join === 'all' && sources.length < edgeCount(node);
        if (sources.length === 0 || node.kind === 'trigger' || unmet) state.skip(node);
        else if (startNode(node, STEPS[node.kind], sources)) settledNow = true;
      }
    }
  }

  async function recordTransitions(): Promise<void> {
    for (const t of control.transitions.splice(0)) {
      const occurrence = ++occurrences[t];
      publishStatus(t === 'paused' ? 'paused' : 'running');
      await recordProgress({ runId, run: { status: t === 'paused' ? 'paused' : 'running', at: Date.now(), occurrence } });
    }
  }

  const carry = new CarryOver(
    {
      runId,
      state,
      control,
      human: ctx.human,
      occurrences,
      flush: () => (flush(), Promise.all(state.flushes).then(() => undefined)),
      recordTransitions,
    },
    args.historyEvents,
    carried?.executions ?? 0,
  );
  // The run's start and its trigger were recorded by its first execution.
  if (!carried) {
    const started = Date.now();
    await recordProgress({
      runId,
      run: { status: 'running', at: started },
      nodes: [
        { nodeId: trigger.id, nodeType: trigger.type, status: 'completed', output: args.input, startedAt: started, finishedAt: started },
      ],
    });
  }

  try {
    while (state.pending.size > 0 || state.running.size > 0) {
      if (!control.paused && !carry.draining) startReadyNodes();
      if (carry.draining && carry.drained()) await carry.cross((next) => ({ ...args, input: null, pinned: undefined, carried: next }));
      if (state.running.size === 0 && !control.paused) break;
      // Recording costs an activity: batch it, and send it only when the run is about to wait for something external.
      if ([...state.running.keys()].some((id) => state.waiting.has(id) || byId.get(id)?.kind === 'activity') || control.paused) flush();
      const before = Date.now();
      await Promise.race([...state.running.values(), control.nextChange(), ...(carry.draining ? [carry.untilDrained()] : [])]);
      if (!control.paused && state.running.size > state.waiting.size) state.activeMs += Date.now() - before;
      await recordTransitions();
      // Exhausting the budget is the root cause even when it surfaced as a node's timeout.
      if (state.activeMs >= budgetMs)
        state.failure = { code: 'RUN_BUDGET_EXCEEDED', message: `The run used its execution budget of ${budgetMs} ms` };
      if (state.stopped) break;
      carry.check();
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    state.finalStatus = 'cancelled';
    // Record the stop even though the workflow itself is being cancelled.
    await CancellationScope.nonCancellable(async () => {
      publishStatus('cancelled');
      const unfinished = plan.nodes.filter((n) => !state.states.has(n.id));
      // Started but unsettled nodes were cut off; the rest never started.
      state.records.push(
        ...unfinished.map((n): NodeRecord => ({
          nodeId: n.id,
          nodeType: n.type,
          status: state.pending.has(n.id) ? 'skipped' : 'cancelled',
        })),
      );
      await Promise.allSettled(state.flushes);
      await recordProgress({ runId, run: { status: 'cancelled', at: Date.now() }, nodes: state.records });
    });
    throw err;
  }

  // A failure stops new work; nodes still in flight finish (their results are recorded), the rest are skipped.
  if (state.running.size > 0) await Promise.allSettled(state.running.values());
  for (const id of state.pending) {
    const node = byId.get(id);
    if (node) state.records.push({ nodeId: id, nodeType: node.type, status: 'skipped' });
  }
  await Promise.all(state.flushes);

  const output = state.outputs();
  const { failure, refusal } = state;
  state.finalStatus = failure ? 'failed' : refusal ? 'cancelled' : 'completed';
  const error = failure ?? refusal;
  publishStatus(state.finalStatus);
  await recordProgress({
    runId,
    run: { status: state.finalStatus, at: Date.now(), output, ...(error ? { error } : {}) },
    nodes: state.records,
  });
  // A refused run ends normally in Temporal (nothing failed); Loom records it as cancelled with the reason.
  if (refusal && !failure) return { status: 'cancelled', output, error: refusal };
  if (failure)
    throw ApplicationFailure.nonRetryable(
      `${failure.nodeId ? `Node ${failure.nodeId} failed: ` : ''}${failure.message}`,
      failure.code,
      failure,
    );
  return { status: 'completed', output };
}
