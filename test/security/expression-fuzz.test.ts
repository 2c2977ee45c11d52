// Issue #11, Proof: random JSONata, built from a grammar of operators and built-in calls (the size-multiplying ones
// with huge arguments among them), over random data. Every evaluation ends within a time bound and either gives a
// value within the size bound or fails with EXPRESSION_FAILED or EXPRESSION_LIMIT, never anything else; and the
// process evaluates the next expression normally after each.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveString, type ExpressionScope } from '../../nodes/expressions/evaluate.js';
import { MAX_VALUE_SIZE } from '../../nodes/expressions/limits.js';
import { NodeError } from '../../nodes/sdk/errors.js';

const TIME_BOUND_MS = 3_000;

const size = fc.oneof(fc.integer({ min: -5, max: 50 }), fc.constantFrom(1_000, 100_000, 5_000_000, 200_000_000, 2 ** 31, -(2 ** 40)));
const text = fc
  .oneof(fc.string({ maxLength: 8 }), fc.constantFrom('', 'a', '$0$1', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaa!', 'x,y,z'))
  .map((s) => JSON.stringify(s));
const regex = fc.constantFrom('/a/', '/(a+)+$/', '/[0-9]+/g', '/(\\w+)\\s/', '/^.*$/m', '/x?/', '/(a|aa)+$/i', '/,/');
const path = fc.constantFrom(
  '$json',
  '$json.a',
  '$json.items',
  '$json.items[0]',
  '$json.*',
  '$json.items.k',
  '$vars.v',
  '$node.up.body',
  '$',
);

const { expr } = fc.letrec<{ expr: string; list: string; lambda: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    path,
    text,
    size.map(String),
    fc.constantFrom('true', 'false', 'null', '[]', '{}'),
    fc
      .tuple(tie('expr'), fc.constantFrom('+', '-', '*', '/', '%', '&', '=', '!=', '<', '>', 'and', 'or', 'in'), tie('expr'))
      .map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
    fc.tuple(fc.integer({ min: -3, max: 20 }), size).map(([a, b]) => `[${a}..${b}]`),
    tie('list'),
    fc.tuple(text, tie('expr')).map(([k, v]) => `{${k}: ${v}}`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `${a}[${b}]`),
    fc.tuple(tie('expr'), size, text).map(([s, n, c]) => `$pad($string(${s}), ${n}, ${c})`),
    fc.tuple(tie('list'), tie('expr')).map(([l, s]) => `$join($map(${l}, $string), $string(${s}))`),
    fc.tuple(tie('expr'), fc.boolean()).map(([v, p]) => `$string(${v}, ${p})`),
    fc.tuple(tie('expr'), fc.oneof(text, regex), tie('expr')).map(([s, p, r]) => `$replace($string(${s}), ${p}, $string(${r}))`),
    fc.tuple(tie('expr'), fc.oneof(text, regex)).map(([s, p]) => `$split($string(${s}), ${p})`),
    fc.tuple(tie('expr'), regex).map(([s, p]) => `$match($string(${s}), ${p})`),
    fc.tuple(tie('expr'), regex).map(([s, p]) => `$contains($string(${s}), ${p})`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `$append(${a}, ${b})`),
    fc.tuple(tie('list'), tie('list')).map(([a, b]) => `$zip(${a}, ${b})`),
    fc.tuple(tie('list'), tie('lambda')).map(([l, f]) => `$map(${l}, ${f})`),
    fc.tuple(tie('list'), tie('lambda')).map(([l, f]) => `$filter(${l}, ${f})`),
    fc.tuple(tie('list'), tie('expr')).map(([l, init]) => `$reduce(${l}, function($acc, $v){ [$acc, $acc, $v] }, ${init})`),
    fc
      .tuple(
        tie('expr'),
        fc.constantFrom(
          '$spread',
          '$keys',
          '$distinct',
          '$reverse',
          '$sort',
          '$count',
          '$length',
          '$uppercase',
          '$type',
          '$exists',
          '$merge',
          '$sum',
          '$number',
          '$boolean',
        ),
      )
      .map(([v, f]) => `${f}(${v})`),
    fc.tuple(tie('expr'), size).map(([v, n]) => `$formatNumber(${n}, "#,##0.00" & $pad("", $abs(${n}) % 100, "0"))  & $string(${v})`),
    fc.tuple(size, fc.integer({ min: 2, max: 36 })).map(([n, r]) => `$formatBase(${n}, ${r})`),
    tie('expr').map((e) => `($f := function($n){ $n > 0 ? $f($n - 1) & ${e} : "" }; $f(100000))`),
    tie('expr').map((e) => `($f := function($n){ $f($n + 1) }; $f(${e}))`),
    fc.tuple(tie('expr'), fc.integer({ min: 1, max: 30 })).map(([e, n]) => `$reduce([1..${n}], function($a){ $a & $a }, $string(${e}))`),
  ),
  list: fc.array(tie('expr'), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
  lambda: tie('expr').map((body) => `function($v, $i){ ${body} }`),
}));

const data = fc.record({
  json: fc.record({
    a: fc.jsonValue({ maxDepth: 3 }),
    items: fc.array(fc.record({ k: fc.oneof(fc.integer(), fc.string()) }), { maxLength: 6 }),
  }),
  up: fc.jsonValue({ maxDepth: 2 }),
  v: fc.oneof(fc.string(), fc.integer()),
});

describe('expression fuzz', () => {
  it('every random expression ends in time, within bounds, or with an expression error', async () => {
    let limited = 0;
    let failed = 0;
    await fc.assert(
      fc.asyncProperty(expr, data, async (source, d) => {
        const scope: ExpressionScope = { json: d.json, node: { up: { body: d.up } }, run: { id: 'run_fuzz' }, vars: { v: d.v } };
        const started = performance.now();
        try {
          const value = await resolveString(`{{ ${source} }}`, scope);
          expect((JSON.stringify(value) ?? '').length).toBeLessThanOrEqual(6 * MAX_VALUE_SIZE);
        } catch (err) {
          expect(err, source).toBeInstanceOf(NodeError);
          expect(['EXPRESSION_FAILED', 'EXPRESSION_LIMIT'], source).toContain((err as NodeError).code);
          if ((err as NodeError).code === 'EXPRESSION_LIMIT') limited++;
          else failed++;
        }
        expect(performance.now() - started, source).toBeLessThan(TIME_BOUND_MS);
        // Alive and well: the next expression evaluates as ever.
        expect(await resolveString('{{ 1 + 1 }}', scope)).toBe(2);
      }),
      { numRuns: 250, seed: Number(process.env.FUZZ_SEED ?? 11), endOnFailure: true },
    );
    // The grammar reaches the bounds, so the property says something about them.
    expect(limited).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
  }, 60_000);
});
