// The bridge against a real local server through the real guarded client: only declared hosts and slots, credentials
// applied by Loom, malformed requests refused with a code, floods and huge bodies bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer, type HttpPeer } from '../../test/support/http-peer.js';
import { createTestNodeContext, type TestNodeContext } from '../../test/support/node-context.js';
import { NodeError } from '../sdk/errors.js';
import { BRIDGE_LIMITS, BUILTIN_APPLY, createBridge, type BridgeSpec } from './bridge.js';
import type { CredentialApply } from './declaration.js';
import type { CustomNodeBridge } from './protocol.js';

let peer: HttpPeer;
let context: TestNodeContext;

beforeAll(async () => {
  peer = await startHttpPeer((app) => {
    app.all('/echo', async (req) => ({
      method: req.method,
      query: req.query,
      authorization: req.headers.authorization ?? null,
      body: req.body ?? null,
    }));
    app.get('/moved', async (_req, reply) => reply.redirect('http://169.254.169.254/'));
    app.get('/huge', async (_req, reply) =>
      reply.header('content-type', 'text/plain').send('x'.repeat(BRIDGE_LIMITS.responseBodyBytes + 10)),
    );
  });
});
afterAll(async () => {
  await context?.close();
  await peer?.close();
});

const APPLY: Record<string, CredentialApply> = {
  'custom.u1.keyed': { kind: 'query', params: { key: '{{apiKey}}', token: '{{token}}' } },
  'custom.u1.headered': { kind: 'header', name: 'X-Api-Key', value: 'key {{apiKey}}' },
};

function bridge(spec: Partial<BridgeSpec> = {}): CustomNodeBridge {
  context = createTestNodeContext({
    credentials: {
      trello: { type: 'custom.u1.keyed', values: { apiKey: 'k-1', token: 'secret-token' } },
      header: { type: 'custom.u1.headered', values: { apiKey: 'k-2' } },
      bearer: { type: 'httpBearer', values: { token: 'bearer-secret' } },
      other: { type: 'custom.u1.keyed', values: { apiKey: 'x', token: 'y' } },
    },
  });
  return createBridge(context, {
    hosts: ['127.0.0.1'],
    slots: ['trello', 'header', 'bearer'],
    applyOf: (type) => APPLY[type] ?? BUILTIN_APPLY[type],
    ...spec,
  });
}

async function refused(call: Promise<unknown>): Promise<NodeError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NodeError);
  return err as NodeError;
}

describe('http.fetch', () => {
  it('sends the request and answers status, headers and the body as text', async () => {
    const answer = (await bridge()('http.fetch', {
      url: `${peer.url}/echo?a=1`,
      method: 'post',
      headers: { 'content-type': 'application/json' },
      body: '{"x":1}',
    })) as { status: number; headers: Record<string, string>; body: string };
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toContain('application/json');
    expect(JSON.parse(answer.body)).toMatchObject({ method: 'POST', query: { a: '1' }, body: { x: 1 } });
  });

  it('applies a credential the code never reads: query, header, bearer', async () => {
    const b = bridge();
    const body = async (credential: string) =>
      JSON.parse(((await b('http.fetch', { url: `${peer.url}/echo`, credential })) as { body: string }).body) as Record<string, unknown>;
    expect(await body('trello')).toMatchObject({ query: { key: 'k-1', token: 'secret-token' } });
    expect(await body('bearer')).toMatchObject({ authorization: 'Bearer bearer-secret' });
    const headered = (await b('http.fetch', { url: `${peer.url}/echo`, credential: 'header' })) as { body: string };
    expect(peer.requests.at(-1)?.headers['x-api-key']).toBe('key k-2');
    expect(headered.body).not.toContain('secret-token');
  });

  it('refuses undeclared hosts, slots and operations before anything leaves', async () => {
    const before = peer.requests.length;
    const b = bridge({ hosts: ['api.trello.com'] });
    expect((await refused(b('http.fetch', { url: `${peer.url}/echo` }))).code).toBe('CUSTOM_UNDECLARED');
    expect((await refused(bridge()('http.fetch', { url: `${peer.url}/echo`, credential: 'other' }))).code).toBe('CUSTOM_UNDECLARED');
    expect((await refused(bridge()('credentials.get', { slot: 'other' }))).code).toBe('CUSTOM_UNDECLARED');
    expect((await refused(bridge({ hosts: [] })('http.fetch', { url: 'file:///etc/passwd' }))).code).toBe('CUSTOM_UNDECLARED');
    expect((await refused(bridge()('process.exit' as never, {}))).code).toBe('CUSTOM_BRIDGE_INVALID');
    expect((await refused(bridge()('__proto__' as never, {}))).code).toBe('CUSTOM_BRIDGE_INVALID');
    expect(peer.requests.length).toBe(before);
  });

  it('refuses malformed arguments with the field named', async () => {
    const b = bridge();
    const bad = [
      { url: 42 },
      { url: `${peer.url}/echo`, method: 'TRACE' },
      { url: `${peer.url}/echo`, headers: { a: { b: 1 } } },
      { url: `${peer.url}/echo`, extra: true },
      { url: 'not a url' },
      null,
      'http://x',
    ];
    for (const args of bad) expect((await refused(b('http.fetch', args))).code).toBe('CUSTOM_BRIDGE_INVALID');
    const err = await refused(b('http.fetch', { url: `${peer.url}/echo`, body: 'x'.repeat(BRIDGE_LIMITS.requestBodyBytes + 1) }));
    expect(err.message).toContain('body');
  });

  it('hands redirects back rather than following them, and bounds the answer', async () => {
    const b = bridge();
    const moved = (await b('http.fetch', { url: `${peer.url}/moved` })) as { status: number; headers: Record<string, string> };
    expect(moved.status).toBe(302);
    expect(moved.headers.location).toBe('http://169.254.169.254/');
    expect((await refused(b('http.fetch', { url: `${peer.url}/huge` }))).code).toBe('HTTP_RESPONSE_TOO_LARGE');
  });
});

describe('logs, progress, credentials', () => {
  it('passes logs and progress on, dropping a flood past the limit with one warning', async () => {
    const b = bridge();
    for (let i = 0; i < BRIDGE_LIMITS.logCalls + 100; i++) await b('log', { level: 'info', message: `line ${i}` });
    await b('progress', { message: 'late', fraction: 0.5 });
    expect(context.logs.filter((l) => l.level === 'info')).toHaveLength(BRIDGE_LIMITS.logCalls);
    expect(context.logs.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(context.progressReports).toEqual([]);
  });

  it('opens a declared slot, and answers knowledge and files as unavailable where not wired', async () => {
    const b = bridge();
    expect(await b('credentials.get', { slot: 'trello' })).toEqual({
      type: 'custom.u1.keyed',
      values: { apiKey: 'k-1', token: 'secret-token' },
    });
    expect((await refused(b('knowledge.search', { knowledgeBaseId: 'kb_1', query: 'q' }))).code).toBe('KNOWLEDGE_UNAVAILABLE');
    expect((await refused(b('files.read', { fileId: 'file_1' }))).code).toBe('FILES_UNAVAILABLE');
  });
});
