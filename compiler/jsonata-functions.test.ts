// The compiler's table of JSONata functions is JSONata's own: every built-in the library binds, with its signature.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { JSONATA_FUNCTIONS, JSONATA_SIGNATURES, readSignature } from './jsonata-functions.js';

describe('JSONata functions', () => {
  it('lists every function the library binds, and nothing else', () => {
    const source = readFileSync(createRequire(import.meta.url).resolve('jsonata'), 'utf8');
    const bound = [...source.matchAll(/(?:staticFrame|environment)\.bind\('(\w+)', defineFunction\(/g)].map((m) => m[1]);
    expect(new Set(Object.keys(JSONATA_SIGNATURES))).toEqual(new Set(bound));
  });

  it('holds each signature as the library declares it', async () => {
    for (const [name, signature] of Object.entries(JSONATA_SIGNATURES)) {
      const fn = (await jsonata(`$${name}`).evaluate({})) as { signature?: { definition: string } };
      expect(fn.signature?.definition, name).toBe(signature);
    }
  });

  it('reads arities from signatures: optional, variadic and context parameters', () => {
    expect(readSignature('<s-nn?:s>')).toEqual({ min: 1, max: 3, returns: 'string' });
    expect(readSignature('<a+>')).toEqual({ min: 1, max: Infinity, returns: undefined });
    expect(readSignature('<s-f<s:o>n?:a<o>>')).toEqual({ min: 1, max: 3, returns: 'array' });
    expect(readSignature('<s-(sf)(sf)n?:s>')).toEqual({ min: 2, max: 4, returns: 'string' });
    expect(readSignature('<:n>')).toEqual({ min: 0, max: 0, returns: 'number' });
  });

  it('agrees with the library on which calls have the wrong number of arguments', async () => {
    for (const [name, info] of JSONATA_FUNCTIONS) {
      if (name === 'error' || name === 'assert' || name === 'eval') continue;
      // One argument past the most: JSONata refuses the call (T0410) before running it.
      if (info.max === Infinity) continue;
      const args = Array.from({ length: info.max + 1 }, () => '"1"').join(', ');
      await expect(jsonata(`$${name}(${args})`).evaluate({}), name).rejects.toMatchObject({ code: 'T0410' });
    }
  });
});
