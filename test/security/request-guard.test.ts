// Issue #11, item 12: the request guard finds NUL and unpaired surrogates at any depth and bounds nesting, without
// recursing itself. Before the fix the walk stopped at 64 levels (a deeper NUL reached PostgreSQL as a 500) and knew
// nothing of surrogates or depth.
import { describe, expect, it } from 'vitest';
import { refusalOf } from '../../apps/gateway/request-guard.js';
import { findProblem, MAX_NESTING } from '../../platform/json-guard.js';

/** `{a: {a: ... leaf}}`, `depth` objects deep, built without recursion. */
function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('request guard', () => {
  it('finds a NUL or a lone surrogate at any depth it allows, in values and in keys', () => {
    for (const bad of ['x\u0000y', '\ud800', 'end\udfff', '\udc00start']) {
      expect(findProblem(nested(MAX_NESTING - 1, bad), 'body'), JSON.stringify(bad)).toMatchObject({ kind: 'unstorable' });
      expect(findProblem(nested(100, { [bad]: 1 }), 'body')).toMatchObject({ kind: 'unstorable' });
      expect(findProblem([[[bad]]], 'body')).toEqual({ kind: 'unstorable', where: 'body.0.0.0' });
    }
    expect(findProblem(nested(70, 'a\u0000'), 'body')?.where).toBe(`body${'.a'.repeat(70)}`);
  });

  it('accepts paired surrogates (emoji) and ordinary documents', () => {
    expect(
      findProblem({ name: 'ok 💩 ✓', nodes: [{ id: 'a', config: { deep: nested(50, [1, 'two', null, true]) } }] }, 'body'),
    ).toBeUndefined();
  });

  it('refuses nesting past the bound with its own code, however deep, without overflowing the stack', () => {
    for (const depth of [MAX_NESTING + 1, 10_000, 200_000]) {
      const problem = findProblem(nested(depth, 1), 'body');
      expect(problem?.kind).toBe('too_deep');
      expect(refusalOf(problem!).code).toBe('NESTING_TOO_DEEP');
    }
    expect(findProblem(nested(MAX_NESTING, 1), 'body')).toBeUndefined();
  });
});
