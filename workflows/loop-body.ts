// One item through a loop's body: the body's nodes scheduled by the run's own rules (readiness.ts) over states of
// their own, so items never see each other's values. The loop's state in them is the item, fired on `item`, which
// is how the entry receives it; the item's result is the exit's output. A body node's failure goes by its onError
// (continue, route) as in the run; one that would stop the run fails the item instead, and the loop's policy
// decides (items.ts). Pure body nodes are not recorded per item (their effect is in the result); activity nodes
// record their own row per item (executeNode's `item`).
import type { NodeErrorInfo } from '../activities/contracts.js';
import { LOOP_ITEM_HANDLE, type ExpandedPlan, type PlanNode } from '../compiler/plan.js';
import { errorInfo } from './node-activities.js';
import { activeSources, skipped, upstreamSettled } from './readiness.js';
import type { NodeScope, NodeState } from './run-state.js';
import { activityStep } from './steps/activity.js';
import type { NodeOutcome, StepContext } from './steps/outcome.js';
import { pureStep } from './steps/pure.js';
import { isCancellation } from '@temporalio/workflow';

/** A loop's body as its items run it: the nodes in plan (topological) order, and the one the result comes from. */
export interface LoopBody {
  loop: PlanNode;
  nodes: PlanNode[];
  exit: PlanNode;
}

export type ItemError = NodeErrorInfo & { nodeId?: string };
export type ItemResult = { ok: true; output: unknown } | { ok: false; error: ItemError };

/** What every item's nodes read besides their own body: outputs of the nodes outside it, the run and its variables. */
export interface ItemScope {
  outer: Record<string, unknown>;
  run: NodeScope['run'];
  vars: NodeScope['vars'];
}

export function loopBody(plan: ExpandedPlan, loopId: string): LoopBody {
  const loop = plan.nodes.find((n) => n.id === loopId);
  const nodes = plan.nodes.filter((n) => n.parent === loopId);
  // The compiler guarantees exactly one exit (compiler/passes/loops.ts); a plan that breaks it is malformed.
  const exits = nodes.filter((n) => !n.outputs.some((o) => o.to.length > 0));
  if (!loop || exits.length !== 1) throw new Error(`Plan has no well-formed body for loop ${loopId}`);
  return { loop, nodes, exit: exits[0] as PlanNode };
}

/**
 * The outputs of the nodes outside the body that body nodes reference: what a chunk of items needs to carry. The
 * loop itself is not outside when `loopIsItem`: a body node reading `$node.<loop>` gets the item at hand (the loop's
 * state within an item), as the first body node gets it on its input. Runs from before that read the loop's output,
 * which does not exist while it runs (undefined), and replay as they ran.
 */
export function outerReferences(body: LoopBody, states: ReadonlyMap<string, NodeState>, loopIsItem: boolean): Record<string, unknown> {
  const inside = new Set(body.nodes.map((n) => n.id));
  if (loopIsItem) inside.add(body.loop.id);
  const outer: Record<string, unknown> = {};
  for (const node of body.nodes)
    for (const id of node.references) if (!inside.has(id)) outer[id] = (states.get(id) as { output?: unknown } | undefined)?.output;
  return outer;
}

const STEPS = { pure: pureStep, activity: activityStep } as const;

export async function runItem(ctx: StepContext, body: LoopBody, scope: ItemScope, item: unknown, index: number): Promise<ItemResult> {
  const states = new Map<string, NodeState>([[body.loop.id, { status: 'completed', output: item, fired: [LOOP_ITEM_HANDLE] }]]);
  const pending = new Set(body.nodes.map((n) => n.id));
  const running = new Map<string, Promise<void>>();
  let failure: ItemError | undefined;

  async function run(node: PlanNode): Promise<void> {
    const sources = activeSources(states, node);
    const input = sources.length === 1 ? sources[0]?.value : sources.map((s) => s.value);
    const referenced = Object.fromEntries(
      node.references.map((id) => [id, id in scope.outer ? scope.outer[id] : (states.get(id) as { output?: unknown } | undefined)?.output]),
    );
    const ref: NodeScope = { node: referenced, run: scope.run, vars: scope.vars };
    const step = node.kind === 'pure' || node.kind === 'activity' ? STEPS[node.kind] : undefined;
    let outcome: NodeOutcome;
    try {
      if (!step) throw new Error(`A ${node.kind} node cannot run in a loop's body`);
      outcome = await step(ctx, { node, input, sources, scope: { json: input, ...ref }, ref, item: index });
    } catch (err) {
      if (isCancellation(err)) throw err;
      outcome = { kind: 'failed', error: errorInfo(err) };
    }
    states.set(node.id, settle(node, outcome));
    const s = states.get(node.id);
    if (s?.status === 'failed') failure ??= { ...s.error, nodeId: node.id };
  }

  while (pending.size > 0 || running.size > 0) {
    for (const node of body.nodes) {
      if (failure || !pending.has(node.id) || !upstreamSettled(states, node)) continue;
      pending.delete(node.id);
      if (skipped(node, activeSources(states, node))) states.set(node.id, { status: 'skipped' });
      else
        running.set(
          node.id,
          run(node).finally(() => running.delete(node.id)),
        );
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (failure) return { ok: false, error: failure };
  const exit = states.get(body.exit.id);
  return { ok: true, output: exit?.status === 'completed' ? exit.output : null };
}

/** A node's outcome as its state in the item: its onError applies as in the run; a refusal cannot arise here. */
function settle(node: PlanNode, outcome: NodeOutcome): NodeState {
  if (outcome.kind === 'completed') return { status: 'completed', output: outcome.output, fired: outcome.fired };
  const error = outcome.kind === 'failed' ? outcome.error : outcome.reason;
  if (node.settings.onError === 'continue') return { status: 'completed', output: { error }, fired: ['out'] };
  if (node.settings.onError === 'route') return { status: 'completed', output: { error }, fired: ['error'] };
  return { status: 'failed', error };
}
