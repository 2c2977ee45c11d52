// The edit operations a model returns for "modify this workflow", and applying them: all or nothing, never in place.
// The compiler judges the result; this module only refuses edits that cannot be carried out at all.
import { z } from 'zod';
import type { WorkflowDocument } from '../../compiler/document.js';
import { LOOP_ITEM_HANDLE } from '../../compiler/plan.js';
import { parseConfigPath, setAtPath, valueProblem } from './config-path.js';

export const MAX_EDITS = 100;

/** Every way applying an edit list refuses, declared once (docs/errors.md, "Edit errors"). */
export const EDIT_ERRORS = {
  EDIT_INVALID: 'The operation does not match the edit schema (or its JSON value does not parse)',
  EDIT_TOO_MANY: `More than ${MAX_EDITS} operations in one edit`,
  EDIT_UNKNOWN_NODE: 'The operation names a node the workflow does not have',
  EDIT_DUPLICATE_ID: 'add_node uses an id another node already has',
  EDIT_BAD_PATH:
    'set_config names a path that is malformed, forbidden (__proto__, constructor, prototype), too deep, or runs through a value that is not an object or list',
  EDIT_BAD_VALUE: 'The value is too large, nests too deep, or carries a forbidden key',
  EDIT_EDGE_EXISTS: 'connect names a connection the workflow already has',
  EDIT_NO_SUCH_EDGE: 'disconnect names a connection the workflow does not have',
} as const satisfies Record<string, string>;
export const EditErrorCodeSchema = z.enum(Object.keys(EDIT_ERRORS) as [keyof typeof EDIT_ERRORS, ...(keyof typeof EDIT_ERRORS)[]]);
export type EditErrorCode = z.infer<typeof EditErrorCodeSchema>;

const NodeId = z.string().min(1).max(200);
const Handle = z.string().min(1).max(200);

export const EditOperationSchema = z.discriminatedUnion('op', [
  z
    .object({
      op: z.literal('add_node'),
      node: z
        .object({
          id: NodeId,
          type: z.string().min(1).max(200),
          name: z.string().min(1).max(200).optional(),
          config: z.record(z.string(), z.unknown()).optional(),
        })
        .strict(),
      /** Also connects `after` (its `afterHandle`, default `out`) to the new node. */
      after: NodeId.optional(),
      afterHandle: Handle.optional(),
    })
    .strict(),
  z.object({ op: z.literal('remove_node'), nodeId: NodeId }).strict(),
  z.object({ op: z.literal('set_config'), nodeId: NodeId, path: z.string().min(1).max(500), value: z.unknown() }).strict(),
  z
    .object({ op: z.literal('connect'), source: NodeId, target: NodeId, sourceHandle: Handle.optional(), targetHandle: Handle.optional() })
    .strict(),
  z.object({ op: z.literal('disconnect'), source: NodeId, target: NodeId, sourceHandle: Handle.optional() }).strict(),
  z.object({ op: z.literal('rename'), nodeId: NodeId, name: z.string().min(1).max(200) }).strict(),
]);
export type EditOperation = z.infer<typeof EditOperationSchema>;
export const EditListSchema = z.array(EditOperationSchema).max(MAX_EDITS);

export type ApplyEditsResult =
  { ok: true; document: WorkflowDocument } | { ok: false; index: number; code: EditErrorCode; message: string };

class EditRefusal {
  constructor(
    readonly code: EditErrorCode,
    readonly message: string,
  ) {}
}

/** Applies every operation in order to a copy of `document`; the first one that cannot be applied refuses them all. */
export function applyEdits(document: WorkflowDocument, ops: readonly EditOperation[]): ApplyEditsResult {
  if (ops.length > MAX_EDITS) return { ok: false, index: MAX_EDITS, code: 'EDIT_TOO_MANY', message: EDIT_ERRORS.EDIT_TOO_MANY };
  const doc = structuredClone(document);
  for (const [index, raw] of ops.entries()) {
    // Typed callers still get checked: an operation is model output, whatever its static type says.
    const parsed = EditOperationSchema.safeParse(raw);
    if (!parsed.success) {
      return {
        ok: false,
        index,
        code: 'EDIT_INVALID',
        message: parsed.error.issues.map((i) => `${i.path.join('.') || 'operation'}: ${i.message}`).join('; '),
      };
    }
    const refusal = applyOne(doc, parsed.data);
    if (refusal) return { ok: false, index, code: refusal.code, message: refusal.message };
  }
  return { ok: true, document: doc };
}

function applyOne(doc: WorkflowDocument, op: EditOperation): EditRefusal | undefined {
  const node = (id: string) => doc.nodes.find((n) => n.id === id);
  const unknown = (id: string) => new EditRefusal('EDIT_UNKNOWN_NODE', `There is no node "${id}"`);
  switch (op.op) {
    case 'add_node': {
      if (node(op.node.id)) return new EditRefusal('EDIT_DUPLICATE_ID', `A node "${op.node.id}" already exists`);
      const problem = valueProblem(op.node.config ?? {});
      if (problem) return new EditRefusal('EDIT_BAD_VALUE', `The config of "${op.node.id}": ${problem}`);
      const after = op.after === undefined ? undefined : node(op.after);
      if (op.after !== undefined && !after) return unknown(op.after);
      const sourceHandle = op.afterHandle ?? 'out';
      // A node added after a body node joins that loop body; after a loop's item output it becomes the body's entry.
      const parent = after?.parent ?? (after && sourceHandle === LOOP_ITEM_HANDLE ? after.id : undefined);
      doc.nodes.push({
        id: op.node.id,
        type: op.node.type,
        ...(op.node.name !== undefined && { name: op.node.name }),
        config: structuredClone(op.node.config ?? {}),
        ...(parent !== undefined && { parent }),
      });
      if (after) addEdge(doc, after.id, sourceHandle, op.node.id, 'in');
      return undefined;
    }
    case 'remove_node': {
      if (!node(op.nodeId)) return unknown(op.nodeId);
      doc.nodes = doc.nodes.filter((n) => n.id !== op.nodeId);
      doc.edges = doc.edges.filter((e) => e.source !== op.nodeId && e.target !== op.nodeId);
      return undefined;
    }
    case 'set_config': {
      const target = node(op.nodeId);
      if (!target) return unknown(op.nodeId);
      const path = parseConfigPath(op.path);
      if (!path.ok) return new EditRefusal('EDIT_BAD_PATH', `${op.path}: ${path.message}`);
      const problem = valueProblem(op.value);
      if (problem) return new EditRefusal('EDIT_BAD_VALUE', `${op.path}: ${problem}`);
      target.config ??= {};
      const set = setAtPath(target.config, path.path, structuredClone(op.value));
      return set.ok ? undefined : new EditRefusal('EDIT_BAD_PATH', `${op.path}: ${set.message}`);
    }
    case 'connect': {
      for (const id of [op.source, op.target]) if (!node(id)) return unknown(id);
      const sourceHandle = op.sourceHandle ?? 'out';
      const targetHandle = op.targetHandle ?? 'in';
      const exists = doc.edges.some(
        (e) =>
          e.source === op.source &&
          e.target === op.target &&
          (e.sourceHandle ?? 'out') === sourceHandle &&
          (e.targetHandle ?? 'in') === targetHandle,
      );
      if (exists)
        return new EditRefusal(
          'EDIT_EDGE_EXISTS',
          `"${op.source}" (${sourceHandle}) is already connected to "${op.target}" (${targetHandle})`,
        );
      addEdge(doc, op.source, sourceHandle, op.target, targetHandle);
      return undefined;
    }
    case 'disconnect': {
      for (const id of [op.source, op.target]) if (!node(id)) return unknown(id);
      // Without a handle, every connection between the two goes (an IF whose two outputs both lead to the node).
      const matches = (e: WorkflowDocument['edges'][number]) =>
        e.source === op.source &&
        e.target === op.target &&
        (op.sourceHandle === undefined || (e.sourceHandle ?? 'out') === op.sourceHandle);
      if (!doc.edges.some(matches)) {
        return new EditRefusal(
          'EDIT_NO_SUCH_EDGE',
          `"${op.source}"${op.sourceHandle ? ` (${op.sourceHandle})` : ''} is not connected to "${op.target}"`,
        );
      }
      doc.edges = doc.edges.filter((e) => !matches(e));
      return undefined;
    }
    case 'rename': {
      const target = node(op.nodeId);
      if (!target) return unknown(op.nodeId);
      target.name = op.name;
      return undefined;
    }
  }
}

/** Edge ids read as what they connect and never collide: `a->b`, then `a->b#2`, ... (`edge#n` when the ids are long). */
function addEdge(doc: WorkflowDocument, source: string, sourceHandle: string, target: string, targetHandle: string): void {
  const used = new Set(doc.edges.map((e) => e.id));
  const base = source.length + target.length <= 180 ? `${source}->${target}` : 'edge';
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}#${n}`;
  doc.edges.push({ id, source, sourceHandle, target, targetHandle });
}

/**
 * JSON Schema of EditListSchema, the canonical form (for documentation and non-strict structured output). OpenAI's
 * strict mode refuses it (an array at the root, optional properties, oneOf, the free-form `value` and `config`): a
 * strict model answers in edit-response.ts's shape instead, which decodes to the same operations.
 */
export function editListJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(EditListSchema, { io: 'input' }) as Record<string, unknown>;
}
