import { describe, expect, it } from 'vitest';
import { CHUNK_ITEMS, chunkRanges } from './items.js';

describe('chunkRanges', () => {
  it('cuts a list of small items every CHUNK_ITEMS', () => {
    expect(chunkRanges(new Array(CHUNK_ITEMS * 2 + 1).fill(1))).toEqual([
      [0, CHUNK_ITEMS],
      [CHUNK_ITEMS, CHUNK_ITEMS * 2],
      [CHUNK_ITEMS * 2, CHUNK_ITEMS * 2 + 1],
    ]);
    expect(chunkRanges([])).toEqual([]);
  });

  it('cuts sooner when the items are large, and keeps an item over the bound in a chunk of its own', () => {
    const large = 'x'.repeat(200 * 1024);
    expect(chunkRanges([large, large, large, large, large])).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
    const huge = 'x'.repeat(600 * 1024);
    expect(chunkRanges([1, huge, 2])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });
});
