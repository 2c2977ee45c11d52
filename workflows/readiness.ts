// When a node of a graph can be decided, and what its incoming edges delivered: read from the states of the nodes
// before it. Shared by the run's scheduler (run-state.ts) and a loop's body, which runs the same rules per item
// over its own states (loop-body.ts).
import type { PlanNode } from '../compiler/plan.js';
import type { NodeState, Source } from './run-state.js';

/** Every upstream node has settled (completed, failed or skipped): the node can be decided. */
export function upstreamSettled(states: ReadonlyMap<string, NodeState>, node: PlanNode): boolean {
  return node.inputs.every((i) => i.from.every((src) => states.has(src.nodeId)));
}

/** The incoming edges that delivered: their source completed and fired the edge's handle. */
export function activeSources(states: ReadonlyMap<string, NodeState>, node: PlanNode): Source[] {
  return node.inputs.flatMap((input) =>
    input.from.flatMap((src) => {
      const s = states.get(src.nodeId);
      return s?.status === 'completed' && s.fired.includes(src.handle) ? [{ nodeId: src.nodeId, handle: src.handle, value: s.output }] : [];
    }),
  );
}

export const edgeCount = (node: PlanNode) => node.inputs.reduce((n, i) => n + i.from.length, 0);

/** A node with no delivered edge, or joining all and missing one, is skipped rather than run. */
export const skipped = (node: PlanNode, sources: Source[]) =>
  sources.length === 0 || (node.join === 'all' && sources.length < edgeCount(node));
