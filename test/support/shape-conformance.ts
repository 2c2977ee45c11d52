// Whether a value is one a declared shape admits (compiler/shapes.ts), for tests that hold a node's outputShape to
// what its execute() really returned: a required field missing, a field a closed object leaves out, a wrong type.
import type { Shape, ShapeType } from '../../compiler/shapes.js';
import type { AnyNodeDefinition } from '../../nodes/registry.js';
import { parseConfig } from '../../nodes/sdk/node.js';

function typeOf(value: unknown): ShapeType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as ShapeType;
}

/** Every way `value` (as JSON carries it) breaks `shape`, each with its path; [] when it fits. */
export function shapeViolations(shape: Shape | undefined, value: unknown, path = '$'): string[] {
  if (!shape) return [];
  if (shape.anyOf) {
    const each = shape.anyOf.map((alternative) => shapeViolations(alternative, value, path));
    return each.some((v) => v.length === 0) ? [] : [`${path}: fits no alternative (${each.map((v) => v.join(', ')).join(' | ')})`];
  }
  const actual = typeOf(value);
  const allowed = shape.type === undefined ? undefined : Array.isArray(shape.type) ? shape.type : [shape.type];
  if (allowed && !allowed.includes(actual) && !(actual === 'integer' && allowed.includes('number')))
    return [`${path}: ${actual}, declared ${allowed.join(' or ')}`];
  const found: string[] = [];
  if (actual === 'object') {
    const record = value as Record<string, unknown>;
    for (const name of shape.required ?? []) if (!(name in record)) found.push(`${path}.${name}: missing`);
    for (const [name, v] of Object.entries(record)) {
      const declared = shape.properties?.[name];
      if (declared) found.push(...shapeViolations(declared, v, `${path}.${name}`));
      else if (shape.additionalProperties === false) found.push(`${path}.${name}: not declared`);
      else if (typeof shape.additionalProperties === 'object')
        found.push(...shapeViolations(shape.additionalProperties, v, `${path}.${name}`));
    }
  }
  if (actual === 'array') (value as unknown[]).forEach((v, i) => found.push(...shapeViolations(shape.items, v, `${path}[${i}]`)));
  return found;
}

/**
 * The output shape a node type declares for a config (parsed by its schema), with nothing known of its input: what
 * the compiler would check its readers against.
 */
export function declaredOutputShape(definition: AnyNodeDefinition, config: Record<string, unknown>): Shape | undefined {
  const { outputShape } = definition;
  if (typeof outputShape !== 'function') return outputShape;
  const parsed = parseConfig(definition, config);
  if (!parsed.ok) throw new Error(`invalid config: ${JSON.stringify(parsed.issues)}`);
  return outputShape(parsed.config, { input: undefined, sources: [], valueShape: () => undefined });
}

/** The value as it leaves the node: JSON, as the executor records and hands it on. */
export const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
