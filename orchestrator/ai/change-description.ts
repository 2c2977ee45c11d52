// What an edit did, in sentences a person reads before applying it, computed from the two documents (not from the
// operations, which a model wrote and which may say more or less than what changed). Positions are ignored: Loom lays
// nodes out itself. Order: removed nodes, added nodes, changes to kept nodes (in the new document's order), removed
// connections, added connections, workflow settings.
import type { DocumentEdge, DocumentNode, WorkflowDocument } from '../../compiler/document.js';
import { formatConfigPath, isPlainObject } from './config-path.js';

/** Sentences past this many for one node are summed up in one, so a rewritten list does not flood the diff. */
const MAX_SENTENCES_PER_NODE = 10;
const MAX_VALUE_CHARS = 60;
const IGNORED_FIELDS: ReadonlySet<string> = new Set(['id', 'name', 'type', 'config', 'position']);

const label = (node: Pick<DocumentNode, 'id' | 'name'>) => `'${node.name ?? node.id}'`;
const edgeKey = (e: DocumentEdge) => JSON.stringify([e.source, e.sourceHandle ?? 'out', e.target, e.targetHandle ?? 'in']);

export function describeChanges(before: WorkflowDocument, after: WorkflowDocument): string[] {
  const oldNodes = byId(before.nodes);
  const newNodes = byId(after.nodes);
  const out: string[] = [];

  for (const node of oldNodes.values()) if (!newNodes.has(node.id)) out.push(`removes node ${label(node)}`);

  const newEdgeKeys = new Set(after.edges.map(edgeKey));
  const oldEdgeKeys = new Set(before.edges.map(edgeKey));
  const labelIn = (nodes: Map<string, DocumentNode>, id: string) => {
    const node = nodes.get(id);
    return node ? label(node) : `'${id}'`;
  };
  const from = (e: DocumentEdge, nodes: Map<string, DocumentNode>) =>
    `${labelIn(nodes, e.source)}${(e.sourceHandle ?? 'out') === 'out' ? '' : ` (${e.sourceHandle})`}`;
  const to = (e: DocumentEdge, nodes: Map<string, DocumentNode>) =>
    `${labelIn(nodes, e.target)}${(e.targetHandle ?? 'in') === 'in' ? '' : ` (${e.targetHandle})`}`;

  for (const node of newNodes.values()) {
    if (oldNodes.has(node.id)) continue;
    const incoming = after.edges.filter((e) => e.target === node.id && !oldEdgeKeys.has(edgeKey(e)));
    out.push(`adds node ${label(node)}${incoming.length ? ` after ${incoming.map((e) => from(e, newNodes)).join(' and ')}` : ''}`);
  }

  for (const node of newNodes.values()) {
    const old = oldNodes.get(node.id);
    if (old) out.push(...describeNodeChanges(old, node));
  }

  for (const e of before.edges) {
    if (newEdgeKeys.has(edgeKey(e)) || !newNodes.has(e.source) || !newNodes.has(e.target)) continue;
    out.push(`disconnects ${from(e, newNodes)} from ${to(e, newNodes)}`);
  }
  for (const e of after.edges) {
    // A new node's incoming connections were told with the node ("adds node 'X' after 'Y'").
    if (oldEdgeKeys.has(edgeKey(e)) || !oldNodes.has(e.target)) continue;
    out.push(`connects ${from(e, newNodes)} to ${to(e, newNodes)}`);
  }

  if (before.name !== after.name) out.push(`renames the workflow from '${before.name ?? ''}' to '${after.name ?? ''}'`);
  const settings: string[] = [];
  diffValues(before.settings ?? {}, after.settings ?? {}, [], settings, (path) => `settings.${formatConfigPath(path)}`);
  out.push(...settings);
  return out;
}

function byId(nodes: readonly DocumentNode[]): Map<string, DocumentNode> {
  const map = new Map<string, DocumentNode>();
  for (const node of nodes) if (!map.has(node.id)) map.set(node.id, node);
  return map;
}

function describeNodeChanges(old: DocumentNode, node: DocumentNode): string[] {
  const out: string[] = [];
  if (old.name !== node.name) out.push(`renames ${label(old)} to ${label(node)}`);
  if (old.type !== node.type) out.push(`changes the type of ${label(node)} from ${old.type} to ${node.type}`);
  diffValues(old.config ?? {}, node.config ?? {}, [], out, (path) => `${label(node)}.${formatConfigPath(path)}`);
  const fields = [...new Set([...Object.keys(old), ...Object.keys(node)])].filter((f) => !IGNORED_FIELDS.has(f));
  for (const field of fields) {
    const was = (old as Record<string, unknown>)[field];
    const now = (node as Record<string, unknown>)[field];
    if (sameValue(was, now)) continue;
    if (now === undefined) out.push(`unsets the ${field} of ${label(node)}`);
    else if (was === undefined) out.push(`sets the ${field} of ${label(node)} to ${show(now)}`);
    else out.push(`changes the ${field} of ${label(node)} from ${show(was)} to ${show(now)}`);
  }
  if (out.length <= MAX_SENTENCES_PER_NODE) return out;
  return [
    ...out.slice(0, MAX_SENTENCES_PER_NODE - 1),
    `and makes ${out.length - MAX_SENTENCES_PER_NODE + 1} more changes to ${label(node)}`,
  ];
}

/** One sentence per leaf that differs; objects and lists are compared member by member. */
function diffValues(
  was: unknown,
  now: unknown,
  path: (string | number)[],
  out: string[],
  where: (path: (string | number)[]) => string,
): void {
  if (sameValue(was, now)) return;
  if (isPlainObject(was) && isPlainObject(now)) {
    for (const key of [...new Set([...Object.keys(was), ...Object.keys(now)])]) {
      diffValues(
        Object.hasOwn(was, key) ? was[key] : undefined,
        Object.hasOwn(now, key) ? now[key] : undefined,
        [...path, key],
        out,
        where,
      );
    }
    return;
  }
  if (Array.isArray(was) && Array.isArray(now)) {
    for (let i = 0; i < Math.max(was.length, now.length); i++) diffValues(was[i], now[i], [...path, i], out, where);
    return;
  }
  if (now === undefined) out.push(`removes ${where(path)}`);
  else if (was === undefined) out.push(`sets ${where(path)} to ${show(now)}`);
  else out.push(`changes ${where(path)} from ${show(was)} to ${show(now)}`);
}

/** Deep equality of JSON values; key order does not matter. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]));
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= MAX_VALUE_CHARS ? text : `${text.slice(0, MAX_VALUE_CHARS - 1)}…`;
}
