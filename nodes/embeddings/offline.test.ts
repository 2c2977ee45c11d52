import { describe, expect, it } from 'vitest';
import { embedOffline, offlineEmbedder } from './offline.js';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('the offline embedder', () => {
  it('is deterministic and L2-normalised at the dimension asked for', async () => {
    const e = offlineEmbedder(384);
    const [a, b] = await e.embed(['Quarterly sales rose in Q3', 'Quarterly sales rose in Q3']);
    expect(a).toEqual(b);
    expect(a).toHaveLength(384);
    expect(Math.sqrt(cosine(a!, a!))).toBeCloseTo(1, 10);
    expect(embedOffline('same text', 64)).toEqual(embedOffline('same text', 64));
  });

  it('puts texts sharing words (and inflections) closer than unrelated ones', () => {
    const q = embedOffline('quarterly sales revenue', 384);
    const related = embedOffline('The sales revenue of the third quarter grew quarterly', 384);
    const inflected = embedOffline('sale revenues', 384);
    const unrelated = embedOffline('The cat sat on a warm windowsill', 384);
    expect(cosine(q, related)).toBeGreaterThan(cosine(q, unrelated) + 0.2);
    expect(cosine(q, inflected)).toBeGreaterThan(cosine(q, unrelated));
  });

  it('gives a text without words the zero vector', () => {
    expect(embedOffline('!!! ...', 8)).toEqual(new Array(8).fill(0));
  });
});
