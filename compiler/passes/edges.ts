// Pass 2: every edge's shape, id, endpoints, handles and data types. Only edges that pass join the graph.
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import { DocumentEdgeSchema, type DocumentEdge } from '../document.js';
import type { HandleSpec } from '../catalog.js';
import { nodeLabel, type NodesPass, type ResolvedNode } from './nodes.js';
import { reportShapeIssues } from './schema-issues.js';

function compatible(from: string, to: string): boolean {
  return from === 'any' || to === 'any' || from === to;
}

const EDGE_KEYS = new Set(['id', 'source', 'sourceHandle', 'target', 'targetHandle']);
const idOk = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;
const handleOk = (v: unknown) => v === undefined || (typeof v === 'string' && v.length > 0);

/** The common case without zod's cost (20,000 edges is a normal large workflow); anything unusual goes to zod for its messages. */
function fastEdge(value: unknown): DocumentEdge | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const e = value as Record<string, unknown>;
  for (const key in e) if (!EDGE_KEYS.has(key)) return undefined;
  if (!idOk(e.id) || !idOk(e.source) || !idOk(e.target) || !handleOk(e.sourceHandle) || !handleOk(e.targetHandle)) return undefined;
  return {
    id: e.id,
    source: e.source,
    target: e.target,
    sourceHandle: (e.sourceHandle as string | undefined) ?? 'out',
    targetHandle: (e.targetHandle as string | undefined) ?? 'in',
  };
}

export interface EdgesPass {
  /** Edges that passed: the graph's. */
  valid: DocumentEdge[];
  /**
   * Edges between nodes that exist, refused for their handles or for an endpoint's own error. Whatever follows only
   * from losing them (a node they would reach, an output they would use) is that error's consequence, not its own.
   */
  refused: DocumentEdge[];
}

/** An edge the fast path did not take, through zod: its issues reported, or the edge with its defaults. */
function parseEdge(value: unknown, index: number, out: Diagnostic[]): DocumentEdge | undefined {
  const parsed = DocumentEdgeSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  reportShapeIssues('edge', index, value, parsed.error.issues, out);
  return undefined;
}

/** The handle of that name; a loop rather than `find`, since this runs for every edge. */
function handleNamed(handles: readonly HandleSpec[], name: string): HandleSpec | undefined {
  for (const h of handles) if (h.name === name) return h;
  return undefined;
}

export function resolveEdges(raw: unknown[], nodes: NodesPass, out: Diagnostic[]): EdgesPass {
  const seen = new Set<string>();
  const valid: DocumentEdge[] = [];
  const refused: DocumentEdge[] = [];
  raw.forEach((value, index) => {
    const edge = fastEdge(value) ?? parseEdge(value, index, out);
    if (!edge) return;
    // One operation for the check and the insertion: the set grows only for a new id.
    const known = seen.size;
    seen.add(edge.id);
    if (seen.size === known) {
      out.push(diagnostic('DUPLICATE_ID', `Two edges have the id "${edge.id}"`, { edgeId: edge.id, path: ['edges', index, 'id'] }));
      return;
    }
    const source = nodes.resolved.get(edge.source);
    const target = nodes.resolved.get(edge.target);
    // A node that is not resolved may still exist (with its own error): only an id no node has is dangling.
    const danglingSource = !source && !nodes.ids.has(edge.source);
    const danglingTarget = !target && !nodes.ids.has(edge.target);
    if (danglingSource) reportDangling(edge, index, 'source', out);
    if (danglingTarget) reportDangling(edge, index, 'target', out);
    // An endpoint with its own error (unknown type, bad shape) has no handles to check against.
    if (danglingSource || danglingTarget) return;
    if (!source || !target) return void refused.push(edge);
    // Unknown outputs (the source's config is invalid, already reported): trust the edge's handle.
    const output = source.outputs ? handleNamed(source.outputs, edge.sourceHandle) : { name: edge.sourceHandle, dataType: 'any' as const };
    const input = handleNamed(target.info.inputs, edge.targetHandle);
    if (!output && source.outputs) {
      const names = source.outputs.map((h) => `"${h.name}"`).join(', ') || 'none';
      out.push(
        diagnostic('UNKNOWN_HANDLE', `Node ${nodeLabel(source.node)} has no output "${edge.sourceHandle}" (it has ${names})`, {
          edgeId: edge.id,
          nodeId: edge.source,
          path: ['edges', index, 'sourceHandle'],
        }),
      );
    }
    if (!input) reportMissingInput(edge, index, target, out);
    if (output && input && !compatible(output.dataType, input.dataType)) {
      out.push(
        diagnostic(
          'TYPE_MISMATCH',
          `Edge ${edge.id} sends ${output.dataType} from ${nodeLabel(source.node)} into the ${input.dataType} input of ${nodeLabel(target.node)}`,
          { edgeId: edge.id, path: ['edges', index] },
        ),
      );
    }
    if (output && input) valid.push(edge);
    else refused.push(edge);
  });
  return { valid, refused };
}

function reportDangling(edge: DocumentEdge, index: number, end: 'source' | 'target', out: Diagnostic[]): void {
  out.push(
    diagnostic('DANGLING_EDGE', `Edge ${edge.id} connects to node "${edge[end]}", which does not exist`, {
      edgeId: edge.id,
      path: ['edges', index, end],
    }),
  );
}

function reportMissingInput(edge: DocumentEdge, index: number, target: ResolvedNode, out: Diagnostic[]): void {
  if (target.info.kind === 'trigger') {
    out.push(
      diagnostic('TRIGGER_HAS_INPUT', `Trigger ${nodeLabel(target.node)} starts the workflow and cannot have incoming edges`, {
        edgeId: edge.id,
        nodeId: edge.target,
        path: ['edges', index, 'target'],
      }),
    );
    return;
  }
  const names = target.info.inputs.map((h) => `"${h.name}"`).join(', ') || 'none';
  out.push(
    diagnostic('UNKNOWN_HANDLE', `Node ${nodeLabel(target.node)} has no input "${edge.targetHandle}" (it has ${names})`, {
      edgeId: edge.id,
      nodeId: edge.target,
      path: ['edges', index, 'targetHandle'],
    }),
  );
}

/** An output that goes nowhere on a node with several (IF's false branch, an unhandled error route) is probably a mistake. */
export function reportUnusedOutputs(nodes: NodesPass, edges: DocumentEdge[], out: Diagnostic[]): void {
  const several = (r: ResolvedNode) => r.outputs !== undefined && r.outputs.length > 1;
  // Most nodes have one output: only the edges of those with several are collected, and none when there are none.
  const checked = new Set<string>();
  for (const r of nodes.resolved.values()) if (several(r)) checked.add(r.node.id);
  if (checked.size === 0) return;
  const used = new Set<string>();
  for (const e of edges) if (checked.has(e.source)) used.add(`${e.source}\u0000${e.sourceHandle}`);
  for (const r of nodes.resolved.values()) {
    if (!r.outputs || !several(r)) continue;
    for (const h of r.outputs) {
      if (used.has(`${r.node.id}\u0000${h.name}`)) continue;
      out.push(
        diagnostic('UNUSED_OUTPUT', `Output "${h.name}" of ${nodeLabel(r.node)} is not connected: what arrives there is dropped`, {
          nodeId: r.node.id,
          path: ['nodes', r.index],
        }),
      );
    }
  }
}
