// http.request against a real local Fastify server, through the real guarded HTTP client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer, type HttpPeer } from '../test/support/http-peer.js';
import { createTestNodeContext } from '../test/support/node-context.js';
import { httpRequest, retryAfterMs, staticHost } from './http-request.js';
import { NodeError } from './sdk/errors.js';

let peer: HttpPeer;
let hits = 0;

beforeAll(async () => {
  peer = await startHttpPeer((app) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    app.all('/echo', async (req) => ({ method: req.method, query: req.query, headers: req.headers, body: req.body ?? null }));
    app.get('/limited', async (_req, reply) => reply.status(429).header('retry-after', '2').send({ message: 'slow down' }));
    app.get('/broken', async (_req, reply) => reply.status(503).send('maintenance'));
    app.get('/missing', async (_req, reply) => reply.status(404).send({ message: 'nope' }));
    app.get('/slow', async () => {
      await new Promise((r) => setTimeout(r, 2_000));
      return { late: true };
    });
    app.get('/big', async (_req, reply) => reply.header('content-type', 'text/plain').send('x'.repeat(50_000)));
    app.get('/png', async (_req, reply) => reply.header('content-type', 'image/png').send(Buffer.from([0x89, 0x50, 0x4e, 0x47])));
    app.get('/redirect-private', async (_req, reply) => reply.redirect('http://169.254.169.254/latest/meta-data'));
    app.get('/count', async () => ({ hits: ++hits }));
  });
});
afterAll(async () => peer?.close());

function config(overrides: Record<string, unknown>) {
  const parsed = httpRequest.configSchema.parse(overrides);
  return parsed as Parameters<NonNullable<typeof httpRequest.execute>>[1];
}

async function call(overrides: Record<string, unknown>, options: Parameters<typeof createTestNodeContext>[0] = {}) {
  const context = createTestNodeContext(options);
  try {
    return await httpRequest.execute!({}, config(overrides), context);
  } finally {
    await context.close();
  }
}

async function failure(overrides: Record<string, unknown>, options: Parameters<typeof createTestNodeContext>[0] = {}): Promise<NodeError> {
  const err = await call(overrides, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NodeError);
  return err as NodeError;
}

describe('http.request', () => {
  it('sends method, query, headers and a JSON body, and parses a JSON answer', async () => {
    const out = (await call({
      method: 'POST',
      url: `${peer.url}/echo`,
      query: { q: 'loom' },
      headers: { 'x-trace': 't1' },
      bodyType: 'json',
      body: { a: 1 },
    })) as { status: number; body: { method: string; query: unknown; headers: Record<string, string>; body: unknown } };
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ method: 'POST', query: { q: 'loom' }, body: { a: 1 } });
    expect(out.body.headers['x-trace']).toBe('t1');
    expect(out.body.headers['content-type']).toBe('application/json');
  });

  it('sends form bodies', async () => {
    const out = (await call({ method: 'POST', url: `${peer.url}/echo`, bodyType: 'form', body: { name: 'Ada Lovelace' } })) as {
      body: { headers: Record<string, string>; body: unknown };
    };
    expect(out.body.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(out.body.body).toEqual({ name: 'Ada Lovelace' });
  });

  it.each([
    ['httpBearer', { token: 's3cret-token' }, (h: Record<string, string>) => expect(h.authorization).toBe('Bearer s3cret-token')],
    [
      'httpBasic',
      { username: 'ada', password: 'pw' },
      (h: Record<string, string>) => expect(h.authorization).toBe(`Basic ${Buffer.from('ada:pw').toString('base64')}`),
    ],
    [
      'httpApiKey',
      { name: 'X-API-Key', value: 'k-123', in: 'header' },
      (h: Record<string, string>) => expect(h['x-api-key']).toBe('k-123'),
    ],
  ])('authenticates with a %s credential', async (type, values, check) => {
    const out = (await call({ url: `${peer.url}/echo` }, { credentials: { auth: { type, values } } })) as {
      body: { headers: Record<string, string> };
    };
    check(out.body.headers);
  });

  it('puts an API key in the query when asked', async () => {
    const out = (await call(
      { url: `${peer.url}/echo` },
      { credentials: { auth: { type: 'httpApiKey', values: { name: 'api_key', value: 'k-9', in: 'query' } } } },
    )) as { body: { query: Record<string, string> } };
    expect(out.body.query.api_key).toBe('k-9');
  });

  it('makes 429 retryable and honours Retry-After', async () => {
    const err = await failure({ url: `${peer.url}/limited` });
    expect(err).toMatchObject({ code: 'HTTP_RETRYABLE_STATUS', retryable: true, retryAfterMs: 2_000, details: { status: 429 } });
  });

  it('makes 5xx retryable and 404 final', async () => {
    expect(await failure({ url: `${peer.url}/broken` })).toMatchObject({ code: 'HTTP_RETRYABLE_STATUS', retryable: true });
    expect(await failure({ url: `${peer.url}/missing` })).toMatchObject({
      code: 'HTTP_STATUS',
      retryable: false,
      details: { status: 404 },
    });
  });

  it('times out', async () => {
    const err = await failure({ url: `${peer.url}/slow`, timeoutMs: 200 });
    expect(err).toMatchObject({ code: 'HTTP_TIMEOUT', retryable: true });
  });

  it('caps the response size', async () => {
    const err = await failure({ url: `${peer.url}/big`, maxResponseBytes: 1_000 });
    expect(err.code).toBe('HTTP_RESPONSE_TOO_LARGE');
  });

  it('returns binary bodies as base64 with their type and size', async () => {
    const out = (await call({ url: `${peer.url}/png` })) as { body: { binary: { mimeType: string; size: number; data: string } } };
    expect(out.body.binary).toEqual({ mimeType: 'image/png', size: 4, data: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64') });
  });

  it('refuses private, loopback and link-local addresses unless allowlisted', async () => {
    const guarded = { allowedHosts: [] };
    expect(await failure({ url: `${peer.url}/count` }, guarded)).toMatchObject({ code: 'HTTP_SSRF_BLOCKED', retryable: false });
    expect(await failure({ url: 'http://localhost:8080/x' }, guarded)).toMatchObject({ code: 'HTTP_SSRF_BLOCKED' });
    expect(await failure({ url: 'http://[::1]:8080/x' }, guarded)).toMatchObject({ code: 'HTTP_SSRF_BLOCKED' });
    expect(await failure({ url: 'http://169.254.169.254/latest/meta-data' }, guarded)).toMatchObject({ code: 'HTTP_SSRF_BLOCKED' });
    expect(hits).toBe(0);
    // Allowed for 127.0.0.1, a redirect to the metadata address is still refused.
    expect(await failure({ url: `${peer.url}/redirect-private` })).toMatchObject({ code: 'HTTP_SSRF_BLOCKED' });
  });

  it('refuses non-http URLs', async () => {
    expect(await failure({ url: 'file:///etc/passwd' })).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('parses Retry-After as seconds or a date, capped', () => {
    expect(retryAfterMs('3')).toBe(3_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 5_000)).toBe(5_000);
    expect(retryAfterMs('999999')).toBe(15 * 60_000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('declares read operations for GET and external_api for writes', () => {
    expect(httpRequest.operations(config({ url: 'https://x' }))).toEqual(['read', 'external_api']);
    expect(httpRequest.operations(config({ url: 'https://x', method: 'DELETE' }))).toEqual(['external_api']);
  });
});

describe('http.request hosts, for the approval policy', () => {
  it('reads the host of a literal URL, or one whose expressions come after the host', () => {
    expect(staticHost('https://API.example.com/v1/items')).toEqual(['api.example.com']);
    expect(staticHost('https://api.example.com/{{ $json.id }}?q={{ $json.q }}')).toEqual(['api.example.com']);
    expect(staticHost('http://user@10.0.0.5:8080/x')).toEqual(['10.0.0.5']);
    expect(staticHost('http://[::1]:3000/x')).toEqual(['[::1]']);
  });

  it('does not claim to know a host an expression can change', () => {
    expect(staticHost('{{ $json.url }}')).toBeUndefined();
    expect(staticHost('https://{{ $json.tenant }}.example.com/x')).toBeUndefined();
    expect(staticHost('https://api.example.com{{ $json.rest }}')).toBeUndefined();
    expect(staticHost('https://api.{{ $json.region }}.example.com')).toBeUndefined();
    expect(staticHost('https://{{ $json.user }}@api.example.com/')).toBeUndefined();
    // The port's expression could be "80@evil.example": the authority is not over before it.
    expect(staticHost('https://api.example.com:{{ $json.port }}/x')).toBeUndefined();
  });
});
