// Pass: loop bodies. A node with `parent: L` belongs to the body of loop L (a node of kind 'loop', flow.for_each),
// which runs it once per item. A body is a graph like any other, checked by the same passes, plus its shape:
// exactly one edge from L's `item` output, into the body (its entry); exactly one body node with no outgoing edge
// (its exit, whose output is the item's result); no edge leaves the body or enters it any other way, so the run's
// graph stays acyclic and the body can be run on its own. Bodies hold pure and activity nodes only: a person asked
// once per item, or a loop inside a loop, is refused (`LOOP_BODY_NODE`).
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import type { DocumentEdge } from '../document.js';
import { LOOP_ITEM_HANDLE, type Plan } from '../plan.js';
import { nodeLabel, type NodesPass } from './nodes.js';

export function checkLoops(nodes: NodesPass, edges: DocumentEdge[], out: Diagnostic[]): void {
  const parentOf = (id: string) => nodes.resolved.get(id)?.node.parent;
  const bodies = new Map<string, string[]>();
  let loopsOrBodies = false;
  for (const r of nodes.resolved.values()) {
    const parent = r.node.parent;
    if (r.info.kind === 'loop') loopsOrBodies = true;
    if (parent === undefined) continue;
    loopsOrBodies = true;
    const at = { nodeId: r.node.id, path: ['nodes', r.index, 'parent'] };
    const loop = nodes.resolved.get(parent);
    if (!loop || loop.info.kind !== 'loop' || loop.node.parent !== undefined) {
      const why = !loop ? 'does not exist' : loop.info.kind !== 'loop' ? 'is not a loop' : 'is itself inside a loop';
      out.push(diagnostic('LOOP_PARENT_INVALID', `Node ${nodeLabel(r.node)} names "${parent}" as its loop, which ${why}`, at));
      continue;
    }
    if (r.info.kind !== 'pure' && r.info.kind !== 'activity') {
      const what = r.info.kind === 'loop' ? 'a loop inside a loop' : r.info.kind === 'human' ? 'a person asked per item' : 'a trigger';
      out.push(diagnostic('LOOP_BODY_NODE', `Node ${nodeLabel(r.node)} cannot be in a loop's body: ${what} is not supported`, at));
    } else if (r.node.onError === 'ask') {
      out.push(diagnostic('LOOP_BODY_NODE', `Node ${nodeLabel(r.node)} in a loop's body cannot ask a person on error (onError "ask")`, at));
    }
    const members = bodies.get(parent) ?? [];
    members.push(r.node.id);
    bodies.set(parent, members);
  }

  // Without a loop or a node that names one, no edge can enter, leave or feed a body: the edges need no look.
  if (!loopsOrBodies) return;
  const entries = new Map<string, number>();
  const hasOutgoing = new Set<string>();
  edges.forEach((e) => {
    hasOutgoing.add(e.source);
    const from = parentOf(e.source);
    const to = parentOf(e.target);
    const at = { edgeId: e.id, nodeId: e.source };
    if (nodes.resolved.get(e.source)?.info.kind === 'loop' && e.sourceHandle === LOOP_ITEM_HANDLE) {
      entries.set(e.source, (entries.get(e.source) ?? 0) + 1);
      if (to !== e.source)
        out.push(diagnostic('LOOP_BODY_ENTRY', `Edge ${e.id} carries the items of loop "${e.source}" to a node outside its body`, at));
    } else if (from !== to) {
      if (from !== undefined)
        out.push(diagnostic('LOOP_BODY_ESCAPE', `Edge ${e.id} leaves the body of loop "${from}": a body ends at its one exit`, at));
      else
        out.push(
          diagnostic('LOOP_BODY_ENTRY', `Edge ${e.id} enters the body of loop "${to}" from outside: only its "item" output may`, at),
        );
    }
  });

  for (const r of nodes.resolved.values()) {
    if (r.info.kind !== 'loop') continue;
    const at = { nodeId: r.node.id, path: ['nodes', r.index] };
    const count = entries.get(r.node.id) ?? 0;
    if (count !== 1)
      out.push(
        diagnostic(
          'LOOP_BODY_ENTRY',
          `Loop ${nodeLabel(r.node)} needs exactly one edge from its "item" output into its body (has ${count})`,
          at,
        ),
      );
    const exits = (bodies.get(r.node.id) ?? []).filter((id) => !hasOutgoing.has(id));
    if (exits.length !== 1)
      out.push(
        diagnostic(
          'LOOP_BODY_EXIT',
          `The body of loop ${nodeLabel(r.node)} needs exactly one exit, a node with no outgoing edge (has ${exits.length})`,
          {
            ...at,
            details: { exits: exits.sort() },
          },
        ),
      );
  }
}

/** Approval is decided while the plan is built (sensitive operations, the host allowlist): a body node may not need one. */
export function checkLoopApprovals(plan: Plan, out: Diagnostic[]): void {
  for (const n of plan.nodes) {
    if (n.parent !== undefined && (n.settings?.requiresApproval ?? plan.nodeDefaults.requiresApproval))
      out.push(
        diagnostic('LOOP_BODY_NODE', `Node "${n.id}" needs an approval, which a loop's body cannot ask for once per item`, {
          nodeId: n.id,
        }),
      );
  }
}
