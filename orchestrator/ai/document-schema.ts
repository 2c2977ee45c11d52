// What the model is told about nodes and what shape it must answer in, both derived from the node registry: the
// node types that matter for the request (node-selection.ts), each described once (fields, handles, credential slots)
// and a JSON Schema whose nodes are exactly those types with their config schemas. Loom adds what the model must not
// write itself: credentials (placeholders, credential-slots.ts) and positions (layout.ts).
import { z } from 'zod';
import { fieldViews } from '../../nodes/sdk/fields.js';
import type { AnyNodeDefinition } from '../../nodes/registry.js';

/** A node type as the model sees it. */
export interface NodeTypeBrief {
  type: string;
  displayName: string;
  description: string;
  category: string;
  kind: string;
  inputs: string[];
  /** Static output handles; undefined when they depend on the config (a Switch's rules name its outputs). */
  outputs: string[] | undefined;
  credentialSlots: { slot: string; types: string[]; required: boolean }[];
  fields: { name: string; kind: string; required: boolean; options?: string[]; default?: unknown; help?: string }[];
}

export function briefOf(d: AnyNodeDefinition): NodeTypeBrief {
  return {
    type: d.type,
    displayName: d.displayName,
    description: d.description,
    category: d.category,
    kind: d.kind,
    inputs: d.inputs.map((h) => h.name),
    outputs: Array.isArray(d.outputs) ? d.outputs.map((h) => h.name) : undefined,
    credentialSlots: (d.credentials ?? []).map((c) => ({ slot: c.slot, types: c.types, required: c.required })),
    fields: fieldViews(d.fields).map((f) => ({
      name: f.name,
      kind: f.kind,
      required: f.required,
      ...(f.options ? { options: f.options.map((o) => o.value) } : {}),
      ...(f.default !== undefined ? { default: f.default } : {}),
      ...(f.help ? { help: f.help } : {}),
    })),
  };
}

/**
 * The longest config schema sent as such (the built-ins' are under 1,500 characters): a custom node's declares up to
 * 50 fields of 200 options each, and one request must not grow with what a user uploaded.
 */
export const MAX_CONFIG_SCHEMA_CHARS = 4_000;

/**
 * The config's JSON Schema as the node type declares it. A schema zod cannot render, or one longer than
 * MAX_CONFIG_SCHEMA_CHARS, is left open: the compiler checks the config either way, and its errors go back as repairs.
 */
function configJsonSchema(d: AnyNodeDefinition): Record<string, unknown> {
  try {
    const schema = z.toJSONSchema(d.configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    delete schema.$schema;
    return JSON.stringify(schema).length <= MAX_CONFIG_SCHEMA_CHARS ? schema : { type: 'object' };
  } catch {
    return { type: 'object' };
  }
}

const ID = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' };

/** The answer a generation asks for: a whole workflow of the selected node types, and a sentence about it. */
export function generationJsonSchema(definitions: readonly AnyNodeDefinition[]): Record<string, unknown> {
  const node = (d: AnyNodeDefinition) => ({
    type: 'object',
    properties: {
      id: ID,
      type: { const: d.type },
      name: { type: 'string', maxLength: 200 },
      config: configJsonSchema(d),
      onError: { enum: ['stop', 'continue', 'route', 'ask'] },
      parent: { ...ID, description: 'The flow.for_each this node runs inside, once per item' },
    },
    required: ['id', 'type'],
    additionalProperties: false,
  });
  return {
    type: 'object',
    properties: {
      name: { type: 'string', maxLength: 200 },
      explanation: { type: 'string', maxLength: 4000, description: 'What the workflow does, in two or three sentences' },
      nodes: { type: 'array', minItems: 1, maxItems: 200, items: { anyOf: definitions.map(node) } },
      edges: {
        type: 'array',
        maxItems: 400,
        items: {
          type: 'object',
          properties: { source: ID, target: ID, sourceHandle: { type: 'string' }, targetHandle: { type: 'string' } },
          required: ['source', 'target'],
          additionalProperties: false,
        },
      },
    },
    required: ['name', 'explanation', 'nodes', 'edges'],
    additionalProperties: false,
  };
}

/** What the model's answer must be once parsed, before the compiler looks at it (which says the rest). */
export const GeneratedSchema = z.object({
  name: z.string().max(200).default('Generated workflow'),
  explanation: z.string().max(4000).default(''),
  nodes: z
    .array(z.record(z.string(), z.unknown()).and(z.object({ id: z.string().min(1).max(200), type: z.string().min(1).max(200) })))
    .min(1)
    .max(200),
  edges: z
    .array(
      z.object({
        id: z.string().max(200).optional(),
        source: z.string().min(1).max(200),
        target: z.string().min(1).max(200),
        sourceHandle: z.string().min(1).max(100).optional(),
        targetHandle: z.string().min(1).max(100).optional(),
      }),
    )
    .max(400)
    .default([]),
});
export type Generated = z.infer<typeof GeneratedSchema>;
