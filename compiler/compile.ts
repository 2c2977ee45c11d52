// Entry point: a document (parsed JSON, unknown) and the caller's context -> every diagnostic at once, and the plan
// when there are no errors. Pure: no database, no Temporal, no network. Never throws on any input.
import { buildPlan } from './build-plan.js';
import type { CompileContext } from './catalog.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { WorkflowDocumentSchema } from './document.js';
import { Graph } from './graph.js';
import { reportUnusedOutputs, resolveEdges } from './passes/edges.js';
import { checkHosts } from './passes/hosts.js';
import { checkLoopApprovals, checkLoops } from './passes/loops.js';
import { nodeLabel, resolveNodes } from './passes/nodes.js';
import { checkReferences } from './passes/references.js';
import type { Plan } from './plan.js';

export interface CompileResult {
  ok: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  plan?: Plan;
}

export function compile(input: unknown, ctx: CompileContext): CompileResult {
  const out: Diagnostic[] = [];
  const doc = WorkflowDocumentSchema.safeParse(input);
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
  const edges = resolveEdges(doc.data.edges, nodes, out);
  reportUnusedOutputs(nodes, edges, out);
  checkLoops(nodes, edges, out);

  const graph = new Graph([...nodes.resolved.keys()], edges);
  const { order, index } = graph.topologicalOrder();
  if (order.length < nodes.resolved.size) {
    const stuck = new Set([...nodes.resolved.keys()].filter((id) => !index.has(id)));
    for (const cycle of graph.cycles(stuck)) {
      out.push(
        diagnostic('CYCLE', `These nodes form a cycle: ${[...cycle, cycle[0]].join(' -> ')}. A workflow must not loop back on itself.`, {
          nodeId: cycle[0] as string,
          details: { cycle },
        }),
      );
    }
  }

  const triggers = [...nodes.resolved.values()]
    .filter((r) => r.info.kind === 'trigger')
    .map((r) => r.node.id)
    .sort();
  if (triggers.length === 0)
    out.push(diagnostic('NO_TRIGGER', 'The workflow has no trigger: add one (for example a manual trigger) so it can start', {}));
  else {
    const reached = graph.reachableFrom(triggers);
    for (const r of nodes.resolved.values()) {
      if (!reached.has(r.node.id))
        out.push(
          diagnostic('ORPHAN_NODE', `Node ${nodeLabel(r.node)} is not connected to any trigger, so it would never run`, {
            nodeId: r.node.id,
            path: ['nodes', r.index],
          }),
        );
    }
  }

  for (const r of nodes.resolved.values()) {
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

  const references = checkReferences(nodes, graph, index, out);
  const unlisted = checkHosts(nodes, doc.data.settings?.allowedHosts, out);
  if (out.some((d) => d.severity === 'error')) return finish(out);
  const plan = buildPlan(
    { name: doc.data.name, settings: doc.data.settings, order, resolved: nodes.resolved, graph, triggers, references, unlisted },
    ctx,
  );
  checkLoopApprovals(plan, out);
  return out.some((d) => d.severity === 'error') ? finish(out) : finish(out, plan);
}

function finish(all: Diagnostic[], plan?: Plan): CompileResult {
  const errors = all.filter((d) => d.severity === 'error');
  const warnings = all.filter((d) => d.severity === 'warning');
  return { ok: errors.length === 0 && plan !== undefined, errors, warnings, ...(plan ? { plan } : {}) };
}
