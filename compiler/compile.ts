// Entry point: document (parsed JSON, unknown) + context -> every diagnostic, and the plan when there are no errors.
import type { CompileContext, NodeTypeInfo, RetrySettings } from './catalog.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { DocumentEdgeSchema, DocumentNodeSchema, WorkflowDocumentSchema, type DocumentEdge, type DocumentNode } from './document.js';
import { parseTemplate, referencedNodes, stringsIn, TemplateError } from './expressions.js';
import { canonicalJson, sha256 } from './hash.js';
import type { Plan, PlanNode } from './plan.js';

export interface CompileResult {
  ok: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  plan?: Plan;
}

const DEFAULT_RETRY: RetrySettings = { maxAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2, maxIntervalMs: 30_000 };
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_RUN_TIMEOUT_MS = 300_000;
const DEFAULT_SENSITIVE = ['database_write', 'file_delete', 'credential_access'];

interface Resolved {
  node: DocumentNode;
  index: number;
  info: NodeTypeInfo;
  config: Record<string, unknown>;
}

const label = (n: DocumentNode) => (n.name && n.name !== n.id ? `"${n.name}" (${n.id})` : `"${n.id}"`);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function compile(input: unknown, ctx: CompileContext): CompileResult {
  const out: Diagnostic[] = [];
  const doc = WorkflowDocumentSchema.safeParse(input);
  if (!doc.success) {
    for (const issue of doc.error.issues) out.push(diagnostic('SCHEMA_INVALID', `Document: ${issue.message}`, { path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) }));
    return finish(out);
  }

  // Nodes: shape, unique ids, known types, valid config.
  const nodes = new Map<string, Resolved>();
  const typed: DocumentNode[] = [];
  doc.data.nodes.forEach((raw, index) => {
    const parsed = DocumentNodeSchema.safeParse(raw);
    if (!parsed.success) {
      const id = raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
      for (const issue of parsed.error.issues) out.push(diagnostic('SCHEMA_INVALID', `Node ${id ?? `#${index}`}: ${issue.message}`, { ...(id ? { nodeId: id } : {}), path: ['nodes', index, ...issue.path.map(String)] }));
      return;
    }
    const node = parsed.data;
    if (nodes.has(node.id) || typed.some((n) => n.id === node.id)) {
      out.push(diagnostic('DUPLICATE_ID', `Two nodes have the id "${node.id}"`, { nodeId: node.id, path: ['nodes', index, 'id'] }));
      return;
    }
    typed.push(node);
    const info = ctx.catalog.get(node.type, node.version);
    if (!info) {
      const what = ctx.catalog.has(node.type) ? `version ${node.version} of node type "${node.type}"` : `node type "${node.type}"`;
      out.push(diagnostic('UNKNOWN_NODE_TYPE', `Node ${label(node)} uses an unknown ${what}`, { nodeId: node.id, path: ['nodes', index, 'type'] }));
      return;
    }
    const config = info.configSchema.safeParse(node.config);
    if (!config.success) {
      for (const issue of config.error.issues) {
        const missing = issue.code === 'invalid_type' && issue.message.includes('received undefined');
        out.push(diagnostic(missing ? 'MISSING_REQUIRED_FIELD' : 'INVALID_FIELD_VALUE', `Node ${label(node)}: ${issue.path.join('.') || 'config'}: ${issue.message}`, { nodeId: node.id, path: ['nodes', index, 'config', ...issue.path.map(String)] }));
      }
    }
    nodes.set(node.id, { node, index, info, config: config.success ? (config.data as Record<string, unknown>) : node.config });
  });

  // Edges: shape, unique ids, endpoints and handles that exist, compatible data types.
  const edges: DocumentEdge[] = [];
  const edgeIds = new Set<string>();
  doc.data.edges.forEach((raw, index) => {
    const parsed = DocumentEdgeSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) out.push(diagnostic('SCHEMA_INVALID', `Edge #${index}: ${issue.message}`, { path: ['edges', index, ...issue.path.map(String)] }));
      return;
    }
    const edge = parsed.data;
    if (edgeIds.has(edge.id)) {
      out.push(diagnostic('DUPLICATE_ID', `Two edges have the id "${edge.id}"`, { edgeId: edge.id, path: ['edges', index, 'id'] }));
      return;
    }
    edgeIds.add(edge.id);
    const source = nodes.get(edge.source);
    const target = nodes.get(edge.target);
    let ok = true;
    for (const [end, id] of [['source', edge.source], ['target', edge.target]] as const) {
      if (!typed.some((n) => n.id === id)) {
        out.push(diagnostic('DANGLING_EDGE', `Edge ${edge.id} connects to node "${id}", which does not exist`, { edgeId: edge.id, path: ['edges', index, end] }));
        ok = false;
      }
    }
    if (!ok || !source || !target) return;
    const out_ = outputsOf(source).find((h) => h.name === edge.sourceHandle);
    const in_ = target.info.inputs.find((h) => h.name === edge.targetHandle);
    if (!out_) out.push(diagnostic('UNKNOWN_HANDLE', `Node ${label(source.node)} has no output "${edge.sourceHandle}"`, { edgeId: edge.id, nodeId: source.node.id, path: ['edges', index, 'sourceHandle'] }));
    if (!in_) {
      const code = target.info.kind === 'trigger' ? 'TRIGGER_HAS_INPUT' : 'UNKNOWN_HANDLE';
      out.push(diagnostic(code, code === 'TRIGGER_HAS_INPUT' ? `Trigger ${label(target.node)} cannot have incoming edges` : `Node ${label(target.node)} has no input "${edge.targetHandle}"`, { edgeId: edge.id, nodeId: target.node.id, path: ['edges', index, 'targetHandle'] }));
    }
    if (out_ && in_ && out_.dataType !== 'any' && in_.dataType !== 'any' && out_.dataType !== in_.dataType) {
      out.push(diagnostic('TYPE_MISMATCH', `Edge ${edge.id} sends ${out_.dataType} from ${label(source.node)} into a ${in_.dataType} input of ${label(target.node)}`, { edgeId: edge.id, path: ['edges', index] }));
    }
    if (out_ && in_) edges.push(edge);
  });

  const references = checkExpressions(nodes, edges, out);
  const order = topologicalOrder([...nodes.keys()], edges, out);
  const triggers = [...nodes.values()].filter((r) => r.info.kind === 'trigger').map((r) => r.node.id).sort(cmp);
  if (triggers.length === 0) out.push(diagnostic('NO_TRIGGER', 'The workflow has no trigger: add one so it can start', {}));
  else reportOrphans(triggers, nodes, edges, out);

  const errors = out.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !order) return finish(out);
  return finish(out, buildPlan(doc.data, order, nodes, edges, triggers, references, ctx));
}

function outputsOf(r: Resolved) {
  const handles = [...r.info.outputs(r.config)];
  if (r.node.onError === 'route') handles.push({ name: 'error', dataType: 'json' });
  return handles;
}

/** Kahn's algorithm with a sorted ready list, so the order never depends on document order. */
/**
 * Parses every template in every config; reports BAD_EXPRESSION, UNKNOWN_REFERENCE and NOT_UPSTREAM.
 * Ancestor sets are computed only for nodes whose expressions reference other nodes.
 */
function checkExpressions(nodes: Map<string, Resolved>, edges: DocumentEdge[], out: Diagnostic[]): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const e of edges) parents.set(e.target, [...(parents.get(e.target) ?? []), e.source]);
  const ancestorsOf = (id: string) => {
    const seen = new Set<string>();
    const stack = [...(parents.get(id) ?? [])];
    while (stack.length > 0) {
      const p = stack.pop() as string;
      if (seen.has(p)) continue;
      seen.add(p);
      stack.push(...(parents.get(p) ?? []));
    }
    return seen;
  };
  const result = new Map<string, string[]>();
  for (const [id, r] of nodes) {
    const refs = new Set<string>();
    for (const { text, path } of stringsIn(r.node.config)) {
      if (!text.includes('{{')) continue;
      const where = { nodeId: id, path: ['nodes', r.index, 'config', ...path] };
      try {
        for (const seg of parseTemplate(text)) if (seg.kind === 'expression') for (const ref of referencedNodes(seg.expression)) refs.add(ref);
      } catch (err) {
        out.push(diagnostic('BAD_EXPRESSION', `Node ${label(r.node)}: ${err instanceof TemplateError ? err.message : 'expression does not parse'} in ${path.join('.')}`, where));
      }
    }
    if (refs.size === 0) continue;
    const ancestors = ancestorsOf(id);
    for (const ref of [...refs].sort(cmp)) {
      const where = { nodeId: id, path: ['nodes', r.index, 'config'], details: { reference: ref } };
      if (!nodes.has(ref)) out.push(diagnostic('UNKNOWN_REFERENCE', `Node ${label(r.node)} reads $node.${ref}, but there is no node "${ref}"`, where));
      else if (!ancestors.has(ref)) out.push(diagnostic('NOT_UPSTREAM', `Node ${label(r.node)} reads $node.${ref}, which does not run before it, so its data may not exist yet`, where));
    }
    result.set(id, [...refs].filter((ref) => nodes.has(ref)).sort(cmp));
  }
  return result;
}

function topologicalOrder(ids: string[], edges: DocumentEdge[], out: Diagnostic[]): string[] | undefined {
  const indegree = new Map(ids.map((id) => [id, 0]));
  const next = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) {
    indegree.set(e.target, (indegree.get(e.target) ?? 0) + 1);
    next.get(e.source)?.push(e.target);
  }
  const ready = ids.filter((id) => indegree.get(id) === 0).sort(cmp);
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift() as string;
    order.push(id);
    for (const t of next.get(id) ?? []) {
      const d = (indegree.get(t) ?? 0) - 1;
      indegree.set(t, d);
      if (d === 0) {
        const at = ready.findIndex((r) => r > t);
        ready.splice(at === -1 ? ready.length : at, 0, t);
      }
    }
  }
  if (order.length === ids.length) return order;
  const stuck = ids.filter((id) => (indegree.get(id) ?? 0) > 0).sort(cmp);
  out.push(diagnostic('CYCLE', `These nodes form a cycle: ${stuck.join(' -> ')}`, { nodeId: stuck[0] as string, details: { cycle: stuck } }));
  return undefined;
}

function reportOrphans(triggers: string[], nodes: Map<string, Resolved>, edges: DocumentEdge[], out: Diagnostic[]) {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const seen = new Set(triggers);
  const stack = [...triggers];
  while (stack.length > 0) {
    for (const t of next.get(stack.pop() as string) ?? []) {
      if (seen.has(t)) continue;
      seen.add(t);
      stack.push(t);
    }
  }
  for (const [id, r] of nodes) if (!seen.has(id)) out.push(diagnostic('ORPHAN_NODE', `Node ${label(r.node)} is not reachable from any trigger`, { nodeId: id, path: ['nodes', r.index] }));
}

function buildPlan(doc: { name?: string | undefined; settings?: { timeoutMs?: number | undefined; variables?: Record<string, unknown> | undefined } | undefined }, order: string[], nodes: Map<string, Resolved>, edges: DocumentEdge[], triggers: string[], references: Map<string, string[]>, ctx: CompileContext): Plan {
  const sensitive = new Set(ctx.sensitiveOperations ?? DEFAULT_SENSITIVE);
  const planNodes: PlanNode[] = order.map((id) => {
    const r = nodes.get(id) as Resolved;
    const ops = [...r.info.operations(r.config)].sort(cmp);
    const endpoint = (e: DocumentEdge, side: 'source' | 'target') => ({ nodeId: side === 'source' ? e.source : e.target, handle: side === 'source' ? e.sourceHandle : e.targetHandle, edgeId: e.id });
    const byEdge = (a: { edgeId: string }, b: { edgeId: string }) => cmp(a.edgeId, b.edgeId);
    return {
      id,
      type: r.info.type,
      typeVersion: r.info.version,
      name: r.node.name ?? id,
      kind: r.info.kind,
      config: r.config,
      credentials: r.node.credentials ?? {},
      inputs: r.info.inputs.map((h) => ({ handle: h.name, from: edges.filter((e) => e.target === id && e.targetHandle === h.name).map((e) => endpoint(e, 'source')).sort(byEdge) })),
      outputs: outputsOf(r).map((h) => ({ handle: h.name, to: edges.filter((e) => e.source === id && e.sourceHandle === h.name).map((e) => endpoint(e, 'target')).sort(byEdge) })),
      join: 'any',
      references: references.get(id) ?? [],
      operations: ops,
      settings: {
        timeoutMs: r.node.timeoutMs ?? r.info.defaults?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        retry: { ...DEFAULT_RETRY, ...r.info.defaults?.retry, ...r.node.retry },
        onError: r.node.onError ?? 'stop',
        requiresApproval: r.node.approval ?? ops.some((o) => sensitive.has(o)),
      },
    };
  });
  const body = {
    schemaVersion: 1 as const,
    name: doc.name ?? 'Untitled workflow',
    settings: { timeoutMs: doc.settings?.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS, variables: doc.settings?.variables ?? {} },
    triggers,
    nodes: planNodes,
  };
  return { ...body, hash: sha256(canonicalJson(body)) };
}

function finish(all: Diagnostic[], plan?: Plan): CompileResult {
  const errors = all.filter((d) => d.severity === 'error');
  const warnings = all.filter((d) => d.severity === 'warning');
  return { ok: errors.length === 0 && plan !== undefined, errors, warnings, ...(plan && errors.length === 0 ? { plan } : {}) };
}
