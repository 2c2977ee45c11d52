// Pass 4: expressions. Every {{ }} in every config string must parse, name nodes that exist, and read only
// nodes that run before this one (an ancestor), since anything else may not have produced data yet.
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import { parseTemplateCached, referencedNodes, stringsIn, TemplateError } from '../expressions.js';
import type { Graph } from '../graph.js';
import { nodeLabel, type NodesPass } from './nodes.js';

/** Returns, per node, the sorted ids its expressions read (only existing nodes). */
export function checkReferences(nodes: NodesPass, graph: Graph, topoIndex: Map<string, number>, out: Diagnostic[]): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const [id, r] of nodes.resolved) {
    const refs = new Set<string>();
    for (const { text, path } of stringsIn(r.node.config)) {
      if (!text.includes('{{')) continue;
      try {
        for (const segment of parseTemplateCached(text))
          if (segment.kind === 'expression') for (const ref of referencedNodes(segment.expression)) refs.add(ref);
      } catch (err) {
        const why = err instanceof TemplateError ? err.message : 'the expression does not parse';
        out.push(
          diagnostic('BAD_EXPRESSION', `Node ${nodeLabel(r.node)}, "${path.join('.')}": ${why}`, {
            nodeId: id,
            path: ['nodes', r.index, 'config', ...path],
          }),
        );
      }
    }
    if (refs.size === 0) continue;
    const existing = new Set([...refs].filter((ref) => nodes.ids.has(ref) && ref !== id));
    const ancestors = existing.size > 0 ? graph.ancestorsAmong(id, existing, topoIndex) : new Set<string>();
    for (const ref of [...refs].sort()) {
      const at = { nodeId: id, path: ['nodes', r.index, 'config'], details: { reference: ref } };
      if (!nodes.ids.has(ref))
        out.push(diagnostic('UNKNOWN_REFERENCE', `Node ${nodeLabel(r.node)} reads $node.${ref}, but there is no node "${ref}"`, at));
      else if (!ancestors.has(ref))
        out.push(
          diagnostic(
            'NOT_UPSTREAM',
            `Node ${nodeLabel(r.node)} reads $node.${ref}, which does not run before it, so its data may not exist yet`,
            at,
          ),
        );
    }
    result.set(id, [...existing].sort());
  }
  return result;
}
