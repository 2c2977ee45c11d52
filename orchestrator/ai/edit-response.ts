// The shape a model answers an edit request in, made for OpenAI strict structured outputs, and its decoding into
// EditOperation[]. Strict mode wants an object at the root, every property required (optional ones nullable),
// anyOf rather than oneOf, enum rather than const (the keyword its guide lists), and no free-form objects: so a config value travels as JSON text (`valueJson`,
// `configJson`) and is parsed here. Length and count limits are left to the decoding (strict mode ignores or refuses
// minLength/maxLength), which checks every operation against EditOperationSchema.
import { z } from 'zod';
import { EDIT_ERRORS, EditOperationSchema, MAX_EDITS, type EditErrorCode, type EditOperation } from './edits.js';

const text = (description: string) => z.string().describe(description);
const nullableText = (description: string) => z.string().nullable().describe(description);

export const ModelEditOperationSchema = z.union([
  z
    .object({
      op: z.enum(['add_node']),
      node: z
        .object({
          id: text('A new, unique node id'),
          type: text('A node type from the palette'),
          name: nullableText('A short display name, or null'),
          configJson: nullableText('The node config as JSON object text, e.g. {"url":"https://api.example.com"}, or null for {}'),
        })
        .strict(),
      after: nullableText('The id of the node the new one follows (they are connected), or null'),
      afterHandle: nullableText('The output of `after` to connect from (e.g. "true"), or null for "out"'),
    })
    .strict(),
  z.object({ op: z.enum(['remove_node']), nodeId: text('The id of the node to remove, with its connections') }).strict(),
  z
    .object({
      op: z.enum(['set_config']),
      nodeId: text('The id of the node to change'),
      path: text('The config field, e.g. url or conditions[0].right'),
      valueJson: text('The new value as JSON text: 500, "text", true, {"a":1}'),
    })
    .strict(),
  z
    .object({
      op: z.enum(['connect']),
      source: text('The id of the node the connection leaves'),
      target: text('The id of the node the connection enters'),
      sourceHandle: nullableText('The output of source, or null for "out"'),
      targetHandle: nullableText('The input of target, or null for "in"'),
    })
    .strict(),
  z
    .object({
      op: z.enum(['disconnect']),
      source: text('The id of the node the connection leaves'),
      target: text('The id of the node the connection enters'),
      sourceHandle: nullableText('The output of source, or null for every connection from source to target'),
    })
    .strict(),
  z.object({ op: z.enum(['rename']), nodeId: text('The id of the node to rename'), name: text('Its new display name') }).strict(),
]);
export type ModelEditOperation = z.infer<typeof ModelEditOperationSchema>;

export const ModelEditResponseSchema = z
  .object({ operations: z.array(ModelEditOperationSchema).describe(`The edit operations, in order (at most ${MAX_EDITS})`) })
  .strict();

/** JSON Schema of the model's answer, for `response_format: { type: 'json_schema', json_schema: { strict: true, ... } }`. */
export function editResponseJsonSchema(): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(ModelEditResponseSchema, { io: 'input' }) as Record<string, unknown>;
  return schema;
}

export type DecodeEditsResult =
  { ok: true; operations: EditOperation[] } | { ok: false; index?: number; code: EditErrorCode; message: string };

/** The model's answer (parsed JSON) as edit operations, or why it is not a list of them. */
export function decodeModelEdits(answer: unknown): DecodeEditsResult {
  const parsed = ModelEditResponseSchema.safeParse(answer);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const index = issue.path[0] === 'operations' && typeof issue.path[1] === 'number' ? issue.path[1] : undefined;
    return { ok: false, ...(index !== undefined && { index }), code: 'EDIT_INVALID', message: `${issue.path.join('.')}: ${issue.message}` };
  }
  if (parsed.data.operations.length > MAX_EDITS) return { ok: false, code: 'EDIT_TOO_MANY', message: EDIT_ERRORS.EDIT_TOO_MANY };
  const operations: EditOperation[] = [];
  for (const [index, wire] of parsed.data.operations.entries()) {
    const canonical = toCanonical(wire);
    if (!canonical.ok) return { ok: false, index, code: 'EDIT_INVALID', message: canonical.message };
    const checked = EditOperationSchema.safeParse(canonical.value);
    if (!checked.success) {
      return {
        ok: false,
        index,
        code: 'EDIT_INVALID',
        message: checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      };
    }
    operations.push(checked.data);
  }
  return { ok: true, operations };
}

function json(textValue: string, what: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(textValue) as unknown };
  } catch {
    return { ok: false, message: `${what} is not JSON text` };
  }
}

function toCanonical(wire: ModelEditOperation): { ok: true; value: unknown } | { ok: false; message: string } {
  const present = <K extends string>(key: K, value: string | null) => (value === null ? {} : ({ [key]: value } as Record<K, string>));
  switch (wire.op) {
    case 'add_node': {
      const config =
        wire.node.configJson === null ? { ok: true as const, value: undefined } : json(wire.node.configJson, 'node.configJson');
      if (!config.ok) return config;
      const node = {
        id: wire.node.id,
        type: wire.node.type,
        ...present('name', wire.node.name),
        ...(config.value !== undefined && { config: config.value }),
      };
      return { ok: true, value: { op: wire.op, node, ...present('after', wire.after), ...present('afterHandle', wire.afterHandle) } };
    }
    case 'set_config': {
      const value = json(wire.valueJson, 'valueJson');
      return value.ok ? { ok: true, value: { op: wire.op, nodeId: wire.nodeId, path: wire.path, value: value.value } } : value;
    }
    case 'connect':
      return {
        ok: true,
        value: {
          op: wire.op,
          source: wire.source,
          target: wire.target,
          ...present('sourceHandle', wire.sourceHandle),
          ...present('targetHandle', wire.targetHandle),
        },
      };
    case 'disconnect':
      return { ok: true, value: { op: wire.op, source: wire.source, target: wire.target, ...present('sourceHandle', wire.sourceHandle) } };
    case 'remove_node':
    case 'rename':
      return { ok: true, value: wire };
  }
}
