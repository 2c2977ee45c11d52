// Pass 4: expressions. Every {{ }} in every config string must parse, name nodes that exist, and read only
// nodes that run before this one (an ancestor), since anything else may not have produced data yet.
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import type jsonata from 'jsonata';
import { parseTemplateCached, referencedNodes, templateStringsIn, TemplateError, type Segment } from '../expressions.js';
import type { Graph } from '../graph.js';
import { nodeLabel, type NodesPass } from './nodes.js';

/** A config string with templates, parsed: the data-flow pass reads the same parse. */
export interface ConfigTemplate {
  path: (string | number)[];
  text: string;
  segments: Segment[];
}

// Parsed expressions are cached and shared (parseTemplateCached): what one reads is worked out once per expression.
const readByExpression = new WeakMap<jsonata.Expression, readonly string[]>();
function nodesRead(expression: jsonata.Expression): readonly string[] {
  let read = readByExpression.get(expression);
  if (!read) readByExpression.set(expression, (read = referencedNodes(expression)));
  return read;
}

export interface ReferencesPass {
  /** Per node, the sorted ids its expressions read (only existing nodes). */
  references: Map<string, string[]>;
  /** Per node, its config strings that hold templates and parse. */
  templates: Map<string, ConfigTemplate[]>;
}

/**
 * `reachable` (optional) answers whether a reference would be upstream through the edges and nodes other checks
 * refused: such a NOT_UPSTREAM only follows from that error, and is left to it.
 */
export function checkReferences(
  nodes: NodesPass,
  graph: Graph,
  /** Each node's place in the topological order, by graph node number (Graph.topologicalOrder). */
  position: Int32Array,
  out: Diagnostic[],
  upstreamDespiteErrors?: (node: string, ref: string) => boolean,
): ReferencesPass {
  const result = new Map<string, string[]>();
  const templates = new Map<string, ConfigTemplate[]>();
  for (const r of nodes.resolved.values()) {
    const id = r.node.id;
    const strings = templateStringsIn(r.node.config);
    if (strings.length === 0) continue;
    const refs = new Set<string>();
    const parsed: ConfigTemplate[] = [];
    for (const { text, path } of strings) {
      try {
        const segments = parseTemplateCached(text);
        for (const segment of segments) if (segment.kind === 'expression') for (const ref of nodesRead(segment.expression)) refs.add(ref);
        parsed.push({ path, text, segments });
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
    if (parsed.length > 0) templates.set(id, parsed);
    if (refs.size === 0) continue;
    const sorted = [...refs].sort();
    // The nodes it reads that exist (but itself): checked against the graph, and what the plan records.
    const existing = sorted.filter((ref) => nodes.ids.has(ref) && ref !== id);
    const ancestors = existing.length > 0 ? graph.ancestorsAmong(id, new Set(existing), position) : undefined;
    for (const ref of sorted) {
      const at = () => ({ nodeId: id, path: ['nodes', r.index, 'config'], details: { reference: ref } });
      if (!nodes.ids.has(ref))
        out.push(diagnostic('UNKNOWN_REFERENCE', `Node ${nodeLabel(r.node)} reads $node.${ref}, but there is no node "${ref}"`, at()));
      else if (!ancestors?.has(ref) && !upstreamDespiteErrors?.(id, ref))
        out.push(
          diagnostic(
            'NOT_UPSTREAM',
            `Node ${nodeLabel(r.node)} reads $node.${ref}, which does not run before it, so its data may not exist yet`,
            at(),
          ),
        );
    }
    result.set(id, existing);
  }
  return { references: result, templates };
}
