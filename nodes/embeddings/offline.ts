// The built-in offline embedder: LEXICAL feature hashing, no model and no network. Each word and each character
// trigram of a word is hashed to one of N dimensions with a hashed sign (so collisions cancel rather than pile up),
// weighted by log term frequency, and the vector is L2-normalised, so cosine similarity measures shared words and
// word pieces. It finds texts that use the same words (and their inflections, through the trigrams); it does not
// know that "car" and "automobile" mean the same thing. Deterministic: the same text always gives the same vector.
import type { Embedder } from './embedder.js';

export const OFFLINE_MODEL = 'hash-v1';

/** FNV-1a, 32 bits: fast, stable across platforms and versions, good enough spread for feature hashing. */
function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const WORD = /[\p{L}\p{N}]+/gu;
const TRIGRAM_WEIGHT = 0.5;

/** Features of a text with their counts: the words, and the trigrams of each word padded with boundary marks. */
function features(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (f: string, w: number) => counts.set(f, (counts.get(f) ?? 0) + w);
  for (const match of text.toLowerCase().matchAll(WORD)) {
    const word = match[0];
    add(`w:${word}`, 1);
    const padded = `^${word}$`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, TRIGRAM_WEIGHT);
  }
  return counts;
}

export function embedOffline(text: string, dimensions: number): number[] {
  const v = new Float64Array(dimensions);
  for (const [feature, count] of features(text)) {
    const index = fnv1a(feature, 0) % dimensions;
    const sign = fnv1a(feature, 0x9e3779b9) & 1 ? 1 : -1;
    v[index]! += sign * (1 + Math.log(count));
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  // A text with no words (punctuation only) has no features: the zero vector, which matches nothing.
  return Array.from(v, (x) => (norm > 0 ? x / norm : 0));
}

export function offlineEmbedder(dimensions: number): Embedder {
  return {
    provider: 'offline',
    model: OFFLINE_MODEL,
    dimensions,
    embed: async (texts) => texts.map((t) => embedOffline(t, dimensions)),
  };
}
