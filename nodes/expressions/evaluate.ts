// Evaluates `{{ }}` templates in a node's config against its scope: $json (input), $node (upstream outputs),
// $run (run metadata) and $vars (workflow variables). JSONata interprets; nothing is eval'd. Each evaluation
// has a step budget, counted not timed, so a runaway expression fails the same way on every replay.
// No Node built-ins: pure nodes are resolved inside the workflow sandbox with this same code.
import type jsonata from 'jsonata';
import { hasTemplate, isPureExpression, parseTemplate, TemplateError, type Segment } from '../../compiler/expressions.js';
import { NodeError } from '../sdk/errors.js';
import { compilePath, NOT_HANDLED, readPath } from './fast-path.js';

export interface ExpressionScope {
  json: unknown;
  node: Record<string, unknown>;
  run: { id: string; workflowId?: string; startedAt?: string };
  vars: Record<string, unknown>;
}

const STEP_BUDGET = 100_000;
const ENTRY = Symbol.for('jsonata.__evaluate_entry');
const BUDGET_KEY = '__loomBudget';

// Parsing is the costly part and config strings repeat on every run: keep a bounded cache.
const cache = new Map<string, Segment[]>();
const CACHE_LIMIT = 2_000;

function segmentsOf(text: string): Segment[] {
  let segments = cache.get(text);
  if (!segments) {
    segments = parseTemplate(text);
    for (const s of segments) if (s.kind === 'expression') s.expression.assign(ENTRY as unknown as string, countStep);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(text, segments);
  }
  return segments;
}

interface Environment {
  lookup(name: string): unknown;
}

function countStep(_expr: unknown, _input: unknown, environment: Environment): void {
  const budget = environment.lookup(BUDGET_KEY) as { steps: number } | undefined;
  if (budget && ++budget.steps > STEP_BUDGET) throw new NodeError('EXPRESSION_FAILED', `Expression exceeded ${STEP_BUDGET} evaluation steps`);
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

async function evaluateExpression(expression: jsonata.Expression, source: string, scope: ExpressionScope): Promise<unknown> {
  try {
    const result: unknown = await expression.evaluate(scope.json, { json: scope.json, node: scope.node, run: scope.run, vars: scope.vars, [BUDGET_KEY]: { steps: 0 } });
    // JSONata returns sequences (arrays with extra flags); hand plain JSON to nodes.
    return result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
  } catch (err) {
    if (err instanceof NodeError) throw err;
    throw new NodeError('EXPRESSION_FAILED', `{{${source}}} failed: ${describe(err)}`, { expression: source.trim() });
  }
}

type Expr = Extract<Segment, { kind: 'expression' }>;

/** A plain path is read directly (fast-path.ts); anything else is JSONata's. */
function evaluateSegment(segment: Expr, scope: ExpressionScope): unknown {
  let path = fastPaths.get(segment.expression);
  if (path === undefined) fastPaths.set(segment.expression, (path = compilePath(segment.source)));
  if (path) {
    const value = readPath(path, scope);
    if (value !== NOT_HANDLED) return value;
  }
  return evaluateExpression(segment.expression, segment.source, scope);
}
const fastPaths = new WeakMap<jsonata.Expression, ReturnType<typeof compilePath>>();

/** Realm-independent (the workflow sandbox has its own Promise); JSON data never holds a `then` function. */
const isPending = (v: unknown): v is Promise<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';

const interpolate = (value: unknown) => (value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

/**
 * One string, resolved: a whole-string expression keeps its value's type; mixed text interpolates. Synchronous
 * when every expression in it is a plain path (no promise at all), a promise otherwise.
 */
function resolveStringNow(text: string, scope: ExpressionScope): unknown {
  if (!hasTemplate(text)) return text;
  let segments: Segment[];
  try {
    segments = segmentsOf(text);
  } catch (err) {
    throw new NodeError('EXPRESSION_FAILED', err instanceof TemplateError ? err.message : describe(err));
  }
  if (isPureExpression(segments)) return evaluateSegment(segments[0] as Expr, scope);
  const parts = segments.map((s) => (s.kind === 'text' ? s.text : evaluateSegment(s, scope)));
  const join = (values: unknown[]) => values.map((v, i) => (segments[i]!.kind === 'text' ? v : interpolate(v))).join('');
  return parts.some(isPending) ? Promise.all(parts).then(join) : join(parts);
}

/** Resolves one string: a whole-string expression keeps its value's type; mixed text interpolates. */
export async function resolveString(text: string, scope: ExpressionScope): Promise<unknown> {
  return resolveStringNow(text, scope);
}

/**
 * Resolves every template in a config value, at any depth; non-strings pass through untouched. The walk is
 * synchronous and copies only what holds a template; only expressions that need JSONata are awaited.
 */
export async function resolveConfig<T>(value: T, scope: ExpressionScope): Promise<T> {
  const pending: Promise<void>[] = [];
  const resolved = walk(value, scope, pending);
  if (pending.length > 0) await Promise.all(pending);
  return resolved as T;
}

/** A copy of `value` with every template resolved; a JSONata result still pending fills its place when it settles. */
function walk(value: unknown, scope: ExpressionScope, pending: Promise<void>[]): unknown {
  if (typeof value === 'string') return resolveStringNow(value, scope);
  if (!value || typeof value !== 'object') return value;
  const out = (Array.isArray(value) ? [] : {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) {
    const r = walk(v, scope, pending);
    out[k] = r;
    if (isPending(r)) pending.push(r.then((x: unknown) => void (out[k] = x)));
  }
  return out;
}
