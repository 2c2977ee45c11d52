// The fast evaluator must be invisible: on random expressions and data, resolving with it gives JSONata's value or
// JSONata's error and spends exactly JSONata's steps (the workflow's step allowance decides the same either way).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTemplate, type Segment } from '../../compiler/expressions.js';
import { resolveString, resolveStringByJsonata, type ExpressionBounds, type ExpressionScope } from './evaluate.js';
import { compileFast, evaluateFast } from './fast-evaluator.js';
import { compilePath, NOT_HANDLED } from './fast-path.js';
import { MAX_VALUE_SIZE } from './limits.js';

/** The value or the error (code, message, details) and the steps spent from the allowance. */
async function outcome(resolve: typeof resolveString, text: string, scope: ExpressionScope, bounds: ExpressionBounds) {
  const before = bounds.allowance?.remaining ?? 0;
  try {
    const value = await resolve(text, scope, bounds);
    return { value, spent: before - (bounds.allowance?.remaining ?? 0) };
  } catch (err) {
    const { code, message, details } = err as { code?: string; message?: string; details?: unknown };
    return { error: { code, message, details }, spent: before - (bounds.allowance?.remaining ?? 0) };
  }
}

/**
 * Parses, and is not a plain path: those are read by fast-path.ts without counting steps (as they have been since
 * it was introduced, so recorded runs decide the same) and are held to JSONata's values by fast-path.test.ts.
 */
function comparable(text: string, source: string): boolean {
  try {
    parseTemplate(text);
  } catch {
    return false; // printed without enough parentheses to parse: nothing to compare
  }
  return compilePath(source) === null;
}

/** Both ways of resolving, from the same allowance. */
async function both(text: string, scope: ExpressionScope, remaining = 1_000_000, maxSteps?: number) {
  const bounds = (): ExpressionBounds => ({ allowance: { remaining }, ...(maxSteps ? { maxSteps } : {}) });
  return {
    fast: await outcome(resolveString, text, scope, bounds()),
    jsonata: await outcome(resolveStringByJsonata, text, scope, bounds()),
  };
}

/** True when the fast evaluator answers the expression itself (no JSONata). */
function answersFast(text: string, scope: ExpressionScope): boolean {
  const segments = parseTemplate(text);
  const [segment] = segments as [Extract<Segment, { kind: 'expression' }>];
  const compiled = segments.length === 1 && segment.kind === 'expression' ? compileFast(segment.expression.ast()) : null;
  return compiled !== null && evaluateFast(compiled, scope, { allowance: { remaining: 1_000_000 } }, 100_000) !== NOT_HANDLED;
}

const key = fc.constantFrom('a', 'b', 'x', 'n', 'x y');
const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noDefaultInfinity: true, noNaN: true }),
  fc.constantFrom(0.1, 0.3, 1e21, -0, 2 ** 53 + 1),
  fc.string({ maxLength: 3 }),
  fc.constantFrom('', '0', 'a', 'b', ' a \t b\n ', 'é', '😀x', 'ß'),
);
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 2 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  ),
})).value;

const name = (k: string) => (/^[A-Za-z_]\w*$/.test(k) ? k : `\`${k}\``);
const path = fc
  .tuple(fc.constantFrom('$json', '$vars', '$node.up', '$run', '', '$other', '$'), fc.array(key, { minLength: 0, maxLength: 3 }))
  .map(([root, keys]) => {
    const names = keys.map(name);
    if (root === '') return names.length > 0 ? names.join('.') : 'a';
    return [root, ...names].join('.');
  });
const literal = fc.oneof(
  fc.integer({ min: -3, max: 10 }).map(String),
  fc.constantFrom('0.5', '1e3', '1.5e-7', '1e308', '0'),
  fc.string({ maxLength: 3 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('true', 'false', 'null', '""', "'x'"),
);
/** The built-ins fast-evaluator.ts models, and two it leaves to JSONata (one shadowed by guarded-builtins.ts). */
const FUNCTIONS = ['uppercase', 'lowercase', 'trim', 'length', 'abs', 'floor', 'ceil', 'exists', 'boolean', 'not', 'string', 'round'];
const BINARY = ['+', '-', '*', '/', '%', '=', '!=', '<', '<=', '>', '>=', '&', 'and', 'or'];
/** Expressions mostly in the subset, with a few outside it (arrays, functions, filters, bindings, `in`). */
const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literal,
    path,
    fc.tuple(tie('e'), fc.constantFrom(...BINARY), tie('e')).map(([l, op, r]) => `${l} ${op} ${r}`),
    fc.tuple(tie('e'), fc.constantFrom(...BINARY), tie('e')).map(([l, op, r]) => `(${l} ${op} ${r})`),
    tie('e').map((e) => `-${e}`),
    tie('e').map((e) => `(${e})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a}; ${b})`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, t, f]) => `(${c} ? ${t} : ${f})`),
    fc.tuple(tie('e'), tie('e')).map(([c, t]) => `(${c} ? ${t})`),
    fc.tuple(tie('e'), key).map(([e, k]) => `(${e}).${name(k)}`),
    fc.tuple(fc.constantFrom(...FUNCTIONS), tie('e')).map(([f, e]) => `$${f}(${e})`),
    fc.constantFrom('[1, 2]', '$json.a[0]', '($v := 2; $v * 3)', '1 in [1]', '$json.*', '{"k": 1}', '$uppercase()', '$abs(1, 2)'),
  ),
})).e;

const scopeOf = (input: unknown, vars: unknown, up: unknown): ExpressionScope => ({
  json: input,
  node: { up },
  run: { id: 'run_1', startedAt: '2026-01-01T00:00:00.000Z' },
  vars: vars as Record<string, unknown>,
});

describe('fast evaluator', () => {
  it('gives JSONata value or error, spending the same steps, on random expressions and data', async () => {
    let fast = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(expression, json, fc.dictionary(key, json, { maxKeys: 3 }), json, async (source, input, vars, up) => {
        const text = `{{ ${source} }}`;
        if (!comparable(text, source)) return;
        const scope = scopeOf(input, vars, up);
        runs++;
        if (answersFast(text, scope)) fast++;
        const { fast: ours, jsonata } = await both(text, scope);
        expect(ours).toEqual(jsonata);
      }),
      { numRuns: 3_000 },
    );
    // The property says something: many random expressions were answered without JSONata (about a quarter: random
    // operands are mostly of the wrong type, which is JSONata's error to raise), and not all.
    expect(fast).toBeGreaterThan(runs / 8);
    expect(fast).toBeLessThan(runs);
  }, 60_000);

  it('runs out of steps where JSONata does, with the same error and the same steps spent', async () => {
    await fc.assert(
      fc.asyncProperty(expression, json, fc.integer({ min: -1, max: 25 }), fc.boolean(), async (source, input, limit, perExpression) => {
        const text = `{{ ${source} }}`;
        if (!comparable(text, source)) return;
        const scope = scopeOf(input, {}, input);
        const { fast: ours, jsonata } = perExpression
          ? await both(text, scope, 1_000_000, Math.max(1, limit))
          : await both(text, scope, limit);
        expect(ours).toEqual(jsonata);
      }),
      { numRuns: 1_500 },
    );
  }, 60_000);

  it('answers the common config expressions itself', () => {
    const scope = scopeOf({ x: 1, name: 'Ada', ok: true, price: 2.5 }, { region: 'eu' }, { total: 3 });
    for (const text of [
      '{{ $json.x + 1 }}',
      '{{ $json.name & " " & $vars.region }}',
      '{{ $json.ok and $json.x > 0 ? "yes" : "no" }}',
      '{{ $node.up.total * $json.price }}',
      '{{ -($json.x % 2) = 0 or $json.missing != null }}',
      '{{ $uppercase($trim($json.name)) & " " & $length($vars.region) }}',
      '{{ $exists($json.missing) ? $floor($json.price) : $abs(-$json.x) }}',
    ])
      expect(answersFast(text, scope), text).toBe(true);
  });

  it('leaves arrays, functions and everything else outside the subset to JSONata', () => {
    const scope = scopeOf({ items: [1, 2], x: 1 }, {}, {});
    for (const text of [
      '{{ $json.items + 1 }}',
      '{{ $string($json.x) }}',
      '{{ $json.x in [1] }}',
      '{{ $json.items[0] }}',
      '{{ $$.x + 1 }}',
    ])
      expect(answersFast(text, scope), text).toBe(false);
    expect(answersFast('{{ $json.x + 1 }}', scopeOf([{ x: 1 }], {}, {}))).toBe(false);
  });
});

describe('fast evaluator on hostile expressions', () => {
  const scope = scopeOf({ x: 1, s: 'ab' }, {}, {});
  const limitOf = (o: Awaited<ReturnType<typeof both>>['fast']) => (o.error?.details as { limit?: string } | undefined)?.limit;

  it('nesting within the depth bound is answered; past it both fail with EXPRESSION_LIMIT (evaluationDepth)', async () => {
    const nested = (n: number) => `{{ ${'('.repeat(n)}$json.x + 1${')'.repeat(n)} }}`;
    const within = await both(nested(990), scope);
    expect(within.fast).toEqual(within.jsonata);
    expect(within.fast.value).toBe(2);
    expect(answersFast(nested(990), scope)).toBe(true);
    // At the bound itself, level by level: the fast evaluator answers exactly where JSONata does.
    const answered: boolean[] = [];
    for (let n = 994; n <= 1_000; n++) {
      const edge = await both(nested(n), scope);
      expect(edge.fast, `${n} levels`).toEqual(edge.jsonata);
      answered.push(edge.fast.error === undefined);
    }
    expect(answered).toContain(true);
    expect(answered).toContain(false);
    const deepPath = (n: number) => `{{ ${'('.repeat(n)}$json.x${')'.repeat(n)} + 1 }}`;
    for (let n = 994; n <= 1_000; n++) {
      const edge = await both(deepPath(n), scope);
      expect(edge.fast, `${n} levels around a path`).toEqual(edge.jsonata);
    }
    const past = await both(nested(1_200), scope);
    expect(past.fast).toEqual(past.jsonata);
    expect(past.fast.error?.code).toBe('EXPRESSION_LIMIT');
    expect(limitOf(past.fast)).toBe('evaluationDepth');
  }, 30_000);

  it('a left-leaning chain of 5,000 additions fails like JSONata (too deep), a balanced one of 2^17 runs out of steps', async () => {
    const chain = await both(`{{ ${Array.from({ length: 5_000 }, () => '$json.x').join(' + ')} }}`, scope);
    expect(chain.fast).toEqual(chain.jsonata);
    expect(chain.fast.error?.code).toMatch(/^EXPRESSION_(LIMIT|FAILED)$/);
    const balanced = (depth: number): string => (depth === 0 ? '$json.x' : `(${balanced(depth - 1)} + ${balanced(depth - 1)})`);
    const wide = await both(`{{ ${balanced(17)} }}`, scope, 1_000_000, 100_000);
    expect(wide.fast).toEqual(wide.jsonata);
    expect(wide.fast.error?.code).toBe('EXPRESSION_LIMIT');
    expect(limitOf(wide.fast)).toBe('steps');
  }, 30_000); // JSONata itself takes ~1.6 s on the chain alone; under a loaded CI machine far longer

  it('strings built by `&` past the size bound, or past the total built, fail as JSONata does', async () => {
    const big = scopeOf({ s: 'x'.repeat(MAX_VALUE_SIZE / 2 + 10) }, {}, {});
    const doubled = await both('{{ $json.s & $json.s }}', big);
    expect(doubled.fast).toEqual(doubled.jsonata);
    expect(doubled.fast.error?.code).toBe('EXPRESSION_LIMIT');
    expect(limitOf(doubled.fast)).toBe('size');
    const third = scopeOf({ s: 'x'.repeat(MAX_VALUE_SIZE / 3) }, {}, {});
    // Each `&` builds a new string under the size bound; together they pass the total built.
    const many = await both(`{{ ${Array.from({ length: 12 }, () => '($json.s & "")').join(' = ')} }}`, third);
    expect(many.fast).toEqual(many.jsonata);
    expect(many.fast.error?.code).toBe('EXPRESSION_LIMIT');
    expect(limitOf(many.fast)).toBe('built');
  });

  it('data nested past the value depth bound is refused as JSONata refuses it', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 600; i++) deep = { a: deep };
    const result = await both('{{ $json.a.a = 1 }}', scopeOf(deep, {}, {}));
    expect(result.fast).toEqual(result.jsonata);
    expect(result.fast.error?.code).toBe('EXPRESSION_LIMIT');
    expect(limitOf(result.fast)).toBe('depth');
  });
});
