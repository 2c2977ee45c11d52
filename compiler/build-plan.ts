// The plan: nodes in topological order with resolved inputs, outputs and settings. Everything in it is ordered by
// ids and by code, never by document order, so the same workflow always yields the same bytes and the same hash.
import type { CompileContext, RetrySettings } from './catalog.js';
import type { DocumentEdge } from './document.js';
import type { Adjacency, Graph } from './graph.js';
import { createHash } from 'node:crypto';
import { canonical } from './hash.js';
import type { ResolvedNode } from './passes/nodes.js';
import { byEdge, type CompactNode, type NodeSettings, type Plan } from './plan.js';

export const DEFAULTS = {
  // Keys in alphabetical order, as everywhere in the plan.
  retry: { backoffCoefficient: 2, initialIntervalMs: 1_000, maxAttempts: 3, maxIntervalMs: 30_000 } satisfies RetrySettings,
  nodeTimeoutMs: 60_000,
  runTimeoutMs: 300_000,
  sensitiveOperations: ['database_write', 'file_delete', 'credential_access', 'undeclared'],
};

type Endpoint = { edgeId: string; handle: string; nodeId: string };

/** The endpoints of node n's edges out of one handle, sorted by edge id. */
function endpoints(out: Adjacency, n: number, handle: string): Endpoint[] {
  const first = out.start[n] as number;
  const end = out.start[n + 1] as number;
  let count = 0;
  for (let k = first; k < end; k++) if ((out.edges[k] as DocumentEdge).sourceHandle === handle) count++;
  // Sized once: a list grown by push reserves room for 17, and most handles have one or two endpoints.
  const list = new Array<Endpoint>(count);
  let i = 0;
  for (let k = first; k < end; k++) {
    const e = out.edges[k] as DocumentEdge;
    if (e.sourceHandle === handle) list[i++] = { edgeId: e.id, handle: e.targetHandle, nodeId: e.target };
  }
  sortByEdge(list);
  return list;
}

/**
 * Sorts endpoints by edge id. A handle's edges are few, and Array.prototype.sort allocates its own state on every
 * call (at 10k nodes that was most of the plan's garbage): short lists are sorted in place by insertion instead.
 */
function sortByEdge(list: Endpoint[]): void {
  if (list.length > 16) {
    list.sort(byEdge);
    return;
  }
  for (let i = 1; i < list.length; i++) {
    const item = list[i] as Endpoint;
    let j = i - 1;
    for (; j >= 0 && byEdge(list[j] as Endpoint, item) > 0; j--) list[j + 1] = list[j] as Endpoint;
    list[j + 1] = item;
  }
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
  settings:
    | {
        timeoutMs?: number | undefined;
        variables?: Record<string, unknown> | undefined;
        maxNodeFailures?: number | undefined;
        expectedNodeDurationMs?: number | undefined;
        allowedHosts?: string[] | undefined;
      }
    | undefined;
  /** Graph node numbers in topological order. */
  order: readonly number[];
  /** The resolved nodes by graph node number. */
  nodes: readonly ResolvedNode[];
  graph: Graph;
  triggers: string[];
  references: Map<string, string[]>;
  /** Nodes that call hosts off the workflow's allowlist (passes/hosts.ts): they ask for approval first. */
  unlisted?: Set<string>;
}

/** The settings every node has unless it says otherwise; a node's compact form carries only its differences. */
function nodeDefaults(p: PlanInput): NodeSettings {
  const expectedMs = p.settings?.expectedNodeDurationMs;
  return {
    ...(expectedMs !== undefined ? { expectedMs } : {}),
    onError: 'stop',
    requiresApproval: false,
    retry: DEFAULTS.retry,
    timeoutMs: DEFAULTS.nodeTimeoutMs,
  };
}

const sameRetry = (a: RetrySettings, b: RetrySettings) =>
  a.maxAttempts === b.maxAttempts &&
  a.initialIntervalMs === b.initialIntervalMs &&
  a.backoffCoefficient === b.backoffCoefficient &&
  a.maxIntervalMs === b.maxIntervalMs;

function isEmpty(o: Record<string, unknown>): boolean {
  for (const _ in o) return false;
  return true;
}

function planNode(n: number, p: PlanInput, sensitive: Set<string>, defaults: NodeSettings): CompactNode {
  const r = p.nodes[n] as ResolvedNode;
  const id = r.node.id;
  const declared = r.info.operations(r.config);
  const operations = declared.length > 1 ? [...new Set(declared)].sort() : declared;
  const own = r.node.retry;
  const typeRetry = r.info.defaults?.retry;
  const retry =
    own || typeRetry
      ? {
          backoffCoefficient: own?.backoffCoefficient ?? typeRetry?.backoffCoefficient ?? DEFAULTS.retry.backoffCoefficient,
          initialIntervalMs: own?.initialIntervalMs ?? typeRetry?.initialIntervalMs ?? DEFAULTS.retry.initialIntervalMs,
          maxAttempts: own?.maxAttempts ?? typeRetry?.maxAttempts ?? DEFAULTS.retry.maxAttempts,
          maxIntervalMs: own?.maxIntervalMs ?? typeRetry?.maxIntervalMs ?? DEFAULTS.retry.maxIntervalMs,
        }
      : defaults.retry;
  const onError = r.node.onError ?? 'stop';
  const requiresApproval = r.node.approval ?? (operations.some((o) => sensitive.has(o)) || p.unlisted?.has(id) === true);
  const timeoutMs = r.node.timeoutMs ?? r.info.defaults?.timeoutMs ?? DEFAULTS.nodeTimeoutMs;
  const expectedMs = r.node.expectedDurationMs;
  // Only activity nodes have a choice; 'activity' is what an absent setting means, so only 'local' is written.
  const execution =
    r.info.kind === 'activity' ? (r.node.execution ?? r.info.execution?.(r.config, { timeoutMs }) ?? 'activity') : undefined;
  // Only what differs from the defaults. Assigned key by key in alphabetical order (no spreads: at 10k nodes the
  // temporary objects cost more than the rest of this function), so the plan serialises canonically as built.
  let settings: CompactNode['settings'];
  if (execution === 'local') (settings ??= {}).execution = execution;
  if (expectedMs !== undefined && expectedMs !== defaults.expectedMs) (settings ??= {}).expectedMs = expectedMs;
  if (onError !== defaults.onError) (settings ??= {}).onError = onError;
  if (requiresApproval !== defaults.requiresApproval) (settings ??= {}).requiresApproval = requiresApproval;
  if (retry !== defaults.retry && !sameRetry(retry, defaults.retry)) (settings ??= {}).retry = retry;
  if (timeoutMs !== defaults.timeoutMs) (settings ??= {}).timeoutMs = timeoutMs;

  const credentials = r.node.credentials;
  const references = p.references.get(id);
  const handles = r.outputs ?? [];
  const outputs: CompactNode['outputs'] = new Array(handles.length);
  for (let i = 0; i < handles.length; i++) outputs[i] = { handle: handles[i]!.name, to: endpoints(p.graph.out, n, handles[i]!.name) };
  const inputs: string[] = new Array(r.info.inputs.length);
  for (let i = 0; i < inputs.length; i++) inputs[i] = r.info.inputs[i]!.name;

  const node = {} as CompactNode;
  if (r.info.codeHash !== undefined) node.codeHash = r.info.codeHash;
  if (!isEmpty(r.config)) node.config = canonicalConfig(r.config);
  if (credentials && !isEmpty(credentials)) node.credentials = canonicalConfig(credentials);
  node.id = id;
  node.inputs = inputs;
  // Runs once every upstream node has settled and any incoming edge delivered, or, declared 'all', every one.
  node.join = r.info.join?.(r.config) ?? 'any';
  node.kind = r.info.kind;
  if (r.node.name !== undefined && r.node.name !== id) node.name = r.node.name;
  node.operations = operations;
  node.outputs = outputs;
  if (r.node.parent !== undefined) node.parent = r.node.parent;
  if (references && references.length > 0) node.references = references;
  if (settings) node.settings = settings;
  node.type = r.info.type;
  node.typeVersion = r.info.version;
  return node;
}

export function buildPlan(p: PlanInput, ctx: CompileContext): Plan {
  const sensitive = new Set(ctx.sensitiveOperations ?? DEFAULTS.sensitiveOperations);
  const defaults = nodeDefaults(p);
  const body = {
    name: p.name ?? 'Untitled workflow',
    nodeDefaults: defaults,
    nodes: p.order.map((n) => planNode(n, p, sensitive, defaults)),
    schemaVersion: 2 as const,
    settings: {
      // Recorded with the run: the policy its approvals were decided under. Sorted, so order never changes the hash.
      ...(p.settings?.allowedHosts ? { allowedHosts: [...new Set(p.settings.allowedHosts)].sort() } : {}),
      ...(p.settings?.maxNodeFailures !== undefined ? { maxNodeFailures: p.settings.maxNodeFailures } : {}),
      timeoutMs: p.settings?.timeoutMs ?? DEFAULTS.runTimeoutMs,
      variables: canonical(p.settings?.variables ?? {}),
    },
    triggers: p.triggers,
  };
  return withHash(body);
}

/** The hash is the SHA-256 of exactly the plan's JSON (without the hash): anyone holding a plan can check it. */
export function withHash(body: Omit<Plan, 'hash'>): Plan {
  return { hash: createHash('sha256').update(JSON.stringify(body)).digest('hex'), ...body };
}
