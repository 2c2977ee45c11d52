// Paths into a node's config as a model writes them (`conditions[0].right`, `headers.X-Api-Key`, `rules[1]["a b"]`),
// and the guarded read and write that edit operations use. A path that a model controls is hostile input: it must not
// reach an object's prototype, nor be deep or long enough to cost anything.
export type ConfigPath = (string | number)[];

export const MAX_PATH_DEPTH = 32;
export const MAX_PATH_CHARS = 500;
/** Keys that would reach or replace a prototype when assigned: never a path segment, never a key of a value set. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const IDENT = /^[A-Za-z0-9_$-]+$/;
const IDENT_CHAR = /[A-Za-z0-9_$-]/;

/** The segments of a path, or a reason it is not one. Grammar: ident ( '.' ident | '[' digits ']' | '[' JSON string ']' )*. */
export function parseConfigPath(text: string): { ok: true; path: ConfigPath } | { ok: false; message: string } {
  if (text.length === 0 || text.length > MAX_PATH_CHARS) return { ok: false, message: `a path has 1 to ${MAX_PATH_CHARS} characters` };
  const path: ConfigPath = [];
  let i = 0;
  const ident = (): string | undefined => {
    const start = i;
    while (i < text.length && IDENT_CHAR.test(text[i]!)) i++;
    return i > start ? text.slice(start, i) : undefined;
  };
  const first = ident();
  if (first === undefined) return { ok: false, message: `"${text}" must start with a field name` };
  path.push(first);
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      i++;
      const key = ident();
      if (key === undefined) return { ok: false, message: `a field name must follow "." at ${i}` };
      path.push(key);
    } else if (c === '[' && text[i + 1] === '"') {
      const close = closingQuote(text, i + 2);
      if (close < 0 || text[close + 1] !== ']') return { ok: false, message: `an unterminated ["..."] at ${i}` };
      try {
        path.push(JSON.parse(text.slice(i + 1, close + 1)) as string);
      } catch {
        return { ok: false, message: `a malformed ["..."] at ${i}` };
      }
      i = close + 2;
    } else if (c === '[') {
      const close = text.indexOf(']', i);
      const digits = close < 0 ? '' : text.slice(i + 1, close);
      if (!/^(0|[1-9][0-9]{0,8})$/.test(digits)) return { ok: false, message: `an index must be [0], [1], ... at ${i}` };
      path.push(Number(digits));
      i = close + 1;
    } else {
      return { ok: false, message: `unexpected "${c}" at ${i}` };
    }
  }
  if (path.length > MAX_PATH_DEPTH) return { ok: false, message: `a path has at most ${MAX_PATH_DEPTH} segments` };
  const forbidden = path.find((p) => typeof p === 'string' && FORBIDDEN_KEYS.has(p));
  if (forbidden !== undefined) return { ok: false, message: `"${forbidden}" cannot be a field name` };
  return { ok: true, path };
}

function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** The path as parseConfigPath reads it back: `conditions[0].right`, `headers["a b"]`. */
export function formatConfigPath(path: readonly (string | number)[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : IDENT.test(p) ? (i === 0 ? p : `.${p}`) : `[${JSON.stringify(p)}]`))
    .join('');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Sets `value` at `path` inside `root`, in place (callers pass their own copy). Missing objects along the way are
 * created; an index may address an element or append one (index === length), never leave a hole.
 */
export function setAtPath(root: Record<string, unknown>, path: ConfigPath, value: unknown): { ok: true } | { ok: false; message: string } {
  let container: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const last = i === path.length - 1;
    const where = formatConfigPath(path.slice(0, i + 1));
    if (Array.isArray(container)) {
      if (typeof segment !== 'number')
        return { ok: false, message: `${formatConfigPath(path.slice(0, i))} is a list: it takes an index, not "${segment}"` };
      if (segment > container.length) return { ok: false, message: `${where} is past the end of a list of ${container.length}` };
      if (last) {
        container[segment] = value;
        return { ok: true };
      }
      if (segment === container.length) container.push(typeof path[i + 1] === 'number' ? [] : {});
      const next: unknown = container[segment];
      if (!Array.isArray(next) && !isPlainObject(next))
        return { ok: false, message: `${where} holds a ${typeOf(next)}, not an object or list` };
      container = next;
    } else {
      if (typeof segment !== 'string')
        return {
          ok: false,
          message: `${formatConfigPath(path.slice(0, i)) || 'config'} is an object: it takes a field name, not [${segment}]`,
        };
      if (last) {
        container[segment] = value;
        return { ok: true };
      }
      if (!Object.hasOwn(container, segment)) container[segment] = typeof path[i + 1] === 'number' ? [] : {};
      const next: unknown = container[segment];
      if (!Array.isArray(next) && !isPlainObject(next))
        return { ok: false, message: `${where} holds a ${typeOf(next)}, not an object or list` };
      container = next;
    }
  }
  return { ok: false, message: 'an empty path' };
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value;
}

export const MAX_VALUE_CHARS = 100_000;

/** Why a value may not be written into a document (too large, too deep, or carrying a prototype key), if it may not. */
export function valueProblem(value: unknown): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return 'the value is not JSON';
  }
  if (text === undefined) return 'the value is not JSON';
  if (text.length > MAX_VALUE_CHARS) return `the value exceeds ${MAX_VALUE_CHARS} characters of JSON`;
  // Iterative, so a deep value cannot exhaust the stack while it is being checked.
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_PATH_DEPTH) return `the value nests deeper than ${MAX_PATH_DEPTH}`;
    for (const [key, child] of Object.entries(v)) {
      if (FORBIDDEN_KEYS.has(key)) return `"${key}" cannot be a field name`;
      stack.push({ value: child, depth: depth + 1 });
    }
  }
  return undefined;
}
