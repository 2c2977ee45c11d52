// The plan: nodes in topological order with resolved inputs, outputs and settings. Everything in it is ordered by
// ids and by code, never by document order, so the same workflow always yields the same bytes and the same hash.
import type { CompileContext, RetrySettings } from './catalog.js';
import type { DocumentEdge } from './document.js';
import type { Graph } from './graph.js';
import { canonical, sha256 } from './hash.js';
import type { ResolvedNode } from './passes/nodes.js';
import type { Plan, PlanNode } from './plan.js';

export const DEFAULTS = {
  retry: { maxAttempts: 3, initialIntervalMs: 1_000, backoffCoefficient: 2, maxIntervalMs: 30_000 } satisfies RetrySettings,
  nodeTimeoutMs: 60_000,
  runTimeoutMs: 300_000,
  sensitiveOperations: ['database_write', 'file_delete', 'credential_access'],
};

type Endpoint = { edgeId: string; handle: string; nodeId: string };
const byEdge = (a: Endpoint, b: Endpoint) => (a.edgeId < b.edgeId ? -1 : a.edgeId > b.edgeId ? 1 : 0);

function group(edges: DocumentEdge[], handleOf: (e: DocumentEdge) => string, endpoint: (e: DocumentEdge) => Endpoint): Map<string, Endpoint[]> {
  const byHandle = new Map<string, Endpoint[]>();
  for (const e of edges) {
    const list = byHandle.get(handleOf(e));
    if (list) list.push(endpoint(e));
    else byHandle.set(handleOf(e), [endpoint(e)]);
  }
  for (const list of byHandle.values()) list.sort(byEdge);
  return byHandle;
}

export interface PlanInput {
  name: string | undefined;
  settings: { timeoutMs?: number | undefined; variables?: Record<string, unknown> | undefined } | undefined;
  order: string[];
  resolved: Map<string, ResolvedNode>;
  graph: Graph;
  triggers: string[];
  references: Map<string, string[]>;
}

function planNode(id: string, p: PlanInput, sensitive: Set<string>): PlanNode {
  const r = p.resolved.get(id) as ResolvedNode;
  const from = group(p.graph.in.get(id) ?? [], (e) => e.targetHandle, (e) => ({ edgeId: e.id, handle: e.sourceHandle, nodeId: e.source }));
  const to = group(p.graph.out.get(id) ?? [], (e) => e.sourceHandle, (e) => ({ edgeId: e.id, handle: e.targetHandle, nodeId: e.target }));
  const operations = [...new Set(r.info.operations(r.config))].sort();
  const retry = { ...DEFAULTS.retry, ...r.info.defaults?.retry, ...Object.fromEntries(Object.entries(r.node.retry ?? {}).filter(([, v]) => v !== undefined)) };
  // Keys in alphabetical order at every level: the plan serialises canonically without a sorting pass.
  return {
    config: canonical(r.config),
    credentials: canonical(r.node.credentials ?? {}),
    id,
    inputs: r.info.inputs.map((h) => ({ from: from.get(h.name) ?? [], handle: h.name })),
    // Runs once every upstream node has settled and any incoming edge delivered (logic.merge may require all).
    join: 'any',
    kind: r.info.kind,
    name: r.node.name ?? id,
    operations,
    outputs: (r.outputs ?? []).map((h) => ({ handle: h.name, to: to.get(h.name) ?? [] })),
    references: p.references.get(id) ?? [],
    settings: {
      onError: r.node.onError ?? 'stop',
      requiresApproval: r.node.approval ?? operations.some((o) => sensitive.has(o)),
      retry: { backoffCoefficient: retry.backoffCoefficient, initialIntervalMs: retry.initialIntervalMs, maxAttempts: retry.maxAttempts, maxIntervalMs: retry.maxIntervalMs },
      timeoutMs: r.node.timeoutMs ?? r.info.defaults?.timeoutMs ?? DEFAULTS.nodeTimeoutMs,
    },
    type: r.info.type,
    typeVersion: r.info.version,
  };
}

export function buildPlan(p: PlanInput, ctx: CompileContext): Plan {
  const sensitive = new Set(ctx.sensitiveOperations ?? DEFAULTS.sensitiveOperations);
  const body = {
    name: p.name ?? 'Untitled workflow',
    nodes: p.order.map((id) => planNode(id, p, sensitive)),
    schemaVersion: 1 as const,
    settings: { timeoutMs: p.settings?.timeoutMs ?? DEFAULTS.runTimeoutMs, variables: canonical(p.settings?.variables ?? {}) },
    triggers: p.triggers,
  };
  return { hash: sha256(JSON.stringify(body)), ...body };
}
