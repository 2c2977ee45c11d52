// evaluatePureNow settles a pure node without a promise when its expressions need no JSONata (what lets the
// workflow settle it in the scheduler's pass), and otherwise agrees with evaluatePureNode, errors included.
import { describe, expect, it } from 'vitest';
import type { PlanNode } from '../../compiler/plan.js';
import type { ExpressionScope } from '../expressions/evaluate.js';
import { NodeError } from '../sdk/errors.js';
import { evaluatePureNode, evaluatePureNow } from './evaluate-pure.js';

const set = (value: string, extra: Partial<PlanNode> = {}): PlanNode => ({
  id: 'set',
  type: 'data.set',
  typeVersion: 1,
  name: 'set',
  kind: 'pure',
  config: { assignments: [{ name: 'y', value }], keepInput: false },
  credentials: {},
  inputs: [],
  outputs: [],
  join: 'any',
  references: [],
  operations: [],
  settings: {
    onError: 'stop',
    requiresApproval: false,
    retry: { backoffCoefficient: 2, initialIntervalMs: 1, maxAttempts: 1, maxIntervalMs: 1 },
    timeoutMs: 1_000,
  },
  ...extra,
});
const input = { x: 2, name: 'Ada' };
const scope: ExpressionScope = { json: input, node: {}, run: { id: 'run_1' }, vars: {} };
const isPromise = (v: unknown) => v instanceof Promise;

describe('evaluatePureNow', () => {
  it('answers at once when every expression is in the fast subset', async () => {
    for (const value of ['{{ $json.x * 3 }}', 'Hello {{ $json.name & "!" }}', '{{ $json.x > 1 ? "big" : "small" }}', 'plain']) {
      const now = evaluatePureNow(set(value), input, scope, []);
      expect(isPromise(now), value).toBe(false);
      expect(now).toEqual(await evaluatePureNode(set(value), input, scope, []));
    }
  });

  it('is a promise when an expression needs JSONata, with the same result', async () => {
    const node = set('{{ $string($json.x) & $json.name }}');
    const now = evaluatePureNow(node, input, scope, []);
    expect(isPromise(now)).toBe(true);
    expect(await now).toEqual({ output: { y: '2Ada' } });
    expect(await now).toEqual(await evaluatePureNode(node, input, scope, []));
  });

  it('throws what evaluatePureNode rejects with: a type error, an invalid config, an unknown node type', async () => {
    const failing = [
      set('{{ $json.name + 1 }}'),
      set('{{ $json.x }}', { config: { assignments: 'not a list' } }),
      set('{{ $json.x }}', { type: 'data.nope' }),
    ];
    for (const node of failing) {
      let thrown: unknown;
      try {
        await evaluatePureNow(node, input, scope, []);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(NodeError);
      await expect(evaluatePureNode(node, input, scope, [])).rejects.toMatchObject({
        code: (thrown as NodeError).code,
        message: (thrown as NodeError).message,
      });
    }
  });

  it('spends the allowance as JSONata would, and past it fails with EXPRESSION_LIMIT (steps) as JSONata does', async () => {
    const node = set('{{ $json.x + 1 }}');
    const fast = { remaining: 100 };
    const jsonata = { remaining: 100 };
    evaluatePureNow(node, input, scope, [], { allowance: fast });
    await evaluatePureNode(node, input, scope, [], { allowance: jsonata, fastEvaluator: false });
    expect(fast.remaining).toBe(jsonata.remaining);
    expect(fast.remaining).toBeLessThan(100);
    const spent = 100 - fast.remaining;
    const short = () => ({ allowance: { remaining: spent - 1 } });
    const refused = await Promise.resolve()
      .then(() => evaluatePureNow(node, input, scope, [], short()))
      .catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'EXPRESSION_LIMIT', details: { limit: 'steps' } });
    await expect(evaluatePureNode(node, input, scope, [], { ...short(), fastEvaluator: false })).rejects.toMatchObject({
      code: 'EXPRESSION_LIMIT',
      message: (refused as NodeError).message,
    });
  });
});
