// The common expression, a plain path (`$json.customer.email`, `$node.fetch.body`, `$vars.region`), read without
// JSONata. Inside the workflow every promise costs a captured stack trace (Temporal's SDK hooks promise creation
// for its stack-trace query), and JSONata's evaluator awaits at every step: a path read directly costs nothing.
// Only what is certain is taken: a step onto an array (JSONata maps over it) or a result that is an array (JSONata
// sequences have their own rules) goes to JSONata. A property test holds this to JSONata's answers.
import type { ExpressionScope } from './evaluate.js';

/** `$root.name.name`: identifiers or backtick-quoted names after one of the scope's roots. */
const PATH = /^\s*\$(json|node|run|vars)((?:\.(?:[A-Za-z_][A-Za-z0-9_]*|`[^`]+`))*)\s*$/;
const STEP = /\.(?:([A-Za-z_][A-Za-z0-9_]*)|`([^`]+)`)/g;

/** Compiled once per expression source: the root and the names, or null when this is not a plain path. */
export function compilePath(source: string): { root: keyof ExpressionScope; names: string[] } | null {
  const match = PATH.exec(source);
  if (!match) return null;
  const names: string[] = [];
  for (const step of (match[2] ?? '').matchAll(STEP)) names.push((step[1] ?? step[2]) as string);
  return { root: match[1] as keyof ExpressionScope, names };
}

const NOT_HANDLED = Symbol('not handled');
export type FastResult = unknown | typeof NOT_HANDLED;
export { NOT_HANDLED };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The path's value, or NOT_HANDLED when JSONata's own rules could make a difference. */
export function readPath(path: { root: keyof ExpressionScope; names: string[] }, scope: ExpressionScope): FastResult {
  // `$json` alone is the input itself: JSONata gives it back as is (arrays included), which is what we do too only
  // for objects and primitives.
  let current: unknown = scope[path.root];
  for (const name of path.names) {
    if (current === undefined || current === null) return undefined;
    if (Array.isArray(current)) return NOT_HANDLED;
    if (!isPlainObject(current)) return undefined;
    current = Object.hasOwn(current, name) ? current[name] : undefined;
  }
  if (Array.isArray(current)) return NOT_HANDLED;
  // Nodes get plain JSON, as from JSONata (a copy: a node must not change another node's output).
  return current === undefined ? undefined : (JSON.parse(JSON.stringify(current)) as unknown);
}
