// Pass 1: every node's shape, id, type, config and credentials. Nodes that fail here are still known by id,
// so edges to them are not reported as dangling on top of the node's own error.
import type { CompileContext, CredentialRef, HandleSpec, NodeTypeInfo } from '../catalog.js';
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import { DocumentNodeSchema, type DocumentNode } from '../document.js';
import { reportShapeIssues } from './schema-issues.js';

export interface ResolvedNode {
  node: DocumentNode;
  index: number;
  info: NodeTypeInfo;
  config: Record<string, unknown>;
  /** undefined when the config is invalid: then the handles cannot be known (Switch rules) and are not checked. */
  outputs: HandleSpec[] | undefined;
}

export interface NodesPass {
  /** Every id seen, whatever became of the node. */
  ids: Set<string>;
  resolved: Map<string, ResolvedNode>;
}

export const nodeLabel = (n: { id: string; name?: string | undefined }) =>
  n.name && n.name !== n.id ? `"${n.name}" (${n.id})` : `"${n.id}"`;

type Path = (string | number)[];
const toPath = (p: readonly PropertyKey[]): Path => p.map((k) => (typeof k === 'number' ? k : String(k)));

function valueAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/**
 * Each node type's parse of an empty config, when it is valid and holds scalars only (no setting, or defaults): most
 * nodes of a large workflow set nothing (a no-op, a merge as it comes), and their configs were most of zod's work.
 * Null when an empty config is invalid or holds objects: such nodes are parsed as any other.
 */
const emptyConfigs = new WeakMap<NodeTypeInfo, Record<string, unknown> | null>();

function emptyConfigOf(info: NodeTypeInfo): Record<string, unknown> | undefined {
  let parsed = emptyConfigs.get(info);
  if (parsed === undefined) {
    const result = info.configSchema.safeParse({});
    const config = result.success ? (result.data as Record<string, unknown>) : undefined;
    parsed = config && Object.values(config).every((v) => v === null || typeof v !== 'object') ? config : null;
    emptyConfigs.set(info, parsed);
  }
  // A copy per node, as a parse would give: scalars only, so a shallow one is whole.
  return parsed ? { ...parsed } : undefined;
}

function hasNoKeys(config: Record<string, unknown>): boolean {
  for (const key in config) if (Object.hasOwn(config, key)) return false;
  return true;
}

function checkConfig(node: DocumentNode, index: number, info: NodeTypeInfo, out: Diagnostic[]): Record<string, unknown> | undefined {
  const empty = hasNoKeys(node.config) ? emptyConfigOf(info) : undefined;
  if (empty) return empty;
  const parsed = info.configSchema.safeParse(node.config);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  for (const issue of parsed.error.issues) {
    const path = toPath(issue.path);
    const field = path.join('.') || 'config';
    const at = { nodeId: node.id, path: ['nodes', index, 'config', ...path] };
    if (issue.code === 'unrecognized_keys') {
      out.push(
        diagnostic(
          'INVALID_FIELD_VALUE',
          `Node ${nodeLabel(node)} has unknown setting(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
          at,
        ),
      );
    } else if (valueAt(node.config, path) === undefined && path.length > 0) {
      out.push(diagnostic('MISSING_REQUIRED_FIELD', `Node ${nodeLabel(node)} needs a value for "${field}"`, at));
    } else {
      out.push(diagnostic('INVALID_FIELD_VALUE', `Node ${nodeLabel(node)}: "${field}" ${issue.message}`, at));
    }
  }
  return undefined;
}

function checkCredentials(
  node: DocumentNode,
  index: number,
  info: NodeTypeInfo,
  owned: Map<string, CredentialRef>,
  out: Diagnostic[],
): void {
  // Most node types take no credential and most nodes attach none: nothing to check then.
  if (info.credentials.length === 0 && node.credentials === undefined) return;
  const attached = node.credentials ?? {};
  for (const slot of info.credentials) {
    const id = attached[slot.slot];
    const at = { nodeId: node.id, path: ['nodes', index, 'credentials', slot.slot] };
    if (!id) {
      if (slot.required)
        out.push(
          diagnostic('MISSING_CREDENTIAL', `Node ${nodeLabel(node)} needs a ${slot.types.join(' or ')} credential for "${slot.slot}"`, at),
        );
      continue;
    }
    const credential = owned.get(id);
    if (!credential) out.push(diagnostic('MISSING_CREDENTIAL', `Node ${nodeLabel(node)} uses credential ${id}, which you do not have`, at));
    else if (!slot.types.includes(credential.type)) {
      out.push(
        diagnostic(
          'CREDENTIAL_TYPE_MISMATCH',
          `Node ${nodeLabel(node)} needs a ${slot.types.join(' or ')} credential for "${slot.slot}", but ${id} is a ${credential.type}`,
          at,
        ),
      );
    }
  }
  for (const slot of Object.keys(attached)) {
    if (!info.credentials.some((c) => c.slot === slot))
      out.push(
        diagnostic('UNUSED_CREDENTIAL', `Node ${nodeLabel(node)} does not use a credential "${slot}"`, {
          nodeId: node.id,
          path: ['nodes', index, 'credentials', slot],
        }),
      );
  }
}

const SIMPLE_KEYS = new Set(['id', 'type', 'name', 'config', 'version']);
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The common node shape without zod's cost; anything else (settings, credentials, odd values) goes to zod. */
function fastNode(value: unknown): DocumentNode | undefined {
  if (!isPlainObject(value)) return undefined;
  for (const key in value) if (!SIMPLE_KEYS.has(key)) return undefined;
  const { id, type, name, config, version } = value;
  if (typeof id !== 'string' || id.length === 0 || id.length > 200 || typeof type !== 'string' || type.length === 0) return undefined;
  if (name !== undefined && typeof name !== 'string') return undefined;
  if (config !== undefined && !isPlainObject(config)) return undefined;
  if (version !== undefined && !(Number.isInteger(version) && (version as number) >= 1)) return undefined;
  const node: DocumentNode = { id, type, config: config ?? {} };
  if (name !== undefined) node.name = name;
  if (version !== undefined) node.version = version as number;
  return node;
}

/** A node the fast path did not take, through zod: its issues reported (and its id kept, when it has one), or the node. */
function parseNode(value: unknown, index: number, ids: Set<string>, out: Diagnostic[]): DocumentNode | undefined {
  const parsed = DocumentNodeSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const id = reportShapeIssues('node', index, value, parsed.error.issues, out);
  if (id) ids.add(id);
  return undefined;
}

export function resolveNodes(raw: unknown[], ctx: CompileContext, out: Diagnostic[]): NodesPass {
  const ids = new Set<string>();
  const resolved = new Map<string, ResolvedNode>();
  const owned = new Map(ctx.credentials.map((c) => [c.id, c]));
  raw.forEach((value, index) => {
    const node = fastNode(value) ?? parseNode(value, index, ids, out);
    if (!node) return;
    if (ids.has(node.id)) {
      out.push(diagnostic('DUPLICATE_ID', `Two nodes have the id "${node.id}"`, { nodeId: node.id, path: ['nodes', index, 'id'] }));
      return;
    }
    ids.add(node.id);
    const info = ctx.catalog.get(node.type, node.version);
    if (!info) {
      const what = ctx.catalog.has(node.type) ? `version ${node.version} of node type "${node.type}"` : `node type "${node.type}"`;
      out.push(
        diagnostic('UNKNOWN_NODE_TYPE', `Node ${nodeLabel(node)} uses an unknown ${what}`, {
          nodeId: node.id,
          path: ['nodes', index, node.version !== undefined && ctx.catalog.has(node.type) ? 'version' : 'type'],
        }),
      );
      return;
    }
    if (info.unavailable !== undefined) {
      out.push(
        diagnostic('NODE_TYPE_DISABLED', `Node ${nodeLabel(node)} uses node type "${node.type}", which ${info.unavailable}`, {
          nodeId: node.id,
          path: ['nodes', index, 'type'],
        }),
      );
    }
    const config = checkConfig(node, index, info, out);
    checkCredentials(node, index, info, owned, out);
    const outputs = config
      ? [...info.outputs(config), ...(node.onError === 'route' ? [{ name: 'error', dataType: 'json' as const }] : [])]
      : undefined;
    resolved.set(node.id, { node, index, info, config: config ?? node.config, outputs });
  });
  return { ids, resolved };
}
