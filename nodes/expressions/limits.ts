// Bounds on what one expression evaluation may build, so no expression can exhaust the worker's memory (a fatal V8
// error ends the whole process, and the activity's retry ends it again) or hold its thread for long.
// Two mechanisms, together an induction: (1) every value a step of the evaluation returns is measured at the step's
// exit (the jsonata `__evaluate_exit` hook), so every value a step starts from is within the bound; (2) the
// built-ins that can build more than a constant multiple of their arguments in one call ($pad, $join, $replace,
// $string prettified) are shadowed by versions that refuse before allocating, and $spread, whose built-in is
// quadratic, by a linear one. Every other operator or built-in builds at most a few times what it was given
// (`&` two strings, an array constructor its items, $append/$zip/$merge their inputs), so nothing grows past a
// small multiple of the bound between two checks.
// Sizes are counted deterministically (the same value always measures the same), as the workflow sandbox needs.
import { NodeError } from '../sdk/errors.js';

/** Largest value an expression may build, in characters of its JSON form (about). */
export const MAX_VALUE_SIZE = 10_000_000;
/** Deepest nesting of a value (JSON.stringify and deep comparisons recurse on it). */
export const MAX_VALUE_DEPTH = 500;
/** All values built by one evaluation together: bounds the time a few heavy steps repeated many times can take. */
export const MAX_BUILT_TOTAL = 4 * MAX_VALUE_SIZE;

export function limitError(limit: 'size' | 'depth' | 'built' | 'steps' | 'evaluationDepth', message: string): NodeError {
  return new NodeError('EXPRESSION_LIMIT', message, { limit });
}

/** A JSONata function or lambda: counted as one unit, never walked (it holds its environment). */
const isCallable = (v: object) => typeof v === 'function' || '_jsonata_lambda' in v || '_jsonata_function' in v;

/**
 * Sizes of objects already measured. Values handed to and built by expressions are not changed afterwards, so an
 * object's size is computed once; keyed weakly, so it costs nothing once the value is gone.
 */
const measured = new WeakMap<object, number>();
export const isMeasured = (value: object) => measured.has(value);

/** The value's size (about its JSON length); throws EXPRESSION_LIMIT as soon as it is known to exceed a bound. */
export function sizeOf(value: unknown, depth = 0): number {
  switch (typeof value) {
    case 'string':
      if (value.length > MAX_VALUE_SIZE)
        throw limitError('size', `An expression built a string of ${value.length} characters; the limit is ${MAX_VALUE_SIZE}`);
      return value.length + 2;
    case 'number':
      return 8;
    case 'boolean':
      return 5;
    case 'undefined':
      return 0;
    case 'function':
      return 1;
    case 'object':
      break;
    default:
      return 1;
  }
  if (value === null) return 4;
  const known = measured.get(value);
  if (known !== undefined) return known;
  if (isCallable(value)) return 1;
  if (depth >= MAX_VALUE_DEPTH) throw limitError('depth', `An expression built a value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  let size = 2;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if ((size += sizeOf(item, depth + 1) + 1) > MAX_VALUE_SIZE) throw tooLarge();
  } else {
    for (const key of Object.keys(value)) {
      if ((size += key.length + 3 + sizeOf((value as Record<string, unknown>)[key], depth + 1) + 1) > MAX_VALUE_SIZE) throw tooLarge();
    }
  }
  measured.set(value, size);
  return size;
}

const tooLarge = () => limitError('size', `An expression built a value larger than ${MAX_VALUE_SIZE} characters`);

/** A running total of sizes, refused once it passes the bound. */
export function checkedSize(size: number): number {
  if (size > MAX_VALUE_SIZE) throw tooLarge();
  return size;
}

/** Characters the prettified JSON of a value adds to its plain form: a line break and indentation per member. */
function indentationOf(value: unknown, depth: number): number {
  if (!value || typeof value !== 'object' || isCallable(value)) return 0;
  let extra = 1 + 2 * depth;
  for (const item of Array.isArray(value) ? (value as unknown[]) : Object.values(value)) {
    extra += 2 + 2 * (depth + 1) + indentationOf(item, depth + 1);
    if (extra > MAX_VALUE_SIZE) throw tooLarge();
  }
  return extra;
}

/** Refuses before a call builds a string longer than the bound. */
function refuseLength(length: number, what: string): void {
  if (length > MAX_VALUE_SIZE)
    throw limitError('size', `${what} would build a string of ${length} characters; the limit is ${MAX_VALUE_SIZE}`);
}

export const guards = { sizeOf, indentationOf, refuseLength };
