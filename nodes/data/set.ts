// data.set: builds an object from named values (usually expressions over the input), optionally on top of the input.
// Runs inside the workflow sandbox, which has no structuredClone: values are JSON, so JSON round-trips copy them.
import { z } from 'zod';
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
  evaluate: (input, config) => {
    const base =
      config.keepInput && input && typeof input === 'object' && !Array.isArray(input)
        ? (JSON.parse(JSON.stringify(input)) as Record<string, unknown>)
        : {};
    for (const a of config.assignments) setPath(base, a.name, a.value);
    return { output: base };
  },
});
