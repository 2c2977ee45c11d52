// Every JSONata built-in is accounted for: shadowed by a guard (guarded-builtins.ts), or known to build at most a
// small multiple of its arguments in one call, which the size check at each step's exit catches (limits.ts). A
// JSONata upgrade that adds a built-in fails here until someone decides which of the two it is.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { GUARDED_BUILTINS } from './guarded-builtins.js';

/** Built-ins whose result is within a constant multiple of their arguments (or a constant): no guard needed. */
const BOUNDED: Record<string, string> = Object.fromEntries(
  Object.entries({
    'at most their input, reordered or picked': [
      'filter',
      'sift',
      'single',
      'sort',
      'shuffle',
      'reverse',
      'keys',
      'lookup',
      'each',
      'map',
      'reduce',
      'substring',
      'substringAfter',
      'substringBefore',
      'trim',
      'lowercase',
      'uppercase',
      'match',
      'split',
      'zip',
      'append',
      'merge',
      'clone',
    ],
    'a number, a boolean or a constant-size value': [
      'abs',
      'average',
      'boolean',
      'ceil',
      'contains',
      'count',
      'exists',
      'floor',
      'length',
      'max',
      'min',
      'not',
      'number',
      'parseInteger',
      'power',
      'random',
      'round',
      'sqrt',
      'sum',
      'type',
      'millis',
      'now',
      'toMillis',
      'fromMillis',
      'formatBase',
      'formatInteger',
      'formatNumber',
    ],
    'a fixed multiple of the text (at most 3x for URL and base64 encodings)': [
      'base64decode',
      'base64encode',
      'decodeUrl',
      'decodeUrlComponent',
      'encodeUrl',
      'encodeUrlComponent',
    ],
    'nothing: they throw': ['error', 'assert'],
    'an evaluation under the same hooks and bounds': ['eval'],
  }).flatMap(([why, names]) => names.map((n) => [n, why])),
);

async function jsonataBuiltins(): Promise<string[]> {
  const source = await readFile(createRequire(import.meta.url).resolve('jsonata'), 'utf8');
  return [...new Set([...source.matchAll(/\.bind\('(\w+)'/g)].map((m) => m[1]!))].sort();
}

describe('JSONata built-ins', () => {
  it('are each either guarded or known to be bounded', async () => {
    const guarded = new Set(GUARDED_BUILTINS.map(([name]) => name));
    const builtins = await jsonataBuiltins();
    // The scan found JSONata's table (a change in how it binds them would otherwise pass vacuously).
    expect(builtins.length).toBeGreaterThan(50);
    expect(builtins).toContain('pad');
    const unaccounted = builtins.filter((name) => !guarded.has(name) && !(name in BOUNDED));
    expect(unaccounted, 'classify these built-ins: guard them in guarded-builtins.ts or list them as bounded here').toEqual([]);
    // And nothing is classified twice or left over from a JSONata that had it.
    expect(Object.keys(BOUNDED).filter((name) => guarded.has(name))).toEqual([]);
    expect([...guarded, ...Object.keys(BOUNDED)].filter((name) => !builtins.includes(name))).toEqual([]);
  });
});
