// The pure nodes, evaluated directly: same code the workflow runs, no server needed.
import { describe, expect, it } from 'vitest';
import { setNode } from './data/set.js';
import { noopNode, stopErrorNode, waitNode } from './flow/basic.js';
import { evaluateCondition, type Condition } from './logic/conditions.js';
import { ifNode } from './logic/if.js';
import { mergeNode } from './logic/merge.js';
import { switchNode } from './logic/switch.js';
import type { NodeDefinition, PureContext } from './sdk/node.js';

const ctx = (sources: PureContext['sources'] = [], now = 1_000): PureContext => ({ now, sources });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function evaluate(def: NodeDefinition<any>, input: unknown, config: unknown, context = ctx()) {
  return def.evaluate!(input, def.configSchema.parse(config) as never, context);
}

describe('conditions', () => {
  const c = (left: unknown, operator: Condition['operator'], right?: unknown, ignoreCase?: boolean): boolean =>
    evaluateCondition({ left, operator, right, ...(ignoreCase ? { ignoreCase } : {}) });
  it.each([
    [c('a', 'equals', 'a'), true],
    [c('A', 'equals', 'a'), false],
    [c('A', 'equals', 'a', true), true],
    [c(3, 'equals', '3'), true],
    [c({ x: 1 }, 'equals', { x: 1 }), true],
    [c('hello world', 'contains', 'lo w'), true],
    [c(['a', 'b'], 'contains', 'b'), true],
    [c('abc', 'startsWith', 'ab'), true],
    [c('abc', 'endsWith', 'bc'), true],
    [c('order-42', 'matchesRegex', '^order-\\d+$'), true],
    [c('x', 'matchesRegex', '('), false],
    [c('10', 'gt', 9), true],
    [c('abc', 'gt', 1), false],
    [c(5, 'lte', 5), true],
    [c('2026-01-01', 'before', '2026-06-01'), true],
    [c('2026-01-01T10:00:00Z', 'after', '2026-01-01T09:00:00Z'), true],
    [c(true, 'isTrue'), true],
    [c('false', 'isFalse'), true],
    [c(null, 'exists'), false],
    [c(0, 'exists'), true],
    [c(undefined, 'notExists'), true],
    [c([], 'isEmpty'), true],
    [c({ a: 1 }, 'isNotEmpty'), true],
  ])('case %#', (actual, expected) => expect(actual).toBe(expected));
});

describe('logic.if', () => {
  const config = (combine: 'all' | 'any') => ({
    combine,
    conditions: [
      { left: 5, operator: 'gt', right: 3 },
      { left: 'a', operator: 'equals', right: 'b' },
    ],
  });
  it('fires true or false and passes the input on', () => {
    expect(evaluate(ifNode, { n: 1 }, config('any'))).toEqual({ output: { n: 1 }, fire: ['true'] });
    expect(evaluate(ifNode, { n: 1 }, config('all'))).toEqual({ output: { n: 1 }, fire: ['false'] });
  });
  it('needs at least one condition', () => {
    expect(ifNode.configSchema.safeParse({ conditions: [] }).success).toBe(false);
  });
});

describe('logic.switch', () => {
  const rules = [
    { key: 'big', conditions: [{ left: 500, operator: 'gt', right: 100 }] },
    { key: 'positive', conditions: [{ left: 500, operator: 'gt', right: 0 }] },
    { key: 'never', conditions: [{ left: 1, operator: 'lt', right: 0 }] },
  ];
  it('fires the first match, every match, or default', () => {
    expect(evaluate(switchNode, 'x', { rules }).fire).toEqual(['big']);
    expect(evaluate(switchNode, 'x', { rules, mode: 'all' }).fire).toEqual(['big', 'positive']);
    expect(evaluate(switchNode, 'x', { rules: [rules[2]] }).fire).toEqual(['default']);
  });
  it('has one output per rule plus default', () => {
    const outputs = switchNode.outputs as (c: never) => { name: string }[];
    expect(outputs(switchNode.configSchema.parse({ rules }) as never).map((h) => h.name)).toEqual(['big', 'positive', 'never', 'default']);
  });
  it('refuses duplicate and reserved keys', () => {
    expect(switchNode.configSchema.safeParse({ rules: [rules[0], rules[0]] }).success).toBe(false);
    expect(switchNode.configSchema.safeParse({ rules: [{ ...rules[0], key: 'default' }] }).success).toBe(false);
  });
});

describe('logic.merge', () => {
  const sources = [
    {
      nodeId: 'a',
      handle: 'out',
      value: [
        { id: 1, name: 'Ada' },
        { id: 2, name: 'Bob' },
      ],
    },
    { nodeId: 'b', handle: 'out', value: [{ id: 1, plan: 'pro' }] },
  ];
  it('appends, keys by source, or joins on a key', () => {
    expect(evaluate(mergeNode, null, {}, ctx(sources)).output).toHaveLength(3);
    expect(evaluate(mergeNode, null, { mode: 'bySource' }, ctx(sources)).output).toEqual({ a: sources[0]!.value, b: sources[1]!.value });
    expect(evaluate(mergeNode, null, { mode: 'joinByKey', key: 'id' }, ctx(sources)).output).toEqual([{ id: 1, name: 'Ada', plan: 'pro' }]);
    expect(evaluate(mergeNode, null, { mode: 'joinByKey', key: 'id', keepUnmatched: true }, ctx(sources)).output).toHaveLength(2);
  });
});

describe('data.set', () => {
  it('assigns dotted paths on top of the input, or alone', () => {
    expect(evaluate(setNode, { a: 1 }, { assignments: [{ name: 'b.c', value: 2 }] }).output).toEqual({ a: 1, b: { c: 2 } });
    expect(evaluate(setNode, { a: 1 }, { assignments: [{ name: 'x', value: true }], keepInput: false }).output).toEqual({ x: true });
  });
  it('never writes through __proto__', () => {
    evaluate(setNode, {}, { assignments: [{ name: '__proto__.polluted', value: 1 }] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('flow nodes', () => {
  it('noop passes through; stop_error throws its code and message; wait computes its deadline', () => {
    expect(evaluate(noopNode, 7, {}).output).toBe(7);
    expect(() => evaluate(stopErrorNode, null, { message: 'Nope', code: 'E_NOPE' })).toThrowError(
      expect.objectContaining({ code: 'E_NOPE', message: 'Nope', retryable: false }),
    );
    expect(evaluate(waitNode, 'x', { durationMs: 500 }, ctx([], 1_000))).toEqual({ output: 'x', waitUntil: 1_500 });
    expect(evaluate(waitNode, 'x', { mode: 'until', until: '1970-01-01T00:00:05Z' }, ctx([], 1_000)).waitUntil).toBe(5_000);
  });
});
