import { describe, expect, it } from 'vitest';
import { fuseRanks } from './fusion.js';

describe('fuseRanks', () => {
  it('scores 1/(60+rank) summed over the lists, agreement first', () => {
    const fused = fuseRanks([
      ['a', 'b', 'c'],
      ['c', 'd'],
    ]);
    expect(fused.map((f) => f.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(fused[0]!.score).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(fused[0]!.ranks).toEqual([3, 1]);
    expect(fused.find((f) => f.id === 'd')!.ranks).toEqual([undefined, 2]);
  });

  it('keeps an item found by one list only', () => {
    expect(fuseRanks([[], [7]]).map((f) => f.id)).toEqual([7]);
  });
});
