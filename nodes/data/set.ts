// data.set: builds an object from named values (usually expressions over the input), optionally on top of the input.
// Runs inside the workflow sandbox, which has no structuredClone: values are JSON, so JSON round-trips copy them.
import { z } from 'zod';
import type { ShapeContext } from '../../compiler/catalog.js';
import { typesOf, type Shape } from '../../compiler/shapes.js';
import { field } from '../sdk/fields.js';
import { defineNode } from '../sdk/node.js';

const AssignmentSchema = z.object({ name: z.string().min(1), value: z.unknown() }).strict();

/** Sets a dotted path ("customer.address.city") without touching prototypes. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node: Record<string, unknown> = target;
  for (const [i, part] of parts.entries()) {
    if (part === '__proto__' || part === 'constructor' || part === 'prototype') return;
    if (i === parts.length - 1) {
      node[part] = value;
      return;
    }
    const next = node[part];
    node =
      next && typeof next === 'object' && !Array.isArray(next)
        ? (next as Record<string, unknown>)
        : (node[part] = {} as Record<string, unknown>);
  }
}

/** An object shape to add fields to: a copy, so the shape the input came with stays as it was. */
function objectToExtend(shape: Shape | undefined): Shape {
  const types = typesOf(shape);
  if (!shape || !types || types.size !== 1 || !types.has('object') || shape.anyOf) return { type: 'object', properties: {} };
  return { ...shape, type: 'object', properties: { ...shape.properties } };
}

/** The assigned names on top of the input (or alone), nested as setPath nests dotted names. */
function outputShape(config: { assignments: { name: string; value: unknown }[]; keepInput: unknown }, context: ShapeContext): Shape {
  // An expression in keepInput is decided at run time: either way, the input's fields may be there.
  const base: Shape =
    config.keepInput === false ? { type: 'object', properties: {}, additionalProperties: false } : objectToExtend(context.input);
  if (config.keepInput !== false && config.keepInput !== true) delete base.additionalProperties;
  for (const a of config.assignments) {
    const parts = a.name.split('.');
    let target = base;
    for (const [i, part] of parts.entries()) {
      if (part === '__proto__' || part === 'constructor' || part === 'prototype') break;
      const properties = (target.properties ??= {});
      if (i === parts.length - 1) {
        properties[part] = context.valueShape(a.value) ?? {};
        if (target.required && !target.required.includes(part)) target.required = [...target.required, part];
        break;
      }
      const next = objectToExtend(properties[part]);
      // A new intermediate object holds only what is set into it.
      if (!properties[part] && config.keepInput === false) next.additionalProperties = false;
      properties[part] = next;
      target = next;
    }
  }
  return base;
}

export const setNode = defineNode({
  type: 'data.set',
  version: 1,
  displayName: 'Set',
  category: 'data',
  description: 'Assigns fields from values or expressions.',
  kind: 'pure',
  fields: {
    assignments: field.json({ label: 'Fields', required: true, schema: z.array(AssignmentSchema) }),
    keepInput: field.boolean({ label: 'Keep the input fields', default: true }),
  },
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  operations: () => ['pure'],
  outputShape,
  evaluate: (input, config) => {
    const base =
      config.keepInput && input && typeof input === 'object' && !Array.isArray(input)
        ? (JSON.parse(JSON.stringify(input)) as Record<string, unknown>)
        : {};
    for (const a of config.assignments) setPath(base, a.name, a.value);
    return { output: base };
  },
});
