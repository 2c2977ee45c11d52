// The fast path must give JSONata's answer whenever it answers at all: checked on random data and paths.
import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import type { ExpressionScope } from './evaluate.js';
import { compilePath, NOT_HANDLED, readPath } from './fast-path.js';

async function viaJsonata(source: string, scope: ExpressionScope): Promise<unknown> {
  const result: unknown = await jsonata(source).evaluate(scope.json, {
    json: scope.json,
    node: scope.node,
    run: scope.run,
    vars: scope.vars,
  });
  return result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as unknown);
}

const key = fc.constantFrom('a', 'b', 'id', 'items', 'my-node', 'x y', 'then');
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string({ maxLength: 4 }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const name = (k: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : `\`${k}\``);

describe('expression fast path', () => {
  it('agrees with JSONata on every plain path it answers', async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(
        json,
        fc.dictionary(key, json, { maxKeys: 3 }),
        fc.constantFrom('json', 'node', 'vars'),
        fc.array(key, { maxLength: 4 }),
        async (input, other, root, steps) => {
          const scope: ExpressionScope = { json: input, node: other, run: { id: 'run_1' }, vars: other };
          const source = `$${root}${steps.map((s) => `.${name(s)}`).join('')}`;
          const path = compilePath(source);
          expect(path).not.toBeNull();
          const fast = readPath(path!, scope);
          if (fast === NOT_HANDLED) return;
          answered++;
          expect(fast).toEqual(await viaJsonata(source, scope));
        },
      ),
      { numRuns: 1_000 },
    );
    // The property says something: most random paths were answered without JSONata.
    expect(answered).toBeGreaterThan(500);
  });

  it('leaves everything but a plain path to JSONata', () => {
    for (const source of [
      '$json.x + 1',
      '$json.items[0]',
      '$json.a.b()',
      '$uppercase($json.a)',
      '$json.*',
      'json.a',
      '$other.a',
      '$json..a',
    ])
      expect(compilePath(source), source).toBeNull();
    expect(compilePath(' $node.`my-node`.body ')).toEqual({ root: 'node', names: ['my-node', 'body'] });
  });

  it('hands out copies: a node cannot change the data it read', () => {
    const scope: ExpressionScope = { json: { a: { b: 1 } }, node: {}, run: { id: 'r' }, vars: {} };
    const read = readPath(compilePath('$json.a')!, scope) as { b: number };
    read.b = 2;
    expect(scope.json).toEqual({ a: { b: 1 } });
  });
});
