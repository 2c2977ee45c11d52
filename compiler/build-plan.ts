// The plan: nodes in topological order with resolved inputs, outputs and settings. Everything in it is ordered by
// ids and by code, never by document order, so the same workflow always yields the same bytes and the same hash.
import type { CompileContext, RetrySettings } from './catalog.js';
import type { DocumentEdge } from './document.js';
import type { Graph } from './graph.js';
import { createHash } from 'node:crypto';
import { canonical } from './hash.js';
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

/** The endpoints on one handle, sorted by edge id. Most nodes have one or two edges: no maps, no sort then. */
function endpoints(edges: DocumentEdge[], handle: string, incoming: boolean): Endpoint[] {
  const list: Endpoint[] = [];
  for (const e of edges) {
    if ((incoming ? e.targetHandle : e.sourceHandle) !== handle) continue;
    list.push(incoming ? { edgeId: e.id, handle: e.sourceHandle, nodeId: e.source } : { edgeId: e.id, handle: e.targetHandle, nodeId: e.target });
  }
  if (list.length > 1) list.sort(byEdge);
  return list;
}

/** Configs are usually flat with few keys: canonicalise only when a key is out of order or a value is nested. */
function canonicalConfig<T extends Record<string, unknown>>(config: T): T {
  let previous = '';
  for (const key in config) {
    const value = config[key];
    if (key < previous || (value !== null && typeof value === 'object')) return canonical(config);
    previous = key;
  }
  return config;
}

export interface PlanInput {
  name: string | undefined;
  settings: { timeoutMs?: number | undefined; variables?: Record<string, unknown> | undefined; maxNodeFailures?: number | undefined } | undefined;
  order: string[];
  resolved: Map<string, ResolvedNode>;
  graph: Graph;
  triggers: string[];
  references: Map<string, string[]>;
}

function planNode(id: string, p: PlanInput, sensitive: Set<string>): PlanNode {
  const r = p.resolved.get(id) as ResolvedNode;
  const incoming = p.graph.in.get(id) ?? [];
  const outgoing = p.graph.out.get(id) ?? [];
  const declared = r.info.operations(r.config);
  const operations = declared.length > 1 ? [...new Set(declared)].sort() : declared;
  const own = r.node.retry;
  const typeRetry = r.info.defaults?.retry;
  const retry = {
    backoffCoefficient: own?.backoffCoefficient ?? typeRetry?.backoffCoefficient ?? DEFAULTS.retry.backoffCoefficient,
    initialIntervalMs: own?.initialIntervalMs ?? typeRetry?.initialIntervalMs ?? DEFAULTS.retry.initialIntervalMs,
    maxAttempts: own?.maxAttempts ?? typeRetry?.maxAttempts ?? DEFAULTS.retry.maxAttempts,
    maxIntervalMs: own?.maxIntervalMs ?? typeRetry?.maxIntervalMs ?? DEFAULTS.retry.maxIntervalMs,
  };
  // Keys in alphabetical order at every level: the plan serialises canonically without a sorting pass.
  return {
    config: canonicalConfig(r.config),
    credentials: canonicalConfig(r.node.credentials ?? {}),
    id,
    inputs: r.info.inputs.map((h) => ({ from: endpoints(incoming, h.name, true), handle: h.name })),
    // Runs once every upstream node has settled and any incoming edge delivered (logic.merge may require all).
    join: 'any',
    kind: r.info.kind,
    name: r.node.name ?? id,
    operations,
    outputs: (r.outputs ?? []).map((h) => ({ handle: h.name, to: endpoints(outgoing, h.name, false) })),
    references: p.references.get(id) ?? [],
    settings: {
      onError: r.node.onError ?? 'stop',
      requiresApproval: r.node.approval ?? operations.some((o) => sensitive.has(o)),
      retry,
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
    settings: {
      ...(p.settings?.maxNodeFailures !== undefined ? { maxNodeFailures: p.settings.maxNodeFailures } : {}),
      timeoutMs: p.settings?.timeoutMs ?? DEFAULTS.runTimeoutMs,
      variables: canonical(p.settings?.variables ?? {}),
    },
    triggers: p.triggers,
  };
  // Hashed piece by piece: the same bytes as JSON.stringify(body), without building one multi-megabyte string.
  const hash = createHash('sha256');
  hash.update(`{"name":${JSON.stringify(body.name)},"nodes":[`);
  body.nodes.forEach((node, i) => hash.update(i === 0 ? JSON.stringify(node) : `,${JSON.stringify(node)}`));
  hash.update(`],"schemaVersion":1,"settings":${JSON.stringify(body.settings)},"triggers":${JSON.stringify(body.triggers)}}`);
  return { hash: hash.digest('hex'), ...body };
}
