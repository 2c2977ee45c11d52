// The web globals a custom node gets (custom-javascript-web.ts) against Node's own, on generated inputs: form
// encoding with stray '%', '+', '&', '=' and lone surrogates, invalid UTF-8, Latin1 base64, relative URLs. Each
// batch runs as one custom node call and is compared with what this process computes.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { transpiled } from '../../test/support/custom-nodes.js';
import { CustomJavaScriptSandbox } from './custom-javascript.js';

const sandbox = new CustomJavaScriptSandbox({ maxIsolates: 1 });
afterAll(() => sandbox.dispose());
const meta = { runId: 'r', nodeId: 'n', attempt: 1, idempotencyKey: 'k', attachedSlots: [] };

/** Runs `body` (a function of `input`) as a custom node's execute and answers its output. */
async function inGuest(body: string, input: unknown): Promise<unknown> {
  const source = `import { defineNode } from '@loom/sdk';\nexport default defineNode({ type: 'web', version: 1, async execute(input) {\n${body}\n} });`;
  const result = await sandbox.run({ source: await transpiled(source), input, config: {}, meta, timeoutMs: 10_000 }, async () => null, {
    owner: 'web',
  });
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.output;
}

const sample = <T>(arbitrary: fc.Arbitrary<T>, seed: number) => fc.sample(arbitrary, { numRuns: 300, seed });
// Characters that matter to form encoding, mixed with any code unit (lone surrogates included).
const queryChar = fc.oneof(
  fc.constantFrom('%', '+', '&', '=', '?', '#', ' ', '%2', '%zz', '%C3%A9', '%E2%82', 'é', '€', '😀'),
  fc.string({ unit: 'binary', maxLength: 3 }),
);
const query = fc.array(queryChar, { maxLength: 12 }).map((parts) => parts.join(''));

describe('custom node web globals agree with Node', () => {
  it('URLSearchParams parses and serialises form encoding as Node does', async () => {
    const queries = sample(query, 17);
    const guest = await inGuest(
      'return input.map((q) => { const p = new URLSearchParams(q); return [p.toString(), [...p.entries()], new URLSearchParams({ k: q }).toString()]; });',
      queries,
    );
    // The reference parse is the URL's (ada): Node 20's own string parser of URLSearchParams mis-decodes an escape
    // followed by astral characters (new URLSearchParams('%E2%82😀') gives '%EF%BF%BD%3D%00=').
    const host = queries.map((q) => {
      const url = new URL('https://x.example/');
      url.search = q;
      const entries = [...url.searchParams];
      return [new URLSearchParams(entries).toString(), entries, new URLSearchParams({ k: q }).toString()];
    });
    expect(guest).toEqual(host);
  });

  it('URL resolves, normalises and edits URLs as Node does', async () => {
    const paths = sample(fc.tuple(query, query), 23).map(([path, search]) => ({ path, search }));
    const body = `return input.map(({ path, search }) => {
      try {
        const u = new URL(path, 'https://user:pw@api.example.com:8443/base/dir/');
        u.searchParams.append('added', search);
        const before = u.href;
        u.search = search;
        return [before, u.href, u.origin, u.host, u.pathname, u.search, u.hash, [...u.searchParams.keys()]];
      } catch (e) { return e.name; }
    });`;
    const host = paths.map(({ path, search }) => {
      try {
        const u = new URL(path, 'https://user:pw@api.example.com:8443/base/dir/');
        u.searchParams.append('added', search);
        const before = u.href;
        u.search = search;
        return [before, u.href, u.origin, u.host, u.pathname, u.search, u.hash, [...u.searchParams.keys()]];
      } catch (e) {
        return (e as Error).name;
      }
    });
    expect(await inGuest(body, paths)).toEqual(host);
  });

  it('TextEncoder, TextDecoder, btoa and atob agree byte for byte', async () => {
    const texts = sample(fc.string({ unit: 'binary', maxLength: 20 }), 31);
    const bytes = sample(fc.uint8Array({ maxLength: 16 }), 37).map((b) => [...b]);
    const latin1 = sample(fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 20 }), 41);
    const body = `return {
      encoded: input.texts.map((t) => [...new TextEncoder().encode(t)]),
      decoded: input.bytes.map((b) => new TextDecoder().decode(new Uint8Array(b))),
      base64: input.latin1.map((s) => [btoa(s), atob(btoa(s)) === s]),
    };`;
    expect(await inGuest(body, { texts, bytes, latin1 })).toEqual({
      encoded: texts.map((t) => [...new TextEncoder().encode(t)]),
      decoded: bytes.map((b) => new TextDecoder().decode(new Uint8Array(b))),
      base64: latin1.map((s) => [btoa(s), true]),
    });
  });
});
