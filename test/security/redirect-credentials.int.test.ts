// Issue #11 items 7 and 10: a credential's Authorization header followed a redirect to another host, and the new
// host was not checked against the workflow's allowedHosts. On the real stack, with real credentials and real local
// servers: a hop to another origin carries no credential (header or query key), a hop within the origin keeps it,
// and a hop to a host off the allowlist is refused before anything is sent there.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer, type HttpPeer } from '../support/http-peer.js';
import { runToEnd } from '../support/runs.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let origin: HttpPeer;
let other: HttpPeer;
const TOKEN = `tok_${randomBytes(12).toString('hex')}`;
const KEY = `key_${randomBytes(12).toString('hex')}`;

beforeAll(async () => {
  stack = await startTestStack();
  // Another origin (another port), and the same server reached by another host name.
  other = await startHttpPeer((app) => {
    app.get('/land', async (req) => ({
      authorization: req.headers.authorization ?? null,
      url: req.url,
      trace: req.headers['x-trace'] ?? null,
    }));
  });
  origin = await startHttpPeer((app) => {
    app.get('/me', async (req) => ({ authorized: req.headers.authorization === `Bearer ${TOKEN}` }));
    app.get('/same', async (_req, reply) => reply.redirect('/me', 302));
    app.get('/away', async (_req, reply) => reply.redirect(`${other.url}/land`, 302));
    // An open redirect that keeps the query string, as many do: the API key would travel with it.
    app.get('/away-with-query', async (req, reply) => reply.redirect(`${other.url}/land${req.url.slice(req.url.indexOf('?'))}`, 307));
    app.get('/elsewhere', async (_req, reply) => reply.redirect(`http://localhost:${new URL(other.url).port}/land`, 302));
  });
});
afterAll(async () => {
  await stack?.close();
  await origin?.close();
  await other?.close();
});

async function credential(type: string, values: Record<string, string>): Promise<string> {
  const res = await stack.api.inject({ method: 'POST', url: '/v1/credentials', payload: { type, name: type, values } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

async function runCall(url: string, credentialId: string, settings?: Record<string, unknown>) {
  const run = await runToEnd(stack.api, {
    name: 'redirect',
    nodes: [
      { id: 'start', type: 'trigger.manual' },
      { id: 'call', type: 'http.request', config: { url, headers: { 'x-trace': 't-1' } }, credentials: { auth: credentialId } },
    ],
    edges: [{ id: 'e', source: 'start', target: 'call' }],
    ...(settings ? { settings } : {}),
  });
  return run.nodes.find((n) => n.nodeId === 'call') as {
    status: string;
    output?: { body: Record<string, unknown> };
    error?: { code: string };
  };
}

describe('redirects', () => {
  it('keep the Authorization header within the origin', async () => {
    const node = await runCall(`${origin.url}/same`, await credential('httpBearer', { token: TOKEN }));
    expect(node.output?.body).toEqual({ authorized: true });
  });

  it('drop the Authorization header, and headers the node set, on a hop to another origin', async () => {
    const node = await runCall(`${origin.url}/away`, await credential('httpBearer', { token: TOKEN }));
    expect(node.output?.body).toEqual({ authorization: null, url: '/land', trace: null });
    expect(JSON.stringify(other.requests)).not.toContain(TOKEN);
  });

  it('drop a query-string API key that a redirect to another origin would carry', async () => {
    const node = await runCall(
      `${origin.url}/away-with-query?keep=1`,
      await credential('httpApiKey', { name: 'api_key', value: KEY, in: 'query' }),
    );
    expect(origin.requests.at(-1)?.url).toContain(KEY);
    expect(node.output?.body).toMatchObject({ url: '/land?keep=1' });
    expect(JSON.stringify(other.requests)).not.toContain(KEY);
  });

  it("to a host off the workflow's allowedHosts are refused, and nothing reaches that host", async () => {
    const before = other.requests.length;
    const node = await runCall(`${origin.url}/elsewhere`, await credential('httpBearer', { token: TOKEN }), {
      allowedHosts: ['127.0.0.1'],
    });
    expect(node).toMatchObject({ status: 'failed', error: { code: 'HTTP_REDIRECT_BLOCKED' } });
    expect(other.requests.length).toBe(before);
  });

  it('to a listed host are followed', async () => {
    const node = await runCall(`${origin.url}/elsewhere`, await credential('httpBearer', { token: TOKEN }), {
      allowedHosts: ['127.0.0.1', 'localhost'],
    });
    expect(node.output?.body).toMatchObject({ authorization: null, url: '/land' });
  });
});
