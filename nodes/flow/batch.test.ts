import { describe, expect, it } from 'vitest';
import type { NodeError } from '../sdk/errors.js';
import { batchNode } from './batch.js';

const batch = (items: unknown, size: number) => batchNode.evaluate?.(undefined, { items, size }, { now: 0, sources: [] }).output;

describe('flow.batch', () => {
  it('splits a list into lists of size, in order, the last shorter', () => {
    expect(batch([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batch([], 3)).toEqual([]);
  });

  it('refuses what is no list, and a list past the bound, with closed codes', () => {
    expect(() => batch('abc', 2)).toThrow(expect.objectContaining({ code: 'ITEMS_NOT_A_LIST' }) as NodeError);
    expect(() => batch(new Array(100_001).fill(0), 1)).toThrow(expect.objectContaining({ code: 'ITEMS_LIMIT' }) as NodeError);
  });
});
