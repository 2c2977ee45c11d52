// What no JSON value Loom stores or recurses over may hold, checked without recursion: U+0000 and unpaired UTF-16
// surrogates (PostgreSQL cannot store either, in text or jsonb) and nesting deeper than MAX_NESTING (the compiler,
// zod and JSON.stringify recurse and would overflow the stack). Every request body passes it
// (apps/gateway/request-guard.ts), and so does every answer a model gives (orchestrator/ai/conversation.ts).
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
