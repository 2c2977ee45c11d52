// The shape of the data that flows between nodes: a small subset of JSON Schema (type, properties, required,
// additionalProperties, items, anyOf), declared by node types and propagated by the compiler. `undefined` is the
// unknown shape: nothing is known, so nothing is refused. Only a closed object (`additionalProperties: false`) or a
// scalar says a field cannot exist; an open object knows some fields and allows any other.
import { z } from 'zod';

export const SHAPE_TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'] as const;
export type ShapeType = (typeof SHAPE_TYPES)[number];

export interface Shape {
  type?: ShapeType | ShapeType[];
  properties?: Record<string, Shape>;
  required?: string[];
  additionalProperties?: boolean | Shape;
  items?: Shape;
  anyOf?: Shape[];
  description?: string;
}

/**
 * A JSON Schema as a user writes it (a webhook's body, a form, a code node's declared output), read leniently: what
 * the subset understands is kept, anything else (formats, $ref, patterns) is dropped, which only makes it less
 * strict. Bounded in depth, so a hostile schema cannot make the compiler recurse without end.
 */
const MAX_DEPTH = 32;
export function shapeFromJsonSchema(value: unknown, depth = 0): Shape | undefined {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const s = value as Record<string, unknown>;
  const shape: Shape = {};
  const types = (Array.isArray(s.type) ? s.type : [s.type]).filter((t): t is ShapeType => SHAPE_TYPES.includes(t as ShapeType));
  if (types.length === 1) shape.type = types[0];
  else if (types.length > 1) shape.type = types;
  if (s.properties && typeof s.properties === 'object' && !Array.isArray(s.properties)) {
    const properties: Record<string, Shape> = {};
    for (const [k, v] of Object.entries(s.properties)) properties[k] = shapeFromJsonSchema(v, depth + 1) ?? {};
    shape.properties = properties;
  }
  if (Array.isArray(s.required)) shape.required = s.required.filter((r): r is string => typeof r === 'string');
  if (s.additionalProperties === false) shape.additionalProperties = false;
  else if (s.additionalProperties && typeof s.additionalProperties === 'object')
    shape.additionalProperties = shapeFromJsonSchema(s.additionalProperties, depth + 1) ?? true;
  if (s.items) shape.items = shapeFromJsonSchema(s.items, depth + 1) ?? {};
  const alternatives = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
  if (alternatives) {
    const known = alternatives.map((a) => shapeFromJsonSchema(a, depth + 1));
    // One unknown alternative makes the whole unknown.
    if (known.every((a): a is Shape => a !== undefined)) shape.anyOf = known;
    else return undefined;
  }
  if (typeof s.description === 'string') shape.description = s.description.slice(0, 500);
  return shape;
}

/** The zod form of a shape, for the HTTP layer (recursive, so a lazy schema). */
export const ShapeSchema: z.ZodType<Shape> = z.lazy(() =>
  z.object({
    type: z.union([z.enum(SHAPE_TYPES), z.array(z.enum(SHAPE_TYPES))]).optional(),
    properties: z.record(z.string(), ShapeSchema).optional(),
    required: z.array(z.string()).optional(),
    additionalProperties: z.union([z.boolean(), ShapeSchema]).optional(),
    items: ShapeSchema.optional(),
    anyOf: z.array(ShapeSchema).optional(),
    description: z.string().optional(),
  }),
);

export const STRING: Shape = { type: 'string' };
export const NUMBER: Shape = { type: 'number' };
export const BOOLEAN: Shape = { type: 'boolean' };
export const OBJECT: Shape = { type: 'object' };
export const ARRAY: Shape = { type: 'array' };

/** A closed object: these fields, no others. */
export function closedObject(properties: Record<string, Shape>, required = Object.keys(properties)): Shape {
  return { type: 'object', properties, required, additionalProperties: false };
}

/** What a node's output is when it fails and its error is routed or continued past (workflows/run-state.ts). */
export const ERROR_OUTPUT: Shape = closedObject({
  error: { type: 'object', properties: { code: STRING, message: STRING, details: OBJECT }, required: ['code', 'message'] },
});

/** The types a shape allows, or undefined when any value fits. */
export function typesOf(shape: Shape | undefined): Set<ShapeType> | undefined {
  if (!shape) return undefined;
  if (shape.anyOf) {
    const all = new Set<ShapeType>();
    for (const alternative of shape.anyOf) {
      const t = typesOf(alternative);
      if (!t) return undefined;
      for (const x of t) all.add(x);
    }
    return all;
  }
  if (shape.type === undefined) return shape.properties ? new Set(['object']) : shape.items ? new Set(['array']) : undefined;
  return new Set(Array.isArray(shape.type) ? shape.type : [shape.type]);
}

/** "string", "number or null", "object"... for messages. */
export function describeShape(shape: Shape | undefined): string {
  const types = typesOf(shape);
  return types ? [...types].join(' or ') : 'any value';
}

/**
 * Past this many alternatives a union is unknown: merges of merges would otherwise grow with the graph (each node
 * of a 10k-node DAG holding hundreds of alternatives), and a value that may be any of so many is hardly checked.
 */
export const MAX_ALTERNATIVES = 8;

/** Several shapes as one: a value of any of them (nested unions flattened). Unknown if any is, or past the bound. */
export function union(shapes: (Shape | undefined)[]): Shape | undefined {
  const known: Shape[] = [];
  for (const s of shapes) {
    if (!s) return undefined;
    for (const alternative of s.anyOf && isBareUnion(s) ? s.anyOf : [s]) {
      if (known.includes(alternative)) continue;
      if (known.length === MAX_ALTERNATIVES) return undefined;
      known.push(alternative);
    }
  }
  return known.length === 1 ? known[0] : known.length === 0 ? undefined : { anyOf: known };
}

/** A shape that is only an anyOf (nothing else said beside it), so its alternatives can stand in for it. */
function isBareUnion(s: Shape): boolean {
  for (const key in s) if (key !== 'anyOf') return false;
  return true;
}

export type FieldLookup =
  /** The field exists (or may); its shape, when known. */
  | { kind: 'found'; shape: Shape | undefined }
  /** The shape says the field cannot exist; the names it does have, to suggest from. */
  | { kind: 'absent'; known: string[] };

const FOUND_UNKNOWN: FieldLookup = { kind: 'found', shape: undefined };

/**
 * Reads `name` of a value of this shape as a JSONata path step does: an object's field, or each item's field of an
 * array (JSONata maps a step over a list). Absent only when every alternative says it cannot be there.
 */
export function fieldOf(shape: Shape | undefined, name: string, depth = 0): FieldLookup {
  if (!shape || depth > MAX_DEPTH) return FOUND_UNKNOWN;
  if (shape.anyOf) {
    const found: (Shape | undefined)[] = [];
    const known = new Set<string>();
    for (const alternative of shape.anyOf) {
      const r = fieldOf(alternative, name, depth + 1);
      if (r.kind === 'found') found.push(r.shape);
      else for (const k of r.known) known.add(k);
    }
    return found.length > 0 ? { kind: 'found', shape: union(found) } : { kind: 'absent', known: [...known] };
  }
  const types = typesOf(shape);
  if (!types) return FOUND_UNKNOWN;
  const found: (Shape | undefined)[] = [];
  const known: string[] = [];
  if (types.has('object')) {
    const own = shape.properties && Object.hasOwn(shape.properties, name) ? shape.properties[name] : undefined;
    if (own) found.push(own);
    else if (shape.additionalProperties === false) known.push(...Object.keys(shape.properties ?? {}));
    else found.push(typeof shape.additionalProperties === 'object' ? shape.additionalProperties : undefined);
  }
  if (types.has('array')) {
    const r = fieldOf(shape.items, name, depth + 1);
    if (r.kind === 'found') found.push(r.shape);
    else known.push(...r.known);
  }
  // A scalar has no fields: reading one yields nothing.
  return found.length > 0 ? { kind: 'found', shape: union(found) } : { kind: 'absent', known };
}

/** The element of a list (or the value itself, when it is not one: JSONata treats a value as a list of one). */
export function itemOf(shape: Shape | undefined): Shape | undefined {
  const types = typesOf(shape);
  if (!types || !shape) return undefined;
  if (types.size === 1 && types.has('array')) return shape.items;
  return undefined;
}

/** The closest of `candidates` to `name` (a typo: edit distance at most 2, or a different case), if any. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = name.length <= 3 ? 1 : 2;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const d = candidate.toLowerCase() === name.toLowerCase() ? 0.5 : editDistance(name, candidate, limit);
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance with an early exit past `limit` (names are short; candidates few). */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      current.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] as number;
}

/** The shape of a literal JSON value (a config value that is not an expression). */
export function shapeOfValue(value: unknown, depth = 0): Shape | undefined {
  if (value === null) return { type: 'null' };
  switch (typeof value) {
    case 'string':
      return STRING;
    case 'number':
      return NUMBER;
    case 'boolean':
      return BOOLEAN;
    case 'object': {
      if (depth > MAX_DEPTH) return undefined;
      if (Array.isArray(value)) return { type: 'array', items: union(value.map((v) => shapeOfValue(v, depth + 1))) ?? {} };
      const properties: Record<string, Shape> = {};
      for (const [k, v] of Object.entries(value)) properties[k] = shapeOfValue(v, depth + 1) ?? {};
      return closedObject(properties);
    }
    default:
      return undefined;
  }
}
