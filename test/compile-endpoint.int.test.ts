// POST /v1/compile and the palette, through the real gateway. The fuzz part: whatever bytes arrive,
// the answer is a 200 or a 4xx with the error shape, never a 500.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

const valid = {
  name: 'Fetch',
  nodes: [
    { id: 'start', type: 'trigger.manual', config: {} },
    { id: 'fetch', type: 'http.request', config: { url: 'https://api.example.com/leads' } },
  ],
  edges: [{ id: 'e1', source: 'start', target: 'fetch' }],
};

describe('POST /v1/compile', () => {
  it('returns the plan of a valid document', async () => {
    const res = await stack.api.inject({ method: 'POST', url: '/v1/compile', payload: valid });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ ok: boolean; errors: unknown[]; plan: { hash: string; nodes: { id: string }[] } }>();
    expect(body.ok).toBe(true);
    expect(body.errors).toEqual([]);
    expect(body.plan.nodes.map((n) => n.id)).toEqual(['start', 'fetch']);
    expect(body.plan.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('returns 200 with diagnostics for an invalid document, and 400 for malformed JSON', async () => {
    const invalid = await stack.api.inject({ method: 'POST', url: '/v1/compile', payload: { nodes: 'nope' } });
    expect(invalid.statusCode).toBe(200);
    expect(invalid.json()).toMatchObject({ ok: false, errors: [{ code: 'SCHEMA_INVALID' }] });
    const malformed = await stack.api.inject({
      method: 'POST',
      url: '/v1/compile',
      headers: { 'content-type': 'application/json' },
      payload: '{"nodes":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: { code: 'INVALID_JSON' } });
  });

  it('never answers 500 to random or truncated JSON', async () => {
    const text = JSON.stringify(valid);
    const bodies = fc.oneof(
      fc.json(),
      fc.nat({ max: text.length }).map((n) => text.slice(0, n)),
      fc.jsonValue().map((v) => JSON.stringify({ ...valid, nodes: [v, ...valid.nodes] })),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (payload) => {
        const res = await stack.api.inject({
          method: 'POST',
          url: '/v1/compile',
          headers: { 'content-type': 'application/json' },
          payload,
        });
        expect(res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500), `${res.statusCode} for ${payload}`).toBe(true);
        if (res.statusCode !== 200) expect(res.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
      }),
      { numRuns: 300 },
    );
  });
});

describe('palette', () => {
  it('lists node types with their fields, handles and credential slots', async () => {
    const res = await stack.api.inject({ method: 'GET', url: '/v1/nodes' });
    expect(res.statusCode).toBe(200);
    const http = res
      .json<{ items: { type: string; fields: { name: string; kind: string }[]; credentials: { slot: string; types: string[] }[] }[] }>()
      .items.find((n) => n.type === 'http.request');
    expect(http?.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['method', 'url', 'headers', 'body']));
    expect(http?.credentials).toEqual([{ slot: 'auth', types: ['httpBearer', 'httpBasic', 'httpApiKey'], required: false }]);
  });

  it('lists credential types with secret fields marked', async () => {
    const res = await stack.api.inject({ method: 'GET', url: '/v1/credential-types' });
    const basic = res
      .json<{ items: { type: string; fields: { name: string; secret?: boolean }[] }[] }>()
      .items.find((c) => c.type === 'httpBasic');
    expect(basic?.fields.find((f) => f.name === 'password')?.secret).toBe(true);
  });

  it('publishes the document JSON Schema', async () => {
    const res = await stack.api.inject({ method: 'GET', url: '/v1/schemas/workflow-document' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ type: 'object', required: expect.arrayContaining(['nodes']) });
  });
});
