// The one guard every request body, query and path (and every WebSocket message) passes before validation. It
// refuses what no later layer can handle gracefully: U+0000 and unpaired UTF-16 surrogates (PostgreSQL cannot store
// either, in text or jsonb, and the query that first touched them would fail as a 500), and nesting deeper than
// MAX_NESTING (the compiler, zod and JSON.stringify recurse and would overflow the stack). JSON.parse itself is
// iterative, so this runs before anything recursive sees the value; the walk is iterative too, with no depth cap of
// its own, so nothing hides below a level it would not look at.
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/** Generous for any workflow document (a config's own JSON included), far below where recursion would break. */
export const MAX_NESTING = 128;

/** U+0000, or a surrogate that is not half of a pair (in `u` mode a well-formed pair is one code point, not Cs). */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const UNSTORABLE = /[\u0000\p{Cs}]/u;

export type GuardProblem = { kind: 'unstorable'; where: string } | { kind: 'too_deep'; where: string };

/** One object or array being walked: its children are visited by position, with no copy of them made. */
interface Frame {
  key: string;
  value: Record<string, unknown> | unknown[];
  /** An object's own keys; null for an array (children by index). */
  keys: string[] | null;
  next: number;
}

const frameOf = (key: string, value: object): Frame =>
  Array.isArray(value)
    ? { key, value, keys: null, next: 0 }
    : { key, value: value as Record<string, unknown>, keys: Object.keys(value), next: 0 };

const pathOf = (root: string, stack: readonly Frame[], key?: string) =>
  [root, ...stack.slice(1).map((f) => f.key), ...(key === undefined ? [] : [key])].join('.');

/** The first problem in `value` (named by a path from `root`), or undefined. Depth-first, without recursion. */
export function findProblem(value: unknown, root: string): GuardProblem | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? { kind: 'unstorable', where: root } : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const stack: Frame[] = [frameOf(root, value)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const size = top.keys ? top.keys.length : (top.value as unknown[]).length;
    if (top.next >= size) {
      stack.pop();
      continue;
    }
    const index = top.next++;
    const key = top.keys ? top.keys[index]! : String(index);
    if (top.keys && UNSTORABLE.test(key)) return { kind: 'unstorable', where: `${pathOf(root, stack)}.${JSON.stringify(key)}` };
    const child = top.keys ? (top.value as Record<string, unknown>)[key] : (top.value as unknown[])[index];
    if (typeof child === 'string') {
      if (UNSTORABLE.test(child)) return { kind: 'unstorable', where: pathOf(root, stack, key) };
    } else if (typeof child === 'object' && child !== null) {
      if (stack.length >= MAX_NESTING) return { kind: 'too_deep', where: pathOf(root, stack, key) };
      stack.push(frameOf(key, child));
    }
  }
  return undefined;
}

/** The refusal for a problem: the error code and a message naming where it is. */
export function refusalOf(problem: GuardProblem): { code: 'VALIDATION_FAILED' | 'NESTING_TOO_DEEP'; message: string } {
  if (problem.kind === 'too_deep')
    return { code: 'NESTING_TOO_DEEP', message: `${problem.where} is nested deeper than ${MAX_NESTING} levels` };
  return {
    code: 'VALIDATION_FAILED',
    message: `${problem.where} contains a NUL character (\\u0000) or an unpaired surrogate (such as \\ud800), which cannot be stored`,
  };
}

/** A preValidation hook for every route. */
export async function guardRequest(req: FastifyRequest): Promise<void> {
  // A raw body (a webhook's, kept as bytes for its signature) is checked by its route once it is parsed.
  const body = Buffer.isBuffer(req.body) ? undefined : req.body;
  const problem = findProblem(req.params, 'params') ?? findProblem(req.query, 'query') ?? findProblem(body, 'body');
  if (!problem) return;
  const { code, message } = refusalOf(problem);
  throw new ApiError(code, message);
}
