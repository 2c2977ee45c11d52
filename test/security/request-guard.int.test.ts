// Issue #11, item 12: requests that used to be 500s. Before the fix a NUL deeper than 64 levels reached PostgreSQL (a
// 500, and the database error logged the whole document), a lone surrogate in a name failed the jsonb insert, and a
// config nested 10,000 levels overflowed the stack in the compiler.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NESTING } from '../../platform/json-guard.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;

/** A workflow document whose one node's config holds `inner` (raw JSON text) `depth` objects deep. */
function documentText(depth: number, inner: string, name = '"guarded"'): string {
  const config = `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;
  return `{"name":${name},"nodes":[{"id":"start","type":"trigger.manual"},{"id":"set","type":"data.set","config":{"assignments":[{"name":"x","value":${config}}]}}],"edges":[{"id":"e1","source":"start","target":"set"}]}`;
}

async function post(url: string, payload: string) {
  const res = await stack.api.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
  return {
    status: res.statusCode,
    code: res.statusCode >= 400 ? res.json<{ error: { code: string } }>().error.code : undefined,
    body: res.body,
  };
}

beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(async () => stack?.close(), 30_000);

describe('request guard on the real routes', () => {
  it('refuses a NUL deeper than 64 levels with 400, not a database 500', async () => {
    for (const url of ['/v1/workflows', '/v1/compile']) {
      expect(await post(url, documentText(80, '"x\\u0000y"'))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('refuses an unpaired surrogate in a name or a value with 400', async () => {
    expect(await post('/v1/workflows', documentText(1, '"ok"', '"bad \\ud800 name"'))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect(await post('/v1/workflows', documentText(3, '"\\udfff"'))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await post('/v1/credentials', JSON.stringify({ type: 'httpBearer', name: 'x', values: { token: 'a\ud800' } }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    // A well-formed pair (an emoji) is fine.
    expect((await post('/v1/workflows', documentText(1, '"ok"', '"fine \\ud83d\\udca9"'))).status).toBe(201);
  });

  it('refuses a config nested 10,000 levels with NESTING_TOO_DEEP, and accepts deep but bounded nesting', async () => {
    expect(await post('/v1/workflows', documentText(10_000, '1'))).toMatchObject({ status: 400, code: 'NESTING_TOO_DEEP' });
    expect(await post('/v1/compile', documentText(100_000, '1'))).toMatchObject({ status: 400, code: 'NESTING_TOO_DEEP' });
    // The document's own levels (root, nodes, node, config, assignments, assignment) count too.
    const saved = await post('/v1/workflows', documentText(MAX_NESTING - 8, '1'));
    expect(saved.status, saved.body.slice(0, 300)).toBeLessThan(500);
  });
});
