// Entry point: a document (parsed JSON, unknown) and the caller's context -> every diagnostic at once, and the plan
// when there are no errors. Pure: no database, no Temporal, no network. Never throws on any input.
import { buildPlan } from './build-plan.js';
import type { CompileContext } from './catalog.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { parseWorkflowDocument } from './document.js';
import { Graph } from './graph.js';
import { reportUnusedOutputs, resolveEdges } from './passes/edges.js';
import { checkHosts } from './passes/hosts.js';
import { checkLoopApprovals, checkLoops } from './passes/loops.js';
import { nodeLabel, resolveNodes } from './passes/nodes.js';
import { checkReferences } from './passes/references.js';
import { propagateShapes } from './passes/data-flow.js';
import type { Plan } from './plan.js';
import { internShapes, type ShapeTable } from './shape-table.js';

export interface CompileResult {
  ok: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  plan?: Plan;
  /**
   * Each node's inferred input and output shapes (known ones only), whenever the document parsed, errors or not: the
   * editor completes `{{ }}` expressions from them. Kept beside the plan, not in it (see shape-table.ts).
   */
  shapes?: ShapeTable;
}

export function compile(input: unknown, ctx: CompileContext): CompileResult {
  const out: Diagnostic[] = [];
  const doc = parseWorkflowDocument(input);
  if (!doc.success) {
    for (const issue of doc.error.issues) {
      out.push(
        diagnostic('SCHEMA_INVALID', `Document${issue.path.length ? ` ${issue.path.join('.')}` : ''}: ${issue.message}`, {
          path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
        }),
      );
    }
    return finish(out);
  }

  const nodes = resolveNodes(doc.data.nodes, ctx, out);
  const { valid: edges, refused } = resolveEdges(doc.data.edges, nodes, out);
  // An output a refused edge would use is not unused: the edge's own error says what is wrong.
  reportUnusedOutputs(nodes, refused.length > 0 ? [...edges, ...refused] : edges, out);
  checkLoops(nodes, edges, out);

  // Graph node n is the n-th resolved node: the passes over the graph read them by number.
  const resolved = [...nodes.resolved.values()];
  const graph = new Graph(
    resolved.map((r) => r.node.id),
    edges,
  );
  // The graph as the author drew it, refused edges included: only built when some edge was refused.
  const despiteErrors = refused.length > 0 ? new Graph([...nodes.ids], [...edges, ...refused]) : undefined;
  const { order, position } = graph.topologicalOrder();
  if (order.length < nodes.resolved.size) {
    const stuck = new Set(graph.ids.filter((_, n) => position[n] === -1));
    for (const cycle of graph.cycles(stuck)) {
      out.push(
        diagnostic('CYCLE', `These nodes form a cycle: ${[...cycle, cycle[0]].join(' -> ')}. A workflow must not loop back on itself.`, {
          nodeId: cycle[0] as string,
          details: { cycle },
        }),
      );
    }
  }

  const triggers = resolved
    .filter((r) => r.info.kind === 'trigger')
    .map((r) => r.node.id)
    .sort();
  if (triggers.length === 0)
    out.push(diagnostic('NO_TRIGGER', 'The workflow has no trigger: add one (for example a manual trigger) so it can start', {}));
  else {
    // A node cut off only by a refused edge (or a node with its own error) is that error's consequence. The graph's
    // nodes are in document order, as the resolved ones are; the graph despite errors also has nodes that failed.
    for (const id of (despiteErrors ?? graph).unreachableFrom(triggers)) {
      const r = nodes.resolved.get(id);
      if (r)
        out.push(
          diagnostic('ORPHAN_NODE', `Node ${nodeLabel(r.node)} is not connected to any trigger, so it would never run`, {
            nodeId: r.node.id,
            path: ['nodes', r.index],
          }),
        );
    }
  }

  for (const r of resolved) {
    if (r.info.kind === 'trigger' && r.outputs && r.info.operations(r.config).includes('public_endpoint'))
      out.push(
        diagnostic(
          'UNAUTHENTICATED_TRIGGER',
          `Trigger ${nodeLabel(r.node)} has no authentication: anyone who learns its URL can start runs`,
          {
            nodeId: r.node.id,
            path: ['nodes', r.index],
          },
        ),
      );
  }

  const { references, templates } = checkReferences(
    nodes,
    graph,
    position,
    out,
    despiteErrors && ((node, ref) => despiteErrors.ancestorsAmong(node, new Set([ref])).has(ref)),
  );
  const shapes = internShapes(propagateShapes({ nodes: resolved, graph, order, templates, variables: doc.data.settings?.variables }, out));
  const unlisted = checkHosts(nodes, doc.data.settings?.allowedHosts, out);
  if (out.some((d) => d.severity === 'error')) return finish(out, undefined, shapes);
  const plan = buildPlan(
    { name: doc.data.name, settings: doc.data.settings, order, nodes: resolved, graph, triggers, references, unlisted },
    ctx,
  );
  checkLoopApprovals(plan, out);
  return out.some((d) => d.severity === 'error') ? finish(out, undefined, shapes) : finish(out, plan, shapes);
}

function finish(all: Diagnostic[], plan?: Plan, shapes?: ShapeTable): CompileResult {
  const errors = all.filter((d) => d.severity === 'error');
  const warnings = all.filter((d) => d.severity === 'warning');
  return { ok: errors.length === 0 && plan !== undefined, errors, warnings, ...(plan ? { plan } : {}), ...(shapes ? { shapes } : {}) };
}
