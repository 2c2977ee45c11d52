// JSONata built-ins shadowed (by binding the same name on each expression) with versions that refuse, before
// allocating, a call that would build more than the size bound; see limits.ts for why these and only these.
// Each calls JSONata's own implementation once the call is known to be safe, so results are exactly JSONata's.
import jsonata from 'jsonata';
import { guards, limitError, MAX_VALUE_SIZE } from './limits.js';

/** What JSONata passes as `this` to a built-in. */
type Focus = jsonata.Focus;
interface Builtin {
  implementation: (this: Focus, ...args: unknown[]) => unknown;
}
/** A JSONata function value: a lambda (or built-in) whose `apply(self, args)` JSONata itself calls. */
interface Applicable {
  apply(self: unknown, args: unknown[]): unknown;
}

type Name = 'pad' | 'join' | 'string' | 'replace' | 'distinct';
// JSONata's own implementations, read once through an expression (they are not exported). The read settles as soon
// as this module has loaded; until then (never in practice) a call waits for it.
const reading = jsonata('{"pad": $pad, "join": $join, "string": $string, "replace": $replace, "distinct": $distinct}').evaluate(
  {},
) as Promise<Record<Name, Builtin>>;
let originals: Record<Name, Builtin> | undefined;
void reading.then((read) => (originals = read));

/** Calls JSONata's own built-in: synchronously once read (a promise less per call, which the workflow sandbox feels). */
function original(name: Name, self: Focus, args: unknown[]): unknown {
  return originals ? originals[name].implementation.apply(self, args) : reading.then((read) => read[name].implementation.apply(self, args));
}

const SURROGATE = /[\uD800-\uDFFF]/;

function pad(this: Focus, str: unknown, width: number, char?: string): unknown {
  if (typeof str !== 'string') return original('pad', this, [str, width, char]);
  const target = Math.abs(Math.trunc(width));
  guards.refuseLength(target, '$pad');
  const fill = char === undefined || char.length === 0 ? ' ' : char;
  // JSONata counts code points, by arrays of them (a second for each 5M characters) and joins `target` copies of a
  // multi-character fill before cutting it: the same result, for text without surrogate pairs, by repeat and slice.
  if (SURROGATE.test(str) || SURROGATE.test(fill)) {
    guards.refuseLength(target * fill.length, '$pad');
    return original('pad', this, [str, width, char]);
  }
  const missing = target - str.length;
  if (missing <= 0) return str;
  const padding = fill.repeat(Math.ceil(missing / fill.length)).slice(0, missing);
  return width > 0 ? str + padding : padding + str;
}

function join(this: Focus, strs: unknown, separator?: string): unknown {
  if (Array.isArray(strs)) {
    let length = (strs.length - 1) * (separator?.length ?? 0);
    for (const s of strs as string[]) length += s.length;
    guards.refuseLength(length, '$join');
  }
  return original('join', this, [strs, separator]);
}

function string(this: Focus, arg: unknown, prettify?: boolean): unknown {
  if (prettify && arg && typeof arg === 'object') guards.refuseLength(guards.sizeOf(arg) + guards.indentationOf(arg, 0), '$string');
  return original('string', this, [arg, prettify]);
}

const call = async (fn: Applicable, self: unknown, args: unknown[]) => await fn.apply(self, args);
interface Match {
  match: string;
  next?: Applicable;
}

/** The longest result $replace can give, from one pass over the matches (linear: the regex engine is RE2). */
async function replacedLength(
  self: Focus,
  str: string,
  pattern: string | Applicable,
  replacement: string,
  limit?: number,
): Promise<number> {
  const references = replacement.split('$').length - 1;
  // At most one match per character (and one empty one): when even that fits, no need to look.
  const worst = str.length + (str.length + 1) * replacement.length + references * str.length;
  if (worst <= MAX_VALUE_SIZE) return worst;
  let count = 0;
  let matched = 0;
  const more = () => limit === undefined || count < limit;
  if (typeof pattern === 'string') {
    for (let at = str.indexOf(pattern); at !== -1 && more(); at = str.indexOf(pattern, at + pattern.length)) count++;
    return str.length + count * Math.max(0, replacement.length - pattern.length);
  }
  for (
    let m = (await call(pattern, self, [str])) as Match | undefined;
    m && more();
    m = m.next ? ((await call(m.next, self, [])) as Match | undefined) : undefined
  ) {
    count++;
    matched += m.match.length;
  }
  // Each `$n` in the replacement inserts at most the whole match; matches do not overlap.
  return str.length + count * replacement.length + references * matched;
}

async function replace(
  this: Focus,
  str: unknown,
  pattern: string | Applicable,
  replacement: string | Applicable,
  limit?: number,
): Promise<unknown> {
  // Invalid arguments: JSONata's own errors.
  if (typeof str !== 'string' || pattern === '' || (limit !== undefined && limit < 0))
    return original('replace', this, [str, pattern, replacement, limit]);
  if (typeof replacement === 'string') {
    guards.refuseLength(await replacedLength(this, str, pattern, replacement, limit), '$replace');
    return original('replace', this, [str, pattern, replacement, limit]);
  }
  // A function decides each replacement: count what it returns as it goes.
  let length = str.length;
  const counted = async (match: unknown) => {
    const result = await call(replacement, this, [match]);
    if (typeof result === 'string') guards.refuseLength((length += result.length), '$replace');
    return result;
  };
  return original('replace', this, [str, pattern, typeof pattern === 'string' ? replacement : counted, limit]);
}

/** A JSONata sequence (an array flagged as one: singletons unwrap, results flatten), made as JSONata makes it. */
function sequence(): unknown[] {
  const s: unknown[] & { sequence?: boolean } = [];
  s.sequence = true;
  return s;
}

/**
 * $spread, linear. JSONata's appends with `concat` once per item (quadratic: 100k items take seconds); this
 * builds the same result, an array of single-key objects, in one pass.
 */
function spread(this: Focus, arg: unknown): unknown {
  if (Array.isArray(arg)) {
    if (arg.length === 0) return sequence();
    const out: unknown[] = [];
    for (const item of arg as unknown[]) {
      const spreadItem = spread.call(this, item);
      if (Array.isArray(spreadItem)) for (const x of spreadItem as unknown[]) out.push(x);
      else out.push(spreadItem);
    }
    return out;
  }
  if (arg !== null && typeof arg === 'object' && !('_jsonata_lambda' in arg)) {
    const result = sequence();
    for (const key of Object.keys(arg)) {
      const single: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      single[key] = (arg as Record<string, unknown>)[key];
      result.push(single);
    }
    return result;
  }
  return arg;
}

/** Deep comparisons $distinct may make: it compares every item with every distinct one kept (quadratic). */
const MAX_DISTINCT_COMPARISONS = 5_000_000;
const isPrimitive = (v: unknown) => v === null || (typeof v !== 'object' && typeof v !== 'function');

function distinct(this: Focus, arr: unknown): unknown {
  if (Array.isArray(arr) && arr.length > 1) {
    const items = arr as unknown[];
    // Primitives are equal exactly when ===: a set finds them in one pass, in the same order.
    if (items.every(isPrimitive)) {
      const out = (arr as { sequence?: boolean }).sequence === true ? sequence() : [];
      for (const v of new Set(items)) out.push(v);
      return out;
    }
    if ((items.length * (items.length - 1)) / 2 > MAX_DISTINCT_COMPARISONS)
      throw limitError(
        'built',
        `$distinct over ${items.length} items with objects compares too many pairs (limit ${MAX_DISTINCT_COMPARISONS})`,
      );
  }
  return original('distinct', this, [arr]);
}

/** Name, implementation and JSONata signature (the built-in's own) of each shadowed built-in. */
export const GUARDED_BUILTINS: [string, Parameters<jsonata.Expression['registerFunction']>[1], string][] = [
  ['pad', pad, '<s-ns?:s>'],
  ['join', join, '<a<s>s?:s>'],
  ['string', string, '<x-b?:s>'],
  ['replace', replace, '<s-(sf)(sf)n?:s>'],
  ['spread', spread, '<x-:a<o>>'],
  ['distinct', distinct, '<x:x>'],
];
