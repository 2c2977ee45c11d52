// The mutable state of one run, in one place: what each node became, what runs or waits now, the records not yet
// sent, the execution budget spent, and why the run stops. The scheduler (run.ts) applies step outcomes to it; steps
// read it through their context. No Temporal calls here, only workflow time (Date.now() is deterministic in a run).
import { z } from 'zod';
import type { NodeErrorInfo, NodeRecord, ParsedScopeRef } from '../activities/contracts.js';
import { LOOP_ITEM_HANDLE, type ExpandedPlan, type PlanNode } from '../compiler/plan.js';
import { WORKFLOW_STEPS_PER_RUN } from '../nodes/runtime/evaluate-pure.js';
import type { RunLiveState } from './control.js';
import { activeSources, upstreamSettled } from './readiness.js';
import type { NodeOutcome } from './steps/outcome.js';

export const NodeStateSchema = z.discriminatedUnion('status', [
  // Optional: an output no unsettled node reads any more is not carried (see carry).
  z.object({ status: z.literal('completed'), output: z.unknown().optional(), fired: z.array(z.string()) }),
  // Workflow code imports activities as types only; the error was built by errorInfo, so its shape is checked.
  z.object({ status: z.literal('failed'), error: z.custom<NodeErrorInfo>((v) => typeof v === 'object' && v !== null && 'code' in v) }),
  z.object({ status: z.literal('skipped') }),
]);
export type NodeState = z.infer<typeof NodeStateSchema>;

/**
 * What of a RunState crosses into the run's next execution (continue-as-new, workflows/carry-over.ts). Records not
 * yet sent are flushed first and running nodes have settled or wait on a person, so neither travels; a run that
 * failed or was refused ends instead of continuing, so neither does the reason it stops.
 */
export const CarriedStateSchema = z.object({
  /** Settled nodes; a completed node's output only while an unsettled node or the run's output still reads it. */
  states: z.record(z.string(), NodeStateSchema),
  /** When the nodes still waiting on a person started, so their records keep the time they began. */
  startedAt: z.record(z.string(), z.number()),
  activeMs: z.number(),
  workflowSteps: z.number(),
  nodeFailures: z.number().int(),
});
export type CarriedState = z.infer<typeof CarriedStateSchema>;
export type Source = { nodeId: string; handle: string; value: unknown };
export type RunError = NodeErrorInfo & { nodeId?: string };
/** What a node's expressions see besides its input, as the activities receive it (built once per node). */
export type NodeScope = ParsedScopeRef;
type RecordFields = Omit<NodeRecord, 'nodeId' | 'nodeType' | 'status'>;

export class RunState {
  readonly states = new Map<string, NodeState>();
  readonly running = new Map<string, Promise<void>>();
  /** Nodes waiting on a durable timer or a person: their time does not count against the budget. */
  readonly waiting = new Set<string>();
  readonly pending: Set<string>;
  /** Records of pure, human and skipped nodes, sent in batches (activities record their own). */
  records: NodeRecord[] = [];
  readonly flushes: Promise<void>[] = [];
  failure: RunError | undefined;
  /** A person said no (or nobody answered and the safe default applied): the run ends as cancelled. */
  refusal: RunError | undefined;
  finalStatus: RunLiveState['status'] | undefined;
  activeMs = 0;
  /** Expression steps pure nodes may still take in the workflow (see nodes/runtime/evaluate-pure.ts); the rest go to the activity. */
  readonly workflowSteps = { remaining: WORKFLOW_STEPS_PER_RUN };
  /** When each running node started (for its record); set by the scheduler, carried across continue-as-new. */
  readonly startedAt = new Map<string, number>();
  private nodeFailures = 0;

  constructor(
    readonly plan: ExpandedPlan,
    trigger: PlanNode,
    input: unknown,
    private readonly run: NodeScope['run'],
    /** A partial run's pinned outputs, by node (RunWorkflowInput.pinned). */
    pinned: Record<string, unknown> = {},
  ) {
    // A loop's body is the loop's to run, once per item (steps/for-each.ts), never the scheduler's.
    this.pending = new Set(plan.nodes.filter((n) => n.id !== trigger.id && n.parent === undefined).map((n) => n.id));
    this.states.set(trigger.id, { status: 'completed', output: input, fired: ['out'] });
    if (plan.partial) this.settlePartial(plan.partial, pinned);
  }

  /**
   * A partial run starts with its pinned nodes completed (their outputs given, firing the outputs the plan names:
   * the branch a pinned IF took; every output in a partial plan from before `fired`) and the nodes it does not need
   * skipped. Plain state: no command, so the interpreter's history is that of any run from there on.
   */
  private settlePartial(partial: NonNullable<ExpandedPlan['partial']>, pinned: Record<string, unknown>): void {
    const byId = new Map(this.plan.nodes.map((n) => [n.id, n]));
    for (const id of partial.pinned) {
      const node = byId.get(id);
      if (!node || !this.pending.delete(id)) continue;
      const output = pinned[id];
      // Recorded whatever the node's kind: an activity that never ran records nothing itself.
      const fired = partial.fired?.[id] ?? node.outputs.map((o) => o.handle);
      this.settle(node, { status: 'completed', output, fired }, { output }, true);
    }
    for (const id of partial.skipped) {
      const node = byId.get(id);
      if (node && this.pending.delete(id)) this.settle(node, { status: 'skipped' }, {}, true);
    }
  }

  /** The state to carry into the next execution; outputs nothing unsettled reads any more are left behind. */
  carry(): CarriedState {
    const read = new Set<string>();
    for (const node of this.plan.nodes) {
      if (!node.outputs.some((o) => o.to.length > 0)) read.add(node.id);
      if (this.states.has(node.id)) continue;
      for (const input of node.inputs) for (const src of input.from) read.add(src.nodeId);
      for (const id of node.references) read.add(id);
    }
    const states: Record<string, NodeState> = {};
    for (const [id, s] of this.states) states[id] = s.status === 'completed' && !read.has(id) ? { ...s, output: undefined } : s;
    return {
      states,
      startedAt: Object.fromEntries(this.startedAt),
      activeMs: this.activeMs,
      workflowSteps: this.workflowSteps.remaining,
      nodeFailures: this.nodeFailures,
    };
  }

  /** Takes over what the previous execution carried: every node not settled there is pending here. */
  restore(carried: CarriedState): void {
    // What the constructor settled (a partial run's pinned and skipped nodes) was recorded by the first execution.
    this.records = [];
    this.states.clear();
    for (const [id, s] of Object.entries(carried.states)) this.states.set(id, s);
    this.pending.clear();
    for (const node of this.plan.nodes) if (!this.states.has(node.id)) this.pending.add(node.id);
    for (const [id, at] of Object.entries(carried.startedAt)) this.startedAt.set(id, at);
    this.activeMs = carried.activeMs;
    this.workflowSteps.remaining = carried.workflowSteps;
    this.nodeFailures = carried.nodeFailures;
  }

  get stopped(): boolean {
    return this.failure !== undefined || this.refusal !== undefined;
  }

  /** The run's execution budget not yet spent. */
  get budgetLeftMs(): number {
    return this.plan.settings.timeoutMs - this.activeMs;
  }

  /** Every upstream node has settled (completed, failed or skipped): the node can be decided. */
  upstreamSettled(node: PlanNode): boolean {
    return upstreamSettled(this.states, node);
  }

  /** The incoming edges that delivered: their source completed and fired the edge's handle. */
  activeSources(node: PlanNode): Source[] {
    return activeSources(this.states, node);
  }

  scopeOf(node: PlanNode): NodeScope {
    const referenced = Object.fromEntries(
      node.references.map((id) => [id, (this.states.get(id) as { output?: unknown } | undefined)?.output]),
    );
    return { node: referenced, run: this.run, vars: this.plan.settings.variables };
  }

  /** A durable wait for `work`; the node counts as waiting (no budget spent) meanwhile. */
  async whileWaiting<T>(node: PlanNode, work: () => Promise<T>): Promise<T> {
    this.waiting.add(node.id);
    try {
      return await work();
    } finally {
      this.waiting.delete(node.id);
    }
  }

  /** What a step ended with, applied; `started` is what the node's record says about its execution. */
  apply(node: PlanNode, outcome: NodeOutcome, started: { input: unknown; startedAt: number }): void {
    const { input, startedAt } = started;
    if (outcome.kind === 'completed') {
      this.settle(
        node,
        { status: 'completed', output: outcome.output, fired: outcome.fired },
        { input, output: outcome.output, startedAt, finishedAt: Date.now() },
      );
    } else if (outcome.kind === 'failed') {
      this.fail(node, outcome.error, { input, startedAt, finishedAt: Date.now() });
    } else {
      this.refusal ??= { ...outcome.reason, nodeId: node.id };
      // Recorded whatever the node's kind: an activity that never ran records nothing itself.
      this.records.push({ nodeId: node.id, nodeType: node.type, status: 'skipped' });
      this.states.set(node.id, { status: 'skipped' });
    }
  }

  /** Not run: no incoming edge delivered, or not every one did for a node that joins all. */
  skip(node: PlanNode): void {
    this.settle(node, { status: 'skipped' });
  }

  liveState(paused: boolean): RunLiveState {
    return {
      status: this.finalStatus ?? (paused ? 'paused' : 'running'),
      paused,
      activeMs: this.activeMs,
      budgetMs: this.plan.settings.timeoutMs,
      nodes: Object.fromEntries(
        this.plan.nodes.map((n) => [
          n.id,
          this.waiting.has(n.id) ? 'waiting' : this.running.has(n.id) ? 'running' : (this.states.get(n.id)?.status ?? 'pending'),
        ]),
      ),
    };
  }

  /** Outputs of the completed nodes that end the graph, by node id. */
  outputs(): Record<string, unknown> {
    const output: Record<string, unknown> = {};
    for (const node of this.plan.nodes) {
      const s = this.states.get(node.id);
      // A loop's `item` edges lead into its body, not on: a loop whose `done` goes nowhere ends the graph.
      const ends = !node.outputs.some((o) => o.to.length > 0 && !(node.kind === 'loop' && o.handle === LOOP_ITEM_HANDLE));
      if (s?.status === 'completed' && ends) output[node.id] = s.output;
    }
    return output;
  }

  private settle(node: PlanNode, state: NodeState, record: RecordFields = {}, always = false): void {
    this.states.set(node.id, state);
    // Which outputs fired is recorded too: a partial run from this one fires the same branch (orchestrator/partial-runs.ts).
    if (node.kind !== 'activity' || always)
      this.records.push({
        nodeId: node.id,
        nodeType: node.type,
        status: state.status,
        ...record,
        ...(state.status === 'completed' ? { fired: state.fired } : {}),
      });
  }

  private fail(node: PlanNode, error: NodeErrorInfo, record: RecordFields): void {
    // Supervision counts every failure, also those routed or continued past.
    this.nodeFailures++;
    const limit = this.plan.settings.maxNodeFailures;
    if (limit !== undefined && this.nodeFailures >= limit)
      this.failure ??= {
        code: 'RUN_TOO_MANY_FAILURES',
        message: `${this.nodeFailures} nodes failed; the workflow stops at ${limit}`,
        nodeId: node.id,
      };
    const routed = { error };
    if (node.settings.onError === 'continue')
      this.settle(node, { status: 'completed', output: routed, fired: ['out'] }, { ...record, output: routed });
    else if (node.settings.onError === 'route')
      this.settle(node, { status: 'completed', output: routed, fired: ['error'] }, { ...record, output: routed });
    else {
      this.settle(node, { status: 'failed', error }, { ...record, error });
      this.failure ??= { ...error, nodeId: node.id };
    }
  }
}
