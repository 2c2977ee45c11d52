// Evaluates `{{ }}` templates in a node's config against its scope: $json (input), $node (upstream outputs),
// $run (run metadata) and $vars (workflow variables). JSONata interprets; nothing is eval'd. Each evaluation
// has a step budget, counted not timed, so a runaway expression fails the same way on every replay.
// No Node built-ins: pure nodes are resolved inside the workflow sandbox with this same code.
import type jsonata from 'jsonata';
import { hasTemplate, isPureExpression, parseTemplate, TemplateError, type Segment } from '../../compiler/expressions.js';
import { NodeError } from '../sdk/errors.js';

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

/** Resolves one string: a whole-string expression keeps its value's type; mixed text interpolates. */
export async function resolveString(text: string, scope: ExpressionScope): Promise<unknown> {
  if (!hasTemplate(text)) return text;
  let segments: Segment[];
  try {
    segments = segmentsOf(text);
  } catch (err) {
    throw new NodeError('EXPRESSION_FAILED', err instanceof TemplateError ? err.message : describe(err));
  }
  if (isPureExpression(segments)) {
    const only = segments[0] as Extract<Segment, { kind: 'expression' }>;
    return evaluateExpression(only.expression, only.source, scope);
  }
  const parts: string[] = [];
  for (const s of segments) {
    if (s.kind === 'text') parts.push(s.text);
    else {
      const value = await evaluateExpression(s.expression, s.source, scope);
      parts.push(value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
  }
  return parts.join('');
}

/** Resolves every template in a config value, at any depth; non-strings pass through untouched. */
export async function resolveConfig<T>(value: T, scope: ExpressionScope): Promise<T> {
  if (typeof value === 'string') return (await resolveString(value, scope)) as T;
  if (Array.isArray(value)) return (await Promise.all(value.map((v) => resolveConfig(v, scope)))) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolveConfig(v, scope);
    return out as T;
  }
  return value;
}
