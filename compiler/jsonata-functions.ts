// JSONata's built-in functions as the compiler checks them: how many arguments each takes and what it returns.
// The signatures are JSONata's own (jsonata.js binds each with one); compiler/jsonata-functions.test.ts holds this
// table to the library, so an upgrade that adds or changes a function fails a test instead of a user's workflow.
import type { ShapeType } from './shapes.js';

export const JSONATA_SIGNATURES: Record<string, string> = {
  sum: '<a<n>:n>',
  count: '<a:n>',
  max: '<a<n>:n>',
  min: '<a<n>:n>',
  average: '<a<n>:n>',
  string: '<x-b?:s>',
  substring: '<s-nn?:s>',
  substringBefore: '<s-s:s>',
  substringAfter: '<s-s:s>',
  lowercase: '<s-:s>',
  uppercase: '<s-:s>',
  length: '<s-:n>',
  trim: '<s-:s>',
  pad: '<s-ns?:s>',
  match: '<s-f<s:o>n?:a<o>>',
  contains: '<s-(sf):b>',
  replace: '<s-(sf)(sf)n?:s>',
  split: '<s-(sf)n?:a<s>>',
  join: '<a<s>s?:s>',
  formatNumber: '<n-so?:s>',
  formatBase: '<n-n?:s>',
  formatInteger: '<n-s:s>',
  parseInteger: '<s-s:n>',
  number: '<(nsb)-:n>',
  floor: '<n-:n>',
  ceil: '<n-:n>',
  round: '<n-n?:n>',
  abs: '<n-:n>',
  sqrt: '<n-:n>',
  power: '<n-n:n>',
  random: '<:n>',
  boolean: '<x-:b>',
  not: '<x-:b>',
  map: '<af>',
  zip: '<a+>',
  filter: '<af>',
  single: '<af?>',
  reduce: '<afj?:j>',
  sift: '<o-f?:o>',
  keys: '<x-:a<s>>',
  lookup: '<x-s:x>',
  append: '<xx:a>',
  exists: '<x:b>',
  spread: '<x-:a<o>>',
  merge: '<a<o>:o>',
  reverse: '<a:a>',
  each: '<o-f:a>',
  error: '<s?:x>',
  assert: '<bs?:x>',
  type: '<x:s>',
  sort: '<af?:a>',
  shuffle: '<a:a>',
  distinct: '<x:x>',
  base64encode: '<s-:s>',
  base64decode: '<s-:s>',
  encodeUrlComponent: '<s-:s>',
  encodeUrl: '<s-:s>',
  decodeUrlComponent: '<s-:s>',
  decodeUrl: '<s-:s>',
  eval: '<sx?:x>',
  toMillis: '<s-s?:n>',
  fromMillis: '<n-s?s?:s>',
  clone: '<(oa)-:o>',
  // Bound per evaluation rather than in the static frame.
  now: '<s?s?:s>',
  millis: '<:n>',
};

export interface FunctionInfo {
  /** Fewest arguments a call may pass (a context parameter, `-`, may be left to the context). */
  min: number;
  max: number;
  /** What the function returns, when the signature says one of JSON's types. */
  returns: ShapeType | undefined;
}

const RETURNS: Record<string, ShapeType> = { s: 'string', n: 'number', b: 'boolean', a: 'array', o: 'object' };

/** Reads a JSONata signature: its parameters (a type letter or a group `(...)`, a subtype `<...>`, then ?, + or -). */
export function readSignature(signature: string): FunctionInfo {
  const body = signature.slice(1, -1);
  let min = 0;
  let max = 0;
  let contextual = false;
  let i = 0;
  const skipBracketed = (open: string, close: string) => {
    let depth = 0;
    do {
      if (body[i] === open) depth++;
      else if (body[i] === close) depth--;
      i++;
    } while (depth > 0 && i < body.length);
  };
  while (i < body.length && body[i] !== ':') {
    if (body[i] === '(') skipBracketed('(', ')');
    else i++;
    if (body[i] === '<') skipBracketed('<', '>');
    let optional = false;
    let variadic = false;
    for (; i < body.length && '?+-'.includes(body[i] as string); i++) {
      if (body[i] === '?') optional = true;
      else if (body[i] === '+') variadic = true;
      else contextual = true;
    }
    max = variadic ? Infinity : max + 1;
    if (!optional) min++;
  }
  const returnLetter = body[i] === ':' ? body[i + 1] : undefined;
  const returns = returnLetter ? RETURNS[returnLetter] : undefined;
  return { min: contextual ? Math.max(0, min - 1) : min, max, returns };
}

export const JSONATA_FUNCTIONS: ReadonlyMap<string, FunctionInfo> = new Map(
  Object.entries(JSONATA_SIGNATURES).map(([name, signature]) => [name, readSignature(signature)]),
);
