// Evaluates `{{ }}` templates in a node's config against its scope: $json (input), $node (upstream outputs),
// $run (run metadata) and $vars (workflow variables). JSONata interprets; nothing is eval'd. Each evaluation
// has a step budget, counted not timed, so a runaway expression fails the same way on every replay, and bounds on
// the size of what it builds and on its nesting (limits.ts); breaking one is EXPRESSION_LIMIT, never retried.
// No Node built-ins: pure nodes are resolved inside the workflow sandbox with this same code.
import type jsonata from 'jsonata';
import {
  hasTemplate,
  isPureExpression,
  MAX_EVALUATION_DEPTH,
  parseTemplate,
  TemplateError,
  type Segment,
} from '../../compiler/expressions.js';
import { NodeError } from '../sdk/errors.js';
import { compileFast, evaluateFast, type FastExpression } from './fast-evaluator.js';
import { compilePath, NOT_HANDLED, readPath } from './fast-path.js';
import { GUARDED_BUILTINS } from './guarded-builtins.js';
import { checkedSize, isMeasured, limitError, MAX_BUILT_TOTAL, sizeOf } from './limits.js';

export interface ExpressionScope {
  json: unknown;
  node: Record<string, unknown>;
  run: { id: string; workflowId?: string; startedAt?: string };
  vars: Record<string, unknown>;
}

/** Steps one evaluation may take unless the caller asks for fewer (the workflow does, see nodes/runtime/evaluate-pure.ts). */
export const STEP_BUDGET = 100_000;
const ENTRY = Symbol.for('jsonata.__evaluate_entry');
const EXIT = Symbol.for('jsonata.__evaluate_exit');
const BUDGET_KEY = '__loomBudget';

/** What one evaluation has spent: steps, and characters of values it built (see limits.ts). */
interface Budget {
  steps: number;
  maxSteps: number;
  built: number;
  allowance: { remaining: number } | undefined;
  /** The bound this evaluation broke: $eval wraps the errors of what it evaluates, this keeps the code. */
  exceeded?: NodeError;
}

/** Remembers a broken bound in the evaluation's budget, and gives the error back to be thrown. */
function exceeded(environment: Environment | undefined, err: unknown): unknown {
  const budget = environment?.lookup(BUDGET_KEY) as Budget | undefined;
  if (budget && err instanceof NodeError && err.code === 'EXPRESSION_LIMIT') budget.exceeded ??= err;
  return err;
}

type Implementation = Parameters<jsonata.Expression['registerFunction']>[1];
/** A shadowed built-in whose refusals are remembered (see Budget.exceeded). */
function remembering(implementation: Implementation): Implementation {
  return function (this: jsonata.Focus, ...args: unknown[]): unknown {
    try {
      const result: unknown = implementation.apply(this, args);
      return isPending(result)
        ? result.then(undefined, (err: unknown) => Promise.reject(exceeded(this.environment as Environment, err)))
        : result;
    } catch (err) {
      throw exceeded(this.environment as Environment, err);
    }
  };
}

// Parsing is the costly part and config strings repeat on every run: keep a bounded cache.
const cache = new Map<string, Segment[]>();
const CACHE_LIMIT = 2_000;

function segmentsOf(text: string): Segment[] {
  let segments = cache.get(text);
  if (!segments) {
    segments = parseTemplate(text);
    for (const s of segments) if (s.kind === 'expression') guard(s.expression);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(text, segments);
  }
  return segments;
}

export interface ExpressionBounds {
  /** Steps each expression may take (default STEP_BUDGET). */
  maxSteps?: number;
  /** Steps all the expressions sharing this allowance may take together; each step takes one. */
  allowance?: { remaining: number };
  /**
   * False leaves every expression but a plain path to JSONata, as before fast-evaluator.ts existed: the workflow
   * passes it for runs recorded then, whose replays must settle promises in the same order. Default true.
   */
  fastEvaluator?: boolean;
}

interface Environment {
  lookup(name: string): unknown;
  /** The evaluation's root frame, where JSONata keeps the sequence factory its built-ins and path steps use. */
  base?: { createSequence?: (...items: unknown[]) => unknown[]; [SEQUENCES_GUARDED]?: true };
}
const SEQUENCES_GUARDED = Symbol('sequences guarded');

/** The hooks and shadowed built-ins that bound an expression (JSONata looks hooks up by these symbols). */
function guard(expression: jsonata.Expression): void {
  expression.assign(ENTRY as unknown as string, countStep);
  expression.assign(EXIT as unknown as string, measureStep);
  for (const [name, implementation, signature] of GUARDED_BUILTINS)
    expression.registerFunction(name, remembering(implementation), signature);
}

function countStep(_expr: unknown, _input: unknown, environment: Environment): void {
  const base = environment.base;
  if (base && !base[SEQUENCES_GUARDED]) {
    base[SEQUENCES_GUARDED] = true;
    if (base.createSequence) base.createSequence = guardedSequences(base.createSequence, environment);
  }
  const budget = environment.lookup(BUDGET_KEY) as Budget | undefined;
  if (!budget) return;
  if (++budget.steps > budget.maxSteps)
    throw exceeded(environment, limitError('steps', `Expression exceeded ${budget.maxSteps} evaluation steps`));
  if (budget.allowance && --budget.allowance.remaining < 0)
    throw exceeded(environment, limitError('steps', 'Expressions exceeded the steps allowed to them together'));
}

/**
 * Sequences that measure what is pushed into them. $map, $filter, path steps over arrays... gather results into a
 * sequence and return it only at the end; a result returned by a tail call (JSONata trampolines those) passes no
 * step exit on its way in, so without this a sequence could grow unchecked until its step ends.
 */
function guardedSequences(create: (...items: unknown[]) => unknown[], environment: Environment) {
  return function createSequence(this: unknown, ...items: unknown[]): unknown[] {
    const sequence = create.apply(this, items);
    const push = sequence.push;
    let size = items.length === 0 ? 2 : sizeOf(sequence);
    sequence.push = function (...pushed: unknown[]): number {
      try {
        for (let i = 0; i < pushed.length; i++) size = checkedSize(size + sizeOf(pushed[i]) + 1);
      } catch (err) {
        throw exceeded(environment, err);
      }
      return push.apply(this, pushed);
    };
    return sequence;
  };
}

/** Steps whose result is new (the rest pass on a value that exists already). */
const BUILDERS = new Set(['binary', 'unary', 'function', 'apply', 'partial', 'transform']);

/** Every step's result is within the size bound: the induction limits.ts relies on. */
function measureStep(expr: { type?: string }, _input: unknown, environment: Environment, result: unknown): void {
  if (typeof result !== 'string' && (typeof result !== 'object' || result === null)) return;
  const fresh = typeof result === 'string' || (typeof result === 'object' && result !== null && !isMeasured(result));
  let size: number;
  try {
    size = sizeOf(result);
  } catch (err) {
    throw exceeded(environment, err);
  }
  if (!fresh || !BUILDERS.has(expr.type ?? '')) return;
  const budget = environment.lookup(BUDGET_KEY) as Budget | undefined;
  if (budget && (budget.built += size) > MAX_BUILT_TOTAL)
    throw exceeded(environment, limitError('built', `Expression built more than ${MAX_BUILT_TOTAL} characters of values in all`));
}

/** JSONata's own codes for its bounds, and the engine's, mapped once to EXPRESSION_LIMIT. */
const JSONATA_LIMITS: Record<string, 'evaluationDepth' | 'size'> = { D1011: 'evaluationDepth', D2014: 'size' };

function limitOf(err: unknown): NodeError | undefined {
  const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : undefined;
  const limit = code ? JSONATA_LIMITS[code] : undefined;
  if (limit === 'evaluationDepth')
    return limitError(limit, `Expression nested deeper than ${MAX_EVALUATION_DEPTH} levels (runaway recursion?)`);
  if (limit) return limitError(limit, describe(err));
  // The engine's own bounds as a last line: a string past V8's maximum length, a stack that ran out.
  if (err instanceof RangeError) return limitError('size', err.message);
  return undefined;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

async function evaluateExpression(
  expression: jsonata.Expression,
  source: string,
  scope: ExpressionScope,
  bounds: ExpressionBounds,
): Promise<unknown> {
  const budget: Budget = { steps: 0, maxSteps: bounds.maxSteps ?? STEP_BUDGET, built: 0, allowance: bounds.allowance };
  try {
    const result: unknown = await expression.evaluate(scope.json, {
      json: scope.json,
      node: scope.node,
      run: scope.run,
      vars: scope.vars,
      [BUDGET_KEY]: budget,
    });
    // JSONata returns sequences (arrays with extra flags); hand plain JSON to nodes.
    return result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
  } catch (err) {
    if (err instanceof NodeError) throw err;
    const limit = budget.exceeded ?? limitOf(err);
    if (limit) throw new NodeError(limit.code, `{{${source}}} failed: ${limit.message}`, { ...limit.details, expression: source.trim() });
    throw new NodeError('EXPRESSION_FAILED', `{{${source}}} failed: ${describe(err)}`, { expression: source.trim() });
  }
}

type Expr = Extract<Segment, { kind: 'expression' }>;
type SegmentEvaluator = (segment: Expr, scope: ExpressionScope, bounds: ExpressionBounds) => unknown;

/** How an expression can be answered without JSONata, worked out once per parsed expression. */
interface Shortcuts {
  path: ReturnType<typeof compilePath>;
  evaluator: FastExpression | null;
}
// Keyed by the parsed expression, which lives as long as the bounded template cache keeps it: bounded memory.
const shortcuts = new WeakMap<jsonata.Expression, Shortcuts>();

function shortcutsOf(segment: Expr): Shortcuts {
  let found = shortcuts.get(segment.expression);
  if (!found) {
    const path = compilePath(segment.source);
    found = { path, evaluator: path ? null : compileFast(segment.expression.ast()) };
    shortcuts.set(segment.expression, found);
  }
  return found;
}

/**
 * A plain path is read directly (fast-path.ts, no steps counted, as since it was introduced); the subset
 * fast-evaluator.ts models is evaluated synchronously, counting JSONata's steps; anything else is JSONata's.
 */
function evaluateSegment(segment: Expr, scope: ExpressionScope, bounds: ExpressionBounds): unknown {
  const { path, evaluator } = shortcutsOf(segment);
  const fast = path
    ? readPath(path, scope)
    : evaluator && bounds.fastEvaluator !== false
      ? evaluateFast(evaluator, scope, bounds, bounds.maxSteps ?? STEP_BUDGET)
      : NOT_HANDLED;
  return fast !== NOT_HANDLED ? fast : evaluateByJsonata(segment, scope, bounds);
}

const evaluateByJsonata: SegmentEvaluator = (segment, scope, bounds) =>
  evaluateExpression(segment.expression, segment.source, scope, bounds);

/** Realm-independent (the workflow sandbox has its own Promise); JSON data never holds a `then` function. */
export const isPending = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as { then?: unknown } | null)?.then === 'function';

const interpolate = (value: unknown) =>
  value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);

/**
 * One string, resolved: a whole-string expression keeps its value's type; mixed text interpolates. Synchronous
 * when a fast path answers every expression in it (no promise at all), a promise otherwise.
 */
function resolveStringNow(text: string, scope: ExpressionScope, bounds: ExpressionBounds, evaluate = evaluateSegment): unknown {
  if (!hasTemplate(text)) return text;
  let segments: Segment[];
  try {
    segments = segmentsOf(text);
  } catch (err) {
    throw new NodeError('EXPRESSION_FAILED', err instanceof TemplateError ? err.message : describe(err));
  }
  if (isPureExpression(segments)) return evaluate(segments[0] as Expr, scope, bounds);
  const parts = segments.map((s) => (s.kind === 'text' ? s.text : evaluate(s, scope, bounds)));
  const join = (values: unknown[]) => values.map((v, i) => (segments[i]!.kind === 'text' ? v : interpolate(v))).join('');
  return parts.some(isPending) ? Promise.all(parts).then(join) : join(parts);
}

/** Resolves one string: a whole-string expression keeps its value's type; mixed text interpolates. */
export async function resolveString(text: string, scope: ExpressionScope, bounds: ExpressionBounds = {}): Promise<unknown> {
  return resolveStringNow(text, scope, bounds);
}

/** resolveString with JSONata alone: the reference the fast paths are held to (their tests, the pure benchmark). */
export async function resolveStringByJsonata(text: string, scope: ExpressionScope, bounds: ExpressionBounds = {}): Promise<unknown> {
  return resolveStringNow(text, scope, bounds, evaluateByJsonata);
}

/**
 * Resolves every template in a config value, at any depth; non-strings pass through untouched. The walk is
 * synchronous and copies only what holds a template; only expressions that need JSONata are awaited.
 */
export async function resolveConfig<T>(value: T, scope: ExpressionScope, bounds: ExpressionBounds = {}): Promise<T> {
  const pending: Promise<void>[] = [];
  const resolved = walk(value, scope, pending, bounds);
  if (pending.length > 0) await Promise.all(pending);
  return resolved as T;
}

/**
 * resolveConfig without a promise when no expression needs JSONata: inside the workflow each promise costs a
 * captured stack, and a node whose config resolves at once can be settled at once (workflows/steps/pure.ts).
 */
export function resolveConfigNow<T>(value: T, scope: ExpressionScope, bounds: ExpressionBounds = {}): T | Promise<T> {
  const pending: Promise<void>[] = [];
  const resolved = walk(value, scope, pending, bounds) as T;
  return pending.length > 0 ? Promise.all(pending).then(() => resolved) : resolved;
}

/** A copy of `value` with every template resolved; a JSONata result still pending fills its place when it settles. */
function walk(value: unknown, scope: ExpressionScope, pending: Promise<void>[], bounds: ExpressionBounds): unknown {
  if (typeof value === 'string') return resolveStringNow(value, scope, bounds);
  if (!value || typeof value !== 'object') return value;
  const out = (Array.isArray(value) ? [] : {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) {
    const r = walk(v, scope, pending, bounds);
    out[k] = r;
    if (isPending(r)) pending.push(r.then((x: unknown) => void (out[k] = x)));
  }
  return out;
}
