// Partial runs: the plan of a test run that runs a workflow from one node onward (or around pinned nodes), with the
// outputs of the nodes before it given ("pinned": typed in, or taken from an earlier run). Pure, like the rest of
// the compiler: it decides which nodes run, which start settled from pinned data and which are skipped, and
// refuses a run in which a node that will run could get none of its inputs (MISSING_PINNED_INPUT).
import { withHash } from './build-plan.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { LOOP_ITEM_HANDLE, type CompactNode, type Plan } from './plan.js';

export interface PartialRunRequest {
  /** Run this node and everything after it; absent: everything after the pinned nodes (and the trigger). */
  startAt?: string | undefined;
  /** Nodes whose outputs are given: they never run. */
  pinned: readonly string[];
  /**
   * Nodes whose outputs an earlier run holds: used where a node that runs needs them, unless they run themselves
   * (they are at or after the start). Without a start, the nodes the earlier run did not complete run again.
   */
  earlier?: readonly string[];
  /** The trigger the run starts from: its output is the run's input, so it is always available. */
  trigger: string;
}

export type PartialRunResult = { ok: true; plan: Plan } | { ok: false; errors: Diagnostic[] };

export function planPartialRun(plan: Plan, request: PartialRunRequest): PartialRunResult {
  const byId = new Map(plan.nodes.map((n) => [n.id, n]));
  const errors: Diagnostic[] = [];
  const known = (id: string, what: string): CompactNode | undefined => {
    const node = byId.get(id);
    if (!node)
      errors.push(diagnostic('UNKNOWN_REFERENCE', `${what} "${id}" is not a node of this workflow`, { details: { reference: id } }));
    else if (node.parent !== undefined)
      errors.push(
        diagnostic('LOOP_BODY_NODE', `${what} "${id}" is in the body of loop "${node.parent}", which runs with its loop: use the loop`, {
          nodeId: id,
        }),
      );
    return node;
  };
  for (const id of request.pinned) known(id, 'Pinned node');
  if (request.startAt !== undefined) known(request.startAt, 'The start node');
  if (errors.length > 0) return { ok: false, errors };

  const available = new Set([...request.pinned, request.trigger]);
  // What runs: the start and everything after it (a loop's body goes with its loop), but what is pinned.
  const runs = new Set<string>();
  const downstream = (seeds: string[]) => {
    const found = new Set<string>();
    walk(byId, seeds, (id) => found.add(id));
    return found;
  };
  const after = request.startAt !== undefined ? downstream([request.startAt]) : undefined;
  for (const id of request.earlier ?? []) if (byId.get(id)?.parent === undefined && !after?.has(id)) available.add(id);
  walk(byId, request.startAt !== undefined ? [request.startAt] : [...available], (id) => {
    if (!available.has(id)) runs.add(id);
  });

  const sources = new Map<string, string[]>();
  for (const n of plan.nodes)
    for (const o of n.outputs)
      for (const to of o.to) {
        const list = sources.get(to.nodeId);
        if (list) list.push(n.id);
        else sources.set(to.nodeId, [n.id]);
      }
  const has = (id: string) => runs.has(id) || available.has(id);
  for (const id of [...runs].sort()) {
    const node = byId.get(id) as CompactNode;
    const from = sources.get(id) ?? [];
    // As in any run, an edge whose source does not run is simply not delivered; the node runs when one is (or,
    // joining all, when every one is). Pin the others or start earlier.
    const missing = from.filter((s) => !has(s));
    if (from.length > 0 && (missing.length === from.length || (node.join === 'all' && missing.length > 0)))
      errors.push(
        diagnostic(
          'MISSING_PINNED_INPUT',
          `Node "${id}" would run without its input: pin the output of ${missing.map((m) => `"${m}"`).join(' or ')}, take it from an earlier run, or start before it`,
          { nodeId: id, details: { missing } },
        ),
      );
    // An expression reading a node that neither runs nor is pinned would read nothing; so would a loop's body's.
    const readers = node.kind === 'loop' ? plan.nodes.filter((n) => n.id === id || n.parent === id) : [node];
    const unread = [...new Set(readers.flatMap((r) => r.references ?? []))].filter((ref) => !has(ref) && byId.get(ref)?.parent !== id);
    if (unread.length > 0)
      errors.push(
        diagnostic(
          'MISSING_PINNED_INPUT',
          `Node "${id}" reads ${unread.map((r) => `$node.${r}`).join(', ')}, which will not run: pin ${unread.length > 1 ? 'their outputs' : 'its output'} or start before it`,
          { nodeId: id, details: { missing: unread.sort() } },
        ),
      );
  }
  if (errors.length > 0) return { ok: false, errors };

  // Pinned: what was given, and of the earlier run's outputs those a node that runs reads; the rest is skipped.
  const needed = new Set(request.pinned);
  for (const id of runs) {
    const node = byId.get(id) as CompactNode;
    for (const s of sources.get(id) ?? []) needed.add(s);
    const readers = node.kind === 'loop' ? plan.nodes.filter((n) => n.id === id || n.parent === id) : [node];
    for (const r of readers) for (const ref of r.references ?? []) needed.add(ref);
  }
  const settled = (n: CompactNode) => n.parent === undefined && n.id !== request.trigger && !runs.has(n.id);
  const partial = {
    pinned: plan.nodes.filter((n) => settled(n) && available.has(n.id) && needed.has(n.id)).map((n) => n.id),
    skipped: plan.nodes.filter((n) => settled(n) && !(available.has(n.id) && needed.has(n.id))).map((n) => n.id),
  };
  const { hash: _hash, ...rest } = plan;
  // Keys in alphabetical order, as everywhere in the plan, so it serialises (and hashes) canonically.
  return {
    ok: true,
    plan: withHash({
      name: rest.name,
      nodeDefaults: rest.nodeDefaults,
      nodes: rest.nodes,
      partial,
      schemaVersion: rest.schemaVersion,
      settings: rest.settings,
      triggers: rest.triggers,
    }),
  };
}

/** Visits `seeds` and every node after them, once each; a loop's items lead into its body, which is not "after". */
function walk(byId: Map<string, CompactNode>, seeds: string[], visit: (id: string) => void): void {
  const queue = [...seeds];
  const seen = new Set(queue);
  for (let head = 0; head < queue.length; head++) {
    const node = byId.get(queue[head] as string) as CompactNode;
    visit(node.id);
    for (const output of node.outputs) {
      if (node.kind === 'loop' && output.handle === LOOP_ITEM_HANDLE) continue;
      for (const to of output.to) {
        if (seen.has(to.nodeId)) continue;
        seen.add(to.nodeId);
        queue.push(to.nodeId);
      }
    }
  }
}
