// A synchronous evaluator for the JSONata subset most config expressions use: literals, paths through objects
// ($json.a.b, $node.`id`.x, $vars.v, a.b), arithmetic, comparisons, `and`/`or`, `&`, `? :`, unary minus,
// parentheses, and a few built-ins of one argument ($uppercase, $lowercase, $trim, $length, $abs, $floor, $ceil,
// $exists, $boolean, $not). Inside the workflow every promise costs a captured stack trace (the Temporal SDK's promise hook) and
// JSONata awaits at every step (about 35 promises for `$json.x + 1`); this evaluator creates none.
// It answers only when JSONata would answer the same: it counts steps exactly as JSONata's entry hook does (so the
// step budgets and the workflow's allowance decide the same), measures what each step returns as evaluate.ts does
// (limits.ts), and on anything else (an array, a type error, a bound reached, a value it does not model) gives up
// with NOT_HANDLED, so that JSONata evaluates from the start and gives its own answer or its own error.
// A property test holds it to JSONata's answers, step counts and errors (fast-evaluator.test.ts).
import { MAX_EVALUATION_DEPTH } from '../../compiler/expressions.js';
import type { ExpressionBounds, ExpressionScope } from './evaluate.js';
import { NOT_HANDLED, type FastResult } from './fast-path.js';
import { isMeasured, MAX_BUILT_TOTAL, MAX_VALUE_SIZE, sizeOf } from './limits.js';

/** One evaluation: the context JSONata maps paths over, the steps taken and allowed, what was built. */
interface Evaluation {
  scope: ExpressionScope;
  steps: number;
  limit: number;
  built: number;
}

type Evaluator = (ev: Evaluation) => unknown;
export type FastExpression = Evaluator;

/** Thrown to give up; caught once at the top. Not an Error: nothing to capture. */
const GIVE_UP: unique symbol = Symbol('give up');
const giveUp = (): never => {
  throw GIVE_UP;
};

interface AstNode {
  type: string;
  value?: unknown;
  lhs?: AstNode;
  rhs?: AstNode;
  steps?: AstNode[];
  expressions?: AstNode[];
  condition?: AstNode;
  then?: AstNode;
  else?: AstNode;
  expression?: AstNode;
  procedure?: AstNode;
  arguments?: AstNode[];
}

/** The keys an AST node in the subset may have; any other (predicate, stages, group, focus...) is JSONata's. */
const KEYS: Record<string, readonly string[]> = {
  string: [],
  number: [],
  value: [],
  variable: [],
  name: [],
  path: ['steps'],
  binary: ['lhs', 'rhs'],
  unary: ['expression'],
  condition: ['condition', 'then', 'else'],
  block: ['expressions'],
  function: ['procedure', 'arguments'],
};
const COMMON = new Set(['type', 'value', 'position']);
/** The scope's roots; any other variable (a built-in, `$`, `$$`) is JSONata's. */
const ROOTS = new Set(['json', 'node', 'run', 'vars']);

/** Only the keys the type may have; a key JSONata's parser sets to undefined (a call's `name`) says nothing. */
function inSubset(node: AstNode): boolean {
  const allowed = KEYS[node.type];
  return allowed !== undefined && Object.entries(node).every(([k, v]) => COMMON.has(k) || allowed.includes(k) || v === undefined);
}

/**
 * The expression's evaluator, or null when it is outside the subset. `level` is JSONata's evaluation depth, which
 * does not depend on the data here: past MAX_EVALUATION_DEPTH JSONata fails (D1011), so such an expression stays
 * JSONata's, and compiling never recurses deeper than that bound.
 */
export function compileFast(ast: unknown, level = 1): FastExpression | null {
  const node = ast as AstNode;
  if (level > MAX_EVALUATION_DEPTH || !node || typeof node !== 'object' || !inSubset(node)) return null;
  const child = (n: AstNode | undefined) => (n ? compileFast(n, level + 1) : null);
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value':
      return literal(node.value);
    case 'variable':
      return typeof node.value === 'string' && ROOTS.has(node.value) ? variable(node.value as keyof ExpressionScope) : null;
    case 'name':
      return null; // only as a path step
    case 'path':
      return path(node.steps ?? [], level);
    case 'unary': {
      const operand = node.value === '-' ? child(node.expression) : null;
      return operand && negate(operand);
    }
    case 'binary': {
      const [lhs, rhs] = [child(node.lhs), child(node.rhs)];
      return lhs && rhs ? binary(String(node.value), lhs, rhs) : null;
    }
    case 'condition': {
      const [test, then] = [child(node.condition), child(node.then)];
      const otherwise = node.else === undefined ? undefined : child(node.else);
      return test && then && otherwise !== null ? condition(test, then, otherwise) : null;
    }
    case 'block': {
      const parts = (node.expressions ?? []).map(child);
      return parts.every((p) => p !== null) ? block(parts as Evaluator[]) : null;
    }
    case 'function': {
      // `$name(one argument)` for a built-in modelled below; the procedure is looked up (a step) at the next level.
      const [procedure, args] = [node.procedure, node.arguments ?? []];
      const builtin = procedure?.type === 'variable' && inSubset(procedure) ? BUILTINS[String(procedure.value)] : undefined;
      const argument = builtin && args.length === 1 && level + 1 <= MAX_EVALUATION_DEPTH ? child(args[0]) : null;
      return builtin && argument ? call(builtin, argument) : null;
    }
    default:
      return null;
  }
}

/** Evaluates within the bounds JSONata would have; NOT_HANDLED leaves the whole expression to JSONata. */
export function evaluateFast(expression: FastExpression, scope: ExpressionScope, bounds: ExpressionBounds, maxSteps: number): FastResult {
  // An array as the context gets JSONata's sequence rules; a context it would measure as too large is its to refuse.
  if (Array.isArray(scope.json)) return NOT_HANDLED;
  const allowance = bounds.allowance;
  const ev: Evaluation = { scope, steps: 0, limit: Math.min(maxSteps, allowance ? allowance.remaining : Infinity), built: 0 };
  let result: unknown;
  try {
    result = expression(ev);
  } catch {
    return NOT_HANDLED;
  }
  if (allowance) allowance.remaining -= ev.steps;
  // As evaluate.ts hands JSONata's results to nodes: plain JSON (a copy; NaN and Infinity become null).
  return result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
}

/** JSONata's entry hook (evaluate.ts countStep): one step per sub-expression entered. */
function enter(ev: Evaluation): void {
  if (++ev.steps > ev.limit) giveUp();
}

/**
 * JSONata's exit hook (evaluate.ts measureStep): every result measured, fresh strings and objects of operators
 * counted towards the evaluation's total. A function-like object (`_jsonata_lambda`...) JSONata treats as a function.
 */
function exit(ev: Evaluation, result: unknown, builds = false): unknown {
  if (typeof result === 'string') {
    const size = sizeOf(result);
    if (builds && (ev.built += size) > MAX_BUILT_TOTAL) giveUp();
  } else if (typeof result === 'object' && result !== null) {
    if (Array.isArray(result) || isFunctionLike(result)) giveUp();
    const fresh = !isMeasured(result);
    const size = sizeOf(result);
    if (fresh && builds && (ev.built += size) > MAX_BUILT_TOTAL) giveUp();
  }
  return result;
}

const isFunctionLike = (v: object) =>
  (v as { _jsonata_function?: unknown })._jsonata_function === true || (v as { _jsonata_lambda?: unknown })._jsonata_lambda === true;

function literal(value: unknown): Evaluator {
  return (ev) => {
    enter(ev);
    return exit(ev, value);
  };
}

function variable(root: keyof ExpressionScope): Evaluator {
  return (ev) => {
    enter(ev);
    return exit(ev, ev.scope[root]);
  };
}

/**
 * A path of names, from a scope root or from the context. JSONata wraps the context in a sequence (measured), then
 * steps while a step yields something, pushing each value into sequences (measured again).
 */
function path(steps: AstNode[], level: number): Evaluator | null {
  const [first, ...rest] = steps;
  const isName = (s: AstNode) => s.type === 'name' && inSubset(s) && typeof s.value === 'string';
  if (!first || level + 1 > MAX_EVALUATION_DEPTH || !rest.every(isName)) return null;
  // The first step is a name on the context, a scope root, or a parenthesised expression; anything else is JSONata's.
  const start = isName(first)
    ? name(first.value as string)
    : ['variable', 'block'].includes(first.type)
      ? compileFast(first, level + 1)
      : null;
  if (!start) return null;
  const names = rest.map((s) => name(s.value as string));
  return (ev) => {
    enter(ev);
    sizeOf([ev.scope.json]);
    let value = pushed(start(ev, ev.scope.json));
    for (let i = 0; i < names.length && value !== undefined; i++) value = pushed(names[i]!(ev, value));
    return value;
  };
}

/** A step's value pushed into a sequence: JSONata refuses a sequence past the size bound. */
function pushed(value: unknown): unknown {
  if (value !== undefined && sizeOf(value) + 3 > MAX_VALUE_SIZE) giveUp();
  return value;
}

/** A name step (JSONata's lookup): the own property of an object, else nothing. */
function name(key: string): (ev: Evaluation, input: unknown) => unknown {
  return (ev, input) => {
    enter(ev);
    if (typeof input !== 'object' || input === null) return undefined;
    if (Array.isArray(input) || isFunctionLike(input)) giveUp();
    return exit(ev, Object.hasOwn(input, key) ? (input as Record<string, unknown>)[key] : undefined);
  };
}

/** A number JSONata computes with: finite (an infinite one is D1001, NaN is not numeric). */
function numeric(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) giveUp();
  return value as number;
}

function negate(operand: Evaluator): Evaluator {
  return (ev) => {
    enter(ev);
    const value = numeric(operand(ev));
    return value === undefined ? undefined : -value;
  };
}

/** JSONata's effective boolean value (fn.boolean), for the values this evaluator holds. */
function truthy(value: unknown): boolean | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'string':
      return value.length > 0;
    case 'number':
      if (!Number.isFinite(value) && !Number.isNaN(value)) giveUp();
      return value !== 0 && !Number.isNaN(value);
    case 'boolean':
      return value;
    default:
      return value !== null && Object.keys(value as object).length > 0;
  }
}

/** JSONata's $string for `&`: numbers to 15 significant digits, objects as JSON. */
function text(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && !Number.isFinite(value)) giveUp();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) giveUp();
      return Number.isInteger(v) ? v : Number(v.toPrecision(15));
    }
    if (typeof v === 'object' && v !== null && (Array.isArray(v) || isFunctionLike(v))) giveUp();
    return v;
  });
}

type Operator = (lhs: unknown, rhs: unknown) => unknown;

function arithmetic(op: (a: number, b: number) => number): Operator {
  return (lhs, rhs) => {
    const [a, b] = [numeric(lhs), numeric(rhs)];
    return a === undefined || b === undefined ? undefined : op(a, b);
  };
}

/** `=` and `!=` on primitives; JSONata compares objects deeply, which is its to do. */
function equality(equal: boolean): Operator {
  return (lhs, rhs) => {
    if (lhs === undefined || rhs === undefined) return false;
    if ((typeof lhs === 'object' && lhs !== null) || (typeof rhs === 'object' && rhs !== null)) giveUp();
    return (lhs === rhs) === equal;
  };
}

function comparison(op: (a: number | string, b: number | string) => boolean): Operator {
  return (lhs, rhs) => {
    const comparable = (v: unknown) => v === undefined || typeof v === 'string' || typeof v === 'number';
    if (!comparable(lhs) || !comparable(rhs)) giveUp();
    if (lhs === undefined || rhs === undefined) return undefined;
    if (typeof lhs !== typeof rhs) giveUp();
    return op(lhs as number | string, rhs as number | string);
  };
}

const OPERATORS: Record<string, Operator> = {
  '+': arithmetic((a, b) => a + b),
  '-': arithmetic((a, b) => a - b),
  '*': arithmetic((a, b) => a * b),
  '/': arithmetic((a, b) => a / b),
  '%': arithmetic((a, b) => a % b),
  '=': equality(true),
  '!=': equality(false),
  '<': comparison((a, b) => a < b),
  '<=': comparison((a, b) => a <= b),
  '>': comparison((a, b) => a > b),
  '>=': comparison((a, b) => a >= b),
  '&': (lhs, rhs) => text(lhs) + text(rhs),
};

function binary(op: string, lhs: Evaluator, rhs: Evaluator): Evaluator | null {
  // `and` and `or` evaluate their right side only when it decides (so its steps are counted only then).
  if (op === 'and' || op === 'or')
    return (ev) => {
      enter(ev);
      const left = truthy(lhs(ev)) ?? false;
      if (left === (op === 'or')) return left;
      return truthy(rhs(ev)) ?? false;
    };
  const apply = OPERATORS[op];
  if (!apply) return null;
  return (ev) => {
    enter(ev);
    const left = lhs(ev);
    return exit(ev, apply(left, rhs(ev)), true);
  };
}

function condition(test: Evaluator, then: Evaluator, otherwise: Evaluator | undefined): Evaluator {
  return (ev) => {
    enter(ev);
    if (truthy(test(ev))) return exit(ev, then(ev));
    return otherwise ? exit(ev, otherwise(ev)) : undefined;
  };
}

function block(parts: Evaluator[]): Evaluator {
  return (ev) => {
    enter(ev);
    let result: unknown;
    for (const part of parts) result = part(ev);
    return exit(ev, result);
  };
}

/** A built-in of one argument as JSONata has it: its signature's check (undefined passes), then the function. */
type Builtin = (value: unknown) => unknown;

/** `<s-:s>` and `<s-:n>`: a string or nothing (anything else is T0410, JSONata's to raise). */
const onString =
  (f: (s: string) => unknown): Builtin =>
  (v) =>
    v === undefined ? undefined : typeof v === 'string' ? f(v) : giveUp();
/** `<n-:n>`: a number or nothing; an infinite one is left to JSONata. */
const onNumber =
  (f: (n: number) => number): Builtin =>
  (v) =>
    v === undefined ? undefined : typeof v === 'number' && Number.isFinite(v) ? f(v) : giveUp();

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** JSONata's $trim: runs of space, tab, CR and LF become one space, then one leading and one trailing space go. */
function trim(s: string): string {
  let result = s.replace(/[ \t\n\r]+/gm, ' ');
  if (result.charAt(0) === ' ') result = result.substring(1);
  if (result.charAt(result.length - 1) === ' ') result = result.substring(0, result.length - 1);
  return result;
}

/** Not among the built-ins evaluate.ts shadows (guarded-builtins.ts), so JSONata's own are what is modelled. */
const BUILTINS: Record<string, Builtin> = {
  uppercase: onString((s) => s.toUpperCase()),
  lowercase: onString((s) => s.toLowerCase()),
  trim: onString(trim),
  length: onString(codePoints),
  abs: onNumber(Math.abs),
  floor: onNumber(Math.floor),
  ceil: onNumber(Math.ceil),
  exists: (v) => v !== undefined,
  boolean: (v) => truthy(v),
  not: (v) => {
    const b = truthy(v);
    return b === undefined ? undefined : !b;
  },
};

/** A call: the call's step, the procedure's (a variable looked up), the argument's; a new result is built. */
function call(builtin: Builtin, argument: Evaluator): Evaluator {
  return (ev) => {
    enter(ev);
    enter(ev);
    return exit(ev, builtin(argument(ev)), true);
  };
}
