// Reads one parsed `{{ }}` expression against what the node will see: which variables exist ($json, $node, $run,
// $vars and the ones the expression binds itself), which fields the shapes upstream allow, which functions JSONata
// has and how many arguments they take. Also infers the type of the expression's value where the AST says it
// (a literal, arithmetic, a concatenation, a path into a known shape), for TYPE_MISMATCH. Unknown stays permissive.
import { JSONATA_FUNCTIONS } from './jsonata-functions.js';
import { closest, fieldOf, type Shape, union } from './shapes.js';

/** What an expression sees besides its own bindings: the node's input and the outputs of nodes before it. */
export interface ExpressionEnv {
  json: Shape | undefined;
  /** The output of node `id` as $node.<id> reads it; undefined when unknown (or when there is no such node). */
  node(id: string): Shape | undefined;
  vars: Shape | undefined;
}

export interface ExpressionIssue {
  code: 'UNKNOWN_VARIABLE' | 'UNKNOWN_FIELD' | 'BAD_EXPRESSION';
  message: string;
  details: Record<string, unknown>;
}

/** The scope every expression is evaluated in (nodes/expressions/evaluate.ts `ExpressionScope`). */
export const SCOPE_VARIABLES = ['json', 'node', 'run', 'vars'] as const;

const RUN_SHAPE: Shape = {
  type: 'object',
  properties: { id: { type: 'string' }, workflowId: { type: 'string' }, startedAt: { type: 'string' } },
  additionalProperties: false,
};

interface Ast {
  type?: string;
  value?: unknown;
  [key: string]: unknown;
}

const isAst = (v: unknown): v is Ast => v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as Ast).type === 'string';

// Bound names depend on the expression alone, and parsed expressions are cached and shared: read each AST once.
const boundByAst = new WeakMap<object, Set<string>>();
function boundNamesOf(ast: unknown): Set<string> {
  if (ast === null || typeof ast !== 'object') return new Set();
  let names = boundByAst.get(ast);
  if (!names) boundByAst.set(ast, (names = boundNames(ast)));
  return names;
}

/** Names the expression binds itself: `$x := ...`, lambda parameters, `@$item` and `#$index`. */
function boundNames(ast: unknown, into = new Set<string>(), depth = 0): Set<string> {
  if (depth > 500) return into;
  if (Array.isArray(ast)) {
    for (const v of ast) boundNames(v, into, depth + 1);
    return into;
  }
  if (ast === null || typeof ast !== 'object') return into;
  const node = ast as Ast;
  if (node.type === 'bind' && isAst(node.lhs) && typeof node.lhs.value === 'string') into.add(node.lhs.value);
  if (node.type === 'lambda' && Array.isArray(node.arguments))
    for (const a of node.arguments as Ast[]) if (typeof a.value === 'string') into.add(a.value);
  if (typeof node.focus === 'string') into.add(node.focus);
  if (typeof node.index === 'string') into.add(node.index);
  for (const key in node) if (key !== 'position' && key !== 'value') boundNames(node[key], into, depth + 1);
  return into;
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const COMPARISON = new Set(['=', '!=', '<', '<=', '>', '>=', 'in', 'and', 'or']);
const TYPED: Record<string, Shape> = {
  string: { type: 'string' },
  number: { type: 'number' },
  boolean: { type: 'boolean' },
  array: { type: 'array' },
  object: { type: 'object' },
};

class Checker {
  readonly issues: ExpressionIssue[] = [];
  private readonly bound: Set<string>;

  constructor(
    ast: unknown,
    private readonly env: ExpressionEnv,
    private readonly source: string,
  ) {
    this.bound = boundNamesOf(ast);
  }

  /** Walks any AST node; returns the shape of its value where that is known. */
  walk(node: unknown, depth = 0): Shape | undefined {
    if (depth > 500) return undefined;
    if (Array.isArray(node)) {
      for (const v of node) this.walk(v, depth + 1);
      return undefined;
    }
    if (!isAst(node)) return undefined;
    switch (node.type) {
      case 'string':
        return TYPED.string;
      case 'number':
        return TYPED.number;
      case 'value':
        return typeof node.value === 'boolean' ? TYPED.boolean : { type: 'null' };
      case 'variable':
        return this.variable(node.value as string);
      case 'path':
        return this.path(node.steps as Ast[], depth);
      case 'binary': {
        this.walk(node.lhs, depth + 1);
        this.walk(node.rhs, depth + 1);
        const op = node.value as string;
        return op === '&' ? TYPED.string : ARITHMETIC.has(op) ? TYPED.number : COMPARISON.has(op) ? TYPED.boolean : undefined;
      }
      case 'unary':
        if (node.value === '-') return (this.walk(node.expression, depth + 1), TYPED.number);
        if (node.value === '[') return (this.walk(node.expressions, depth + 1), TYPED.array);
        if (node.value === '{') return (this.walk(node.lhs, depth + 1), TYPED.object);
        return this.generic(node, depth);
      case 'condition': {
        this.walk(node.condition, depth + 1);
        const then = this.walk(node.then, depth + 1);
        // No else: the value may be nothing at all.
        return node.else === undefined ? undefined : union([then, this.walk(node.else, depth + 1)]);
      }
      case 'block': {
        let last: Shape | undefined;
        for (const e of (node.expressions as unknown[]) ?? []) last = this.walk(e, depth + 1);
        return last;
      }
      case 'bind':
        return this.walk(node.rhs, depth + 1);
      case 'function':
      case 'partial':
        return this.call(node, 0, depth);
      case 'apply':
        this.walk(node.lhs, depth + 1);
        // `x ~> $f(a)` calls $f(x, a).
        return isAst(node.rhs) && node.rhs.type === 'function'
          ? this.call(node.rhs, 1, depth)
          : (this.walk(node.rhs, depth + 1), undefined);
      default:
        return this.generic(node, depth);
    }
  }

  /** Anything else (filters, sorts, transforms, lambdas...): check what is inside, the value is not inferred. */
  private generic(node: Ast, depth: number): undefined {
    for (const key in node) {
      if (key === 'position' || key === 'value' || key === 'type') continue;
      const child = node[key];
      if (child !== null && typeof child === 'object') this.walk(child, depth + 1);
    }
    return undefined;
  }

  private variable(name: string): Shape | undefined {
    // `$` is the context and `$$` the root.
    if (name === '' || name === '$' || this.bound.has(name)) return undefined;
    if (name === 'json') return this.env.json;
    if (name === 'vars') return this.env.vars;
    if (name === 'run') return RUN_SHAPE;
    if (name === 'node' || JSONATA_FUNCTIONS.has(name)) return undefined;
    const suggestion = closest(name, [...SCOPE_VARIABLES, ...this.bound]);
    this.issues.push({
      code: 'UNKNOWN_VARIABLE',
      message: `$${name} is not defined (the variables are $json, $node, $run and $vars)${suggestion ? `: did you mean $${suggestion}?` : ''}`,
      details: { variable: name, expression: this.source, ...(suggestion ? { suggestion: `$${suggestion}` } : {}) },
    });
    return undefined;
  }

  private path(steps: Ast[], depth: number): Shape | undefined {
    const [first, second] = steps;
    if (!first) return undefined;
    let at: number;
    let current: Shape | undefined;
    let read: string;
    let owner: string;
    if (first.type === 'variable' && first.value === 'node' && second?.type === 'name' && typeof second.value === 'string') {
      current = this.env.node(second.value);
      at = 2;
      read = `$node.${second.value}`;
      owner = `the output of "${second.value}"`;
      this.walkStages(second, depth);
    } else if (
      first.type === 'variable' &&
      (first.value === 'json' || first.value === 'vars' || first.value === 'run') &&
      !this.bound.has(first.value)
    ) {
      current = this.variable(first.value);
      at = 1;
      read = `$${first.value}`;
      owner = first.value === 'json' ? "this node's input" : first.value === 'vars' ? "the workflow's variables" : 'the run';
      this.walkStages(first, depth);
    } else {
      // Relative paths (bare names read the context) and anything else: checked inside, not against a shape.
      for (const step of steps) this.walk(step.type === 'name' ? { ...step, type: 'step' } : step, depth + 1);
      return undefined;
    }
    // A step through a list maps over it: the value is then a list (or one item), whatever the field's type.
    let mapped = false;
    for (; at < steps.length; at++) {
      const step = steps[at] as Ast;
      if (step.type !== 'name' || typeof step.value !== 'string') {
        for (const rest of steps.slice(at)) this.walk(rest.type === 'name' ? { ...rest, type: 'step' } : rest, depth + 1);
        return undefined;
      }
      const field = fieldOf(current, step.value);
      if (field.kind === 'absent') {
        const suggestion = closest(step.value, field.known);
        this.issues.push({
          code: 'UNKNOWN_FIELD',
          message: `${read}.${step.value}: ${owner} has no field "${step.value}"${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`,
          details: { path: `${read}.${step.value}`, field: step.value, expression: this.source, ...(suggestion ? { suggestion } : {}) },
        });
        for (const rest of steps.slice(at)) this.walkStages(rest, depth);
        return undefined;
      }
      if (current?.type === 'array' || (Array.isArray(current?.type) && current.type.includes('array')) || current?.anyOf) mapped = true;
      current = field.shape;
      read = `${read}.${step.value}`;
      this.walkStages(step, depth);
      if (step.stages || step.predicate || step.group) mapped = true;
    }
    return mapped ? undefined : current;
  }

  /** Filters and other stages hanging off a path step: relative to the step's items, checked inside only. */
  private walkStages(step: Ast, depth: number): void {
    if (step.stages !== undefined) this.walk(step.stages, depth + 1);
    if (step.predicate !== undefined) this.walk(step.predicate, depth + 1);
    if (step.group !== undefined) this.walk(step.group, depth + 1);
  }

  private call(node: Ast, extra: number, depth: number): Shape | undefined {
    const args = (node.arguments as unknown[]) ?? [];
    this.walk(args, depth + 1);
    const procedure = node.procedure as Ast | undefined;
    if (!procedure || procedure.type !== 'variable' || typeof procedure.value !== 'string') {
      this.walk(procedure, depth + 1);
      return undefined;
    }
    const name = procedure.value;
    if (this.bound.has(name)) return undefined;
    const info = JSONATA_FUNCTIONS.get(name);
    if (!info) {
      const suggestion = closest(name, JSONATA_FUNCTIONS.keys());
      this.issues.push({
        code: 'BAD_EXPRESSION',
        message: `$${name}() is not a function${suggestion ? `: did you mean $${suggestion}()?` : ''}`,
        details: { function: name, expression: this.source, ...(suggestion ? { suggestion: `$${suggestion}` } : {}) },
      });
      return undefined;
    }
    const count = args.length + extra;
    if (count < info.min || count > info.max) {
      const takes = info.min === info.max ? `${info.min}` : info.max === Infinity ? `at least ${info.min}` : `${info.min} to ${info.max}`;
      this.issues.push({
        code: 'BAD_EXPRESSION',
        message: `$${name}() takes ${takes} argument${info.max === 1 && info.min === 1 ? '' : 's'}, not ${count}`,
        details: { function: name, arguments: count, expression: this.source },
      });
    }
    return info.returns ? TYPED[info.returns] : undefined;
  }
}

/** The issues of one expression and, where known, the shape of its value. */
export function checkExpression(ast: unknown, env: ExpressionEnv, source: string): { issues: ExpressionIssue[]; shape: Shape | undefined } {
  const checker = new Checker(ast, env, source);
  const shape = checker.walk(ast);
  return { issues: checker.issues, shape };
}
