// Partial runs: the plan of a test run that runs a workflow from one node onward (or around pinned nodes), with the
// outputs of the nodes before it given ("pinned": typed in, or taken from an earlier run). Pure, like the rest of
// the compiler: it decides which nodes run, which start settled from pinned data (and which of their outputs fire:
// the branch a pinned IF or Switch took) and which are skipped, and refuses a run in which a node that will run
// could get none of its inputs (MISSING_PINNED_INPUT) or a pinned branching node has no branch.
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
  /** The outputs each node of the earlier run fired, where it recorded them (the nodes the workflow settles itself). */
  earlierFired?: Readonly<Record<string, readonly string[]>>;
  /**
   * The outputs a pinned node fires, as the caller says: for a node with several (logic.if's `true` or `false`, a
   * switch's rules), the branch its data takes. Over what the earlier run recorded.
   */
  branches?: Readonly<Record<string, readonly string[]>>;
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
  for (const [id, handles] of Object.entries(request.branches ?? {})) {
    const node = known(id, 'Branch node');
    const outputs = node ? branchesOf(node) : [];
    const wrong = handles.filter((h) => !outputs.includes(h));
    if (node && wrong.length > 0)
      errors.push(
        diagnostic(
          'PINNED_BRANCH_INVALID',
          `Node "${id}" has no output ${wrong.map((h) => `"${h}"`).join(', ')}: its outputs are ${outputs.map((h) => `"${h}"`).join(', ')}`,
          { nodeId: id, details: { outputs } },
        ),
      );
  }
  if (errors.length > 0) return { ok: false, errors };

  const given = new Set(request.pinned);
  /** The outputs a settled node fires: as said, as the earlier run recorded, or its one output; undefined: unknown. */
  const firedOf = (node: CompactNode): string[] | undefined => {
    const said = request.branches?.[node.id];
    if (said) return [...said];
    const outputs = branchesOf(node);
    const recorded = given.has(node.id) ? undefined : request.earlierFired?.[node.id];
    // A branch the workflow no longer has (a switch rule renamed since) fires nothing.
    if (recorded) return recorded.filter((h) => outputs.includes(h));
    // Given data is an output, not an error: it leaves by the node's one output, or by `out`.
    const plain = outputs.filter((h) => h !== 'error');
    return plain.length === 1 ? plain : plain.includes('out') ? ['out'] : undefined;
  };

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
  // A settled node's edges lead on only from the outputs it fires: the branch not taken is skipped, as in any run.
  const fires = (id: string, handle: string) => !available.has(id) || (firedOf(byId.get(id) as CompactNode)?.includes(handle) ?? true);
  walk(
    byId,
    request.startAt !== undefined ? [request.startAt] : [...available],
    (id) => {
      if (!available.has(id)) runs.add(id);
    },
    fires,
  );

  const sources = new Map<string, { nodeId: string; handle: string }[]>();
  for (const n of plan.nodes)
    for (const o of n.outputs)
      for (const to of o.to) {
        const list = sources.get(to.nodeId);
        if (list) list.push({ nodeId: n.id, handle: o.handle });
        else sources.set(to.nodeId, [{ nodeId: n.id, handle: o.handle }]);
      }
  const has = (id: string) => runs.has(id) || available.has(id);
  for (const id of [...runs].sort()) {
    const node = byId.get(id) as CompactNode;
    const edges = sources.get(id) ?? [];
    const from = edges.map((e) => e.nodeId);
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
    else if (id === request.startAt) {
      // The start was asked for: the branch a pinned node took leading elsewhere would skip it, silently.
      const silent = edges.filter((e) => !fires(e.nodeId, e.handle));
      if (edges.length > 0 && (silent.length === edges.length || (node.join === 'all' && silent.length > 0)))
        errors.push(
          diagnostic(
            'MISSING_PINNED_INPUT',
            `Node "${id}" would not run: ${silent.map((e) => `"${e.nodeId}" does not fire its "${e.handle}" output`).join(', ')} in this run. Name that branch in branches, or start before it`,
            { nodeId: id, details: { missing: [...new Set(silent.map((e) => e.nodeId))] } },
          ),
        );
    }
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
    for (const s of sources.get(id) ?? []) needed.add(s.nodeId);
    const readers = node.kind === 'loop' ? plan.nodes.filter((n) => n.id === id || n.parent === id) : [node];
    for (const r of readers) for (const ref of r.references ?? []) needed.add(ref);
  }
  const settled = (n: CompactNode) => n.parent === undefined && n.id !== request.trigger && !runs.has(n.id);
  const pinnedNodes = plan.nodes.filter((n) => settled(n) && available.has(n.id) && needed.has(n.id));
  const fired: Record<string, string[]> = {};
  for (const n of pinnedNodes) {
    const handles = firedOf(n);
    if (handles) fired[n.id] = handles;
    else
      errors.push(
        diagnostic(
          'PINNED_BRANCH_MISSING',
          `Node "${n.id}" is pinned but has several outputs (${branchesOf(n).join(', ')}), and ${given.has(n.id) ? 'its data does not say which it takes' : 'the earlier run did not record which it took'}: name it in branches, e.g. {"${n.id}": "${branchesOf(n)[0] ?? ''}"}`,
          { nodeId: n.id, details: { outputs: branchesOf(n) } },
        ),
      );
  }
  for (const id of Object.keys(request.branches ?? {}))
    if (!available.has(id) || runs.has(id))
      errors.push(
        diagnostic('PINNED_BRANCH_INVALID', `Node "${id}" is not pinned in this run: it runs and takes its own branch`, { nodeId: id }),
      );
  if (errors.length > 0) return { ok: false, errors };
  const partial = {
    fired,
    pinned: pinnedNodes.map((n) => n.id),
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

/** The outputs of a node that lead on in the run: a loop's `item` leads into its body, which its loop runs. */
function branchesOf(node: CompactNode): string[] {
  const handles = node.outputs.map((o) => o.handle);
  return node.kind === 'loop' ? handles.filter((h) => h !== LOOP_ITEM_HANDLE) : handles;
}

/**
 * Visits `seeds` and every node after them (through the outputs `follows` allows), once each; a loop's items lead
 * into its body, which is not "after".
 */
function walk(
  byId: Map<string, CompactNode>,
  seeds: string[],
  visit: (id: string) => void,
  follows: (id: string, handle: string) => boolean = () => true,
): void {
  const queue = [...seeds];
  const seen = new Set(queue);
  for (let head = 0; head < queue.length; head++) {
    const node = byId.get(queue[head] as string) as CompactNode;
    visit(node.id);
    for (const output of node.outputs) {
      if ((node.kind === 'loop' && output.handle === LOOP_ITEM_HANDLE) || !follows(node.id, output.handle)) continue;
      for (const to of output.to) {
        if (seen.has(to.nodeId)) continue;
        seen.add(to.nodeId);
        queue.push(to.nodeId);
      }
    }
  }
}
