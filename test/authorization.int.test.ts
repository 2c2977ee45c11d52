// The authorization matrix, generated from the gateway's own route table: every route is called as a stranger
// (no credentials), as another user and as the owner of the resources in its path (and admin routes as an admin).
// A route added later joins the matrix by itself, and fails it until it has fixtures and a sample body here.
// API keys narrowed to one scope, and to every scope but one, are called on every route too (issue #11, item 4).
import { eq } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RouteTableEntry } from '../apps/gateway/auth/access.js';
import { payloads } from '../db/schema.js';
import { SCOPES, type Scope } from '../identity/scopes.js';
import { openAiModel } from '../orchestrator/ai/model.js';
import { startLlmPeer, type LlmPeer } from './support/llm-peers.js';
import { multipartBody } from './support/multipart.js';
import { saveWorkflow, startRunOf } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';
import type { Api, TestUser } from './support/users.js';

let stack: TestStack;
let other: TestUser;
let admin: TestUser;
let base: string;
/** The owner's resources, by the path parameter that names them. */
const owned: Record<string, string> = {};

let model: LlmPeer;

beforeAll(async () => {
  model = await startLlmPeer();
  stack = await startTestStack({
    ai: {
      models: new Map([['peer', openAiModel({ baseUrl: `${model.url}/v1`, apiKey: 'sk-local', model: 'peer' })]]),
      local: undefined,
      maxRepairs: 0,
      timeoutMs: 5_000,
    },
  });
  other = await stack.createUser({ name: 'other' });
  admin = await stack.createUser({ name: 'admin', role: 'admin' });
  base = await stack.app.listen({ host: '127.0.0.1', port: 0 });
  const api = stack.api;
  const credential = await api.inject({
    method: 'POST',
    url: '/v1/credentials',
    payload: { type: 'httpBearer', name: 'token', values: { token: 'matrix-secret-token' } },
  });
  expect(credential.statusCode, credential.body).toBe(201);
  const workflowId = await saveWorkflow(api, MATRIX_WORKFLOW('matrix'));
  const hooks = await api.inject({ method: 'GET', url: `/v1/workflows/${workflowId}/hooks` });
  // A large input is stored as a payload, so the payload route has something to serve.
  const runId = await startRunOf(api, workflowId, { blob: 'x'.repeat(200_000) });
  let requestId: string | undefined;
  for (const deadline = Date.now() + 20_000; !requestId && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    requestId = (await api.inject({ method: 'GET', url: `/v1/requests?runId=${runId}` })).json<{ items: { id: string }[] }>().items[0]?.id;
  }
  const [payload] = await stack.database.db.select({ id: payloads.id }).from(payloads).where(eq(payloads.runId, runId));
  const key = await api.inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'matrix' } });
  model.script({
    content: JSON.stringify({ name: 'drafted', explanation: 'x', nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] }),
  });
  const draft = await api.inject({ method: 'POST', url: '/v1/ai/workflows/generate', payload: { prompt: 'A manual workflow' } });
  expect(draft.statusCode, draft.body).toBe(201);
  const file = await api.inject({ method: 'POST', url: '/v1/files', ...UPLOADS['POST /v1/files']!() });
  expect(file.statusCode, file.body).toBe(201);
  const kb = await api.inject({ method: 'POST', url: '/v1/knowledge-bases', payload: MATRIX_KB });
  expect(kb.statusCode, kb.body).toBe(201);
  const kbId = kb.json<{ id: string }>().id;
  const kbSource = await api.inject({
    method: 'POST',
    url: `/v1/knowledge-bases/${kbId}/sources`,
    payload: { title: 'Notes', text: 'Matrix notes.' },
  });
  expect(kbSource.statusCode, kbSource.body).toBe(202);
  const customNode = await api.inject({ method: 'POST', url: '/v1/custom-nodes', payload: BODIES['POST /v1/custom-nodes']!() as object });
  expect(customNode.statusCode, customNode.body).toBe(201);
  // Deleting the owner's node comes last among the owner's calls; the admin's routes get one of their own.
  const reviewed = await api.inject({
    method: 'POST',
    url: '/v1/custom-nodes',
    payload: {
      ...(BODIES['POST /v1/custom-nodes']!() as object),
      source: `import { defineNode } from '@loom/sdk';\nexport default defineNode({ type: 'matrix.reviewed', displayName: 'Reviewed', async execute() { return 1; } });`,
    },
  });
  expect(reviewed.statusCode, reviewed.body).toBe(201);
  Object.assign(owned, {
    customNode: customNode.json<{ type: string }>().type,
    reviewedNode: reviewed.json<{ type: string }>().type,
    kb: kbId,
    kbSource: kbSource.json<{ id: string }>().id,
    workflow: workflowId,
    run: runId,
    request: requestId!,
    credential: credential.json<{ id: string }>().id,
    payload: payload!.id,
    key: key.json<{ id: string }>().id,
    hook: hooks.json<{ items: { hookId: string }[] }>().items[0]!.hookId,
    draft: draft.json<{ draftId: string }>().draftId,
    file: file.json<{ id: string }>().id,
  });
  expect(Object.values(owned).every(Boolean)).toBe(true);
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await model?.close();
}, 30_000);

const MATRIX_KB = { name: 'matrix', embedding: { provider: 'offline', model: 'hash-v1', dimensions: 32 } };

/** The owner's workflow: a manual trigger and a webhook (so hook routes have a hook) before a question. */
const MATRIX_WORKFLOW = (name: string) => ({
  name,
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'hook', type: 'trigger.webhook', config: { authentication: 'none' } },
    { id: 'ask', type: 'human.question', config: { question: 'Go on?', options: ['yes', 'no'] } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'ask' },
    { id: 'e2', source: 'hook', target: 'ask' },
  ],
});

/** Which owned resource a path parameter names, by the route's prefix. */
function fill(url: string): { url: string; ownedParam: boolean } {
  let ownedParam = false;
  const filled = url.replace(/:(\w+)/g, (_m, param: string) => {
    const fixture = (): string => {
      if (param === 'payloadId') return owned.payload!;
      if (param === 'version') return '1';
      if (param === 'hookId') return owned.hook!;
      if (param === 'draftId') return owned.draft!;
      if (param === 'nodeId') return 'ask';
      if (param === 'sourceId') return owned.kbSource!;
      if (param === 'type') return url.startsWith('/v1/admin/') ? owned.reviewedNode! : owned.customNode!;
      if (param === 'token') return stack.links.sign({ requestId: owned.request!, expiresAt: Date.now() + 3_600_000 });
      if (param !== 'id') throw new Error(`No fixture for :${param} in ${url}: add one to the authorization matrix`);
      if (url.startsWith('/v1/workflows/')) return owned.workflow!;
      if (url.startsWith('/v1/runs/') || url.startsWith('/console/runs/')) return owned.run!;
      if (url.startsWith('/console/requests/')) return owned.request!;
      if (url.startsWith('/v1/requests/')) return owned.request!;
      if (url.startsWith('/v1/credentials/')) return owned.credential!;
      if (url.startsWith('/v1/api-keys/')) return owned.key!;
      if (url.startsWith('/v1/files/')) return owned.file!;
      if (url.startsWith('/v1/knowledge-bases/')) return owned.kb!;
      if (url.startsWith('/v1/admin/users/')) return other.id;
      throw new Error(`No fixture for :id in ${url}: add one to the authorization matrix`);
    };
    if (param !== 'token' && !url.startsWith('/v1/admin/')) ownedParam = true;
    return fixture();
  });
  return { url: filled, ownedParam };
}

/** A valid body for every route that takes one; a route missing here fails the matrix. */
const BODIES: Record<string, () => unknown> = {
  'POST /v1/auth/login': () => ({ email: stack.user.email, password: stack.user.password }),
  'POST /v1/auth/refresh': () => ({ refreshToken: 'lrt_not-a-real-token-at-all' }),
  'POST /v1/auth/logout': () => ({ refreshToken: 'lrt_not-a-real-token-at-all' }),
  'POST /v1/compile': () => ({ nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] }),
  'POST /v1/workflows': () => ({ name: 'new', nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] }),
  'PUT /v1/workflows/:id': () => MATRIX_WORKFLOW('renamed'),
  'POST /v1/workflows/:id/activate': () => undefined,
  // The stack's model answers "ok", never a workflow: generate and edit are 422 AI_DRAFT_INVALID once authorized.
  'POST /v1/ai/workflows/generate': () => ({ prompt: 'Fetch orders every morning' }),
  'POST /v1/workflows/:id/ai/edit': () => ({ prompt: 'Rename the question', baseVersion: 1 }),
  'POST /v1/ai/drafts/:draftId/apply': () => ({}),
  'POST /v1/ai/custom-nodes/generate': () => ({ prompt: 'A node that creates a Trello card' }),
  'POST /v1/workflows/:id/deactivate': () => undefined,
  'DELETE /v1/workflows/:id': () => undefined,
  'POST /v1/workflows/:id/hooks/:hookId/secrets': () => ({}),
  'POST /v1/workflows/:id/hooks/:hookId/listen': () => undefined,
  ...Object.fromEntries(
    ['POST', 'PUT', 'PATCH', 'DELETE'].flatMap((m) =>
      [`${m} /v1/hooks/:hookId`, `${m} /v1/hooks-test/:hookId`].map((k) => [k, () => ({})]),
    ),
  ),
  'POST /v1/workflows/:id/runs': () => ({ input: {} }),
  'POST /v1/nodes/test': () => ({ node: { id: 'n', type: 'flow.noop' }, input: {} }),
  'POST /v1/workflows/:id/versions/:version/restore': () => undefined,
  'POST /v1/workflows/:id/schedule/pause': () => undefined,
  'POST /v1/workflows/:id/schedule/unpause': () => undefined,
  'POST /v1/workflows/:id/schedule/trigger': () => undefined,
  'POST /v1/runs/:id/pause': () => undefined,
  'POST /v1/runs/:id/resume': () => undefined,
  'POST /v1/runs/:id/stop': () => undefined,
  'POST /v1/runs/:id/terminate': () => ({ reason: 'matrix' }),
  'POST /v1/requests/:id/answer': () => ({ answer: 'yes' }),
  'POST /v1/answer-links/:token': () => ({ answer: 'yes' }),
  // The console's form posts (a bearer caller needs no CSRF token: only the console's cookie is sent by the browser alone).
  'POST /a/:token': () => ({ answer: 'yes', csrf: 'not-the-token' }),
  'POST /console/sign-in': () => ({ email: stack.user.email, password: stack.user.password, csrf: 'no-pre-session-cookie' }),
  'POST /console/sign-out': () => ({}),
  'POST /console/requests/:id/answer': () => ({ answer: 'yes' }),
  'POST /console/runs/:id/control': () => ({ action: 'resume' }),
  'POST /v1/credentials': () => ({ type: 'httpBearer', name: 'another', values: { token: 'another-secret' } }),
  'DELETE /v1/credentials/:id': () => undefined,
  'DELETE /v1/files/:id': () => undefined,
  'POST /v1/api-keys': () => ({ name: 'another' }),
  'POST /v1/api-keys/:id/rotate': () => ({ graceSeconds: 60 }),
  'DELETE /v1/api-keys/:id': () => undefined,
  'POST /v1/admin/users': () => ({
    email: `made-${Math.random().toString(36).slice(2)}@test.loom`,
    name: 'Made',
    password: 'a-long-enough-password',
  }),
  'PATCH /v1/admin/users/:id': () => ({ tier: 'pro' }),
  'POST /v1/knowledge-bases': () => MATRIX_KB,
  'POST /v1/knowledge-bases/:id/sources': () => ({ title: 'More', text: 'More matrix notes.' }),
  'POST /v1/knowledge-bases/:id/sources/:sourceId/cancel': () => undefined,
  'POST /v1/knowledge-bases/:id/search': () => ({ query: 'matrix notes', topK: 5 }),
  'DELETE /v1/knowledge-bases/:id': () => undefined,
  'POST /v1/custom-nodes': () => ({
    language: 'javascript',
    source: `import { defineNode } from '@loom/sdk';\nexport default defineNode({ type: 'matrix.node', displayName: 'Matrix ${Math.random()}', operations: ['pure'], async execute(input) { return input; } });`,
  }),
  'POST /v1/custom-nodes/:type/disable': () => undefined,
  'POST /v1/custom-nodes/:type/enable': () => undefined,
  'DELETE /v1/custom-nodes/:type': () => undefined,
  'POST /v1/admin/custom-nodes/:type/versions/:version/publish': () => undefined,
  'POST /v1/admin/custom-nodes/:type/versions/:version/unpublish': () => undefined,
  'POST /v1/admin/codec/decode': () => ({ payloads: [] }),
  'POST /v1/admin/codec/encode': () => ({ payloads: [] }),
};

/** Routes that take multipart/form-data: a body and its headers; each call uploads different bytes (no dedupe). */
const UPLOADS: Record<string, () => ReturnType<typeof multipartBody>> = {
  'POST /v1/files': () => multipartBody({ filename: 'matrix.txt', contentType: 'text/plain' }, Buffer.from(`matrix ${Math.random()}\n`)),
};

/** Streams never end by themselves: they are opened over real HTTP, checked by their status, then closed. */
const STREAMS = new Set(['GET /v1/runs/:id/events', 'GET /v1/ws']);
/** Effects that would end the fixtures for the routes after them run last, as the owner. */
const LAST = [
  'POST /v1/runs/:id/terminate',
  'DELETE /v1/credentials/:id',
  'DELETE /v1/api-keys/:id',
  'DELETE /v1/files/:id',
  'DELETE /v1/knowledge-bases/:id',
  'DELETE /v1/custom-nodes/:type',
  'DELETE /v1/workflows/:id',
];

async function openStream(url: string, user: TestUser | undefined): Promise<{ status: number; body: string }> {
  const headers = user?.headers ?? {};
  if (url === '/v1/ws') {
    return new Promise((resolve) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}${url}`, { headers });
      ws.on('open', () => {
        ws.terminate();
        resolve({ status: 101, body: '' });
      });
      ws.on('unexpected-response', (req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          // Refused upgrades leave the socket open unless the client hangs up.
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
    });
  }
  const abort = new AbortController();
  const res = await fetch(`${base}${url}`, { headers, signal: abort.signal });
  const body = res.ok ? '' : await res.text();
  abort.abort();
  return { status: res.status, body };
}

async function call(api: Api, route: RouteTableEntry, user?: TestUser, bodies = BODIES): Promise<{ status: number; body: string }> {
  const name = `${route.method} ${route.url}`;
  const { url } = fill(route.url);
  const upload = UPLOADS[name];
  if (upload) {
    const res = await api.inject({ method: route.method as InjectOptions['method'], url, ...upload() });
    return { status: res.statusCode, body: res.body };
  }
  if (route.method !== 'GET' && !(name in bodies)) throw new Error(`No sample body for ${name}: add one to the authorization matrix`);
  const body = bodies[name]?.();
  const options: InjectOptions = {
    method: route.method as InjectOptions['method'],
    url,
    ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
  };
  if (STREAMS.has(name)) return openStream(url, user);
  const res = await api.inject(options);
  return { status: res.statusCode, body: res.body };
}

function routes(): RouteTableEntry[] {
  const table = [...stack.app.routeTable].filter((r) => r.method !== 'OPTIONS');
  const rank = (r: RouteTableEntry) => LAST.indexOf(`${r.method} ${r.url}`);
  return table.sort((a, b) => rank(a) - rank(b));
}

describe('authorization matrix', () => {
  it("keeps another user's WebSocket away from the owner's runs and requests", async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/ws`, { headers: other.headers });
    const messages: { type: string; error?: { code: string } }[] = [];
    ws.on('message', (m: Buffer) => messages.push(JSON.parse(m.toString()) as (typeof messages)[number]));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'subscribe', runId: owned.run }));
    ws.send(JSON.stringify({ type: 'pause', runId: owned.run }));
    ws.send(JSON.stringify({ type: 'answer', requestId: owned.request, answer: 'yes' }));
    for (const deadline = Date.now() + 5_000; messages.length < 3 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    ws.terminate();
    expect(messages.map((m) => [m.type, m.error?.code])).toEqual([
      ['error', 'NOT_FOUND'],
      ['error', 'NOT_FOUND'],
      ['error', 'NOT_FOUND'],
    ]);
  });

  it('covers every route, each declaring its access', () => {
    const table = routes();
    expect(table.length).toBeGreaterThan(30);
    for (const r of table) expect(['public', 'user', 'admin']).toContain(r.access);
    // Only these are open to strangers; anything else public must be added here deliberately.
    expect(
      table
        .filter((r) => r.access === 'public')
        .map((r) => `${r.method} ${r.url}`)
        .sort(),
    ).toEqual(
      [
        'GET /healthz',
        'GET /readyz',
        // The API's description: no secret, read by editors before anyone signs in.
        'GET /openapi.json',
        'GET /docs',
        'GET /v1/answer-links/:token',
        // The console: the answer page (the token is the grant), signing in, and its scripts and styles.
        'GET /a/:token',
        'POST /a/:token',
        'GET /console/assets/:file',
        'GET /console/sign-in',
        'POST /console/sign-in',
        'GET /v1/schemas/workflow-document',
        'POST /v1/answer-links/:token',
        'POST /v1/auth/login',
        'POST /v1/auth/refresh',
        // Webhooks: their own authentication (signature, token or none) decides, per hook.
        ...['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].flatMap((m) => [`${m} /v1/hooks/:hookId`, `${m} /v1/hooks-test/:hookId`]),
      ].sort(),
    );
  });

  it('refuses strangers on every non-public route with 401', async () => {
    const stranger = stack.as(undefined);
    for (const route of routes().filter((r) => r.access !== 'public')) {
      const res = await call(stranger, route, undefined);
      expect(res.status, `${route.method} ${route.url}: ${res.body}`).toBe(401);
    }
  });

  it('refuses a tampered, an expired-signature and a foreign token with 401', async () => {
    const [head, payload, signature] = stack.user.accessToken.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: other.id })).toString(
      'base64url',
    );
    for (const token of [
      `${head}.${forged}.${signature}`,
      `${head}.${payload}.${signature!.slice(0, -4)}AAAA`,
      'not-a-jwt',
      'loom_abcdefgh_' + 'A'.repeat(43),
    ]) {
      const res = await stack.api.inject({ method: 'GET', url: '/v1/workflows', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode, token).toBe(401);
    }
  });

  it("shows another user none of the owner's resources: 404 by id, absent from lists; admin routes 403", async () => {
    const api = stack.as(other);
    const ownedIds = Object.values(owned);
    for (const route of routes().filter((r) => r.access !== 'public')) {
      const res = await call(api, route, other);
      const where = `${route.method} ${route.url}: ${res.status} ${res.body.slice(0, 300)}`;
      if (route.access === 'admin') expect(res.status, where).toBe(403);
      else if (fill(route.url).ownedParam) expect(res.status, where).toBe(404);
      else {
        expect(res.status, where).toBeLessThan(500);
        expect([401, 403, 404], where).not.toContain(res.status);
        for (const id of ownedIds) expect(res.body, where).not.toContain(id);
      }
    }
  });

  it('answers malformed input on every route with a 4xx and an error code, never a 500', async () => {
    const bodies = [
      ...fc.sample(fc.jsonValue({ maxDepth: 3 }), { numRuns: 12, seed: 7 }).map((v) => JSON.stringify(v)),
      '{"name": "trunc',
      '[1, 2',
      '{"answer": }',
      'null',
      '"just a string"',
      '{"__proto__": {"admin": true}}',
      JSON.stringify({ nodes: 'x'.repeat(10_000) }),
    ];
    const hostileParams = ['%00', 'x'.repeat(5_000), '..%2F..%2Fetc%2Fpasswd', '%F0%9F%92%A9', "' or 1=1 --"];
    let checked = 0;
    for (const route of routes().filter((r) => r.access !== 'public' || r.method === 'POST')) {
      const name = `${route.method} ${route.url}`;
      // An upload route gets the JSON bodies too: they are not multipart, which it refuses with a code.
      if (STREAMS.has(name) || LAST.includes(name) || (route.method !== 'GET' && !BODIES[name]?.() && !UPLOADS[name])) continue;
      const api = route.access === 'admin' ? stack.as(admin) : stack.api;
      const { url } = fill(route.url);
      const requests: InjectOptions[] =
        route.method === 'GET'
          ? [
              ...hostileParams.map((p) => ({
                method: 'GET' as const,
                url: route.url.includes(':') ? route.url.replace(/:\w+/g, p) : `${url}?limit=${p}&status=${p}&since=${p}`,
              })),
            ]
          : bodies.map((payload) => ({
              method: route.method as InjectOptions['method'],
              url,
              payload,
              headers: { 'content-type': 'application/json' },
            }));
      for (const options of requests) {
        const res = await api.inject(options);
        const where = `${name} ${String(options.payload ?? options.url).slice(0, 80)}: ${res.statusCode} ${res.body.slice(0, 200)}`;
        expect(res.statusCode, where).toBeLessThan(500);
        if (res.statusCode >= 400)
          expect(res.json<{ error: { code: string; message: string } }>().error, where).toMatchObject({
            code: expect.any(String),
            message: expect.any(String),
          });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);

    // A body past the limit (20 MB) is refused before it is parsed.
    const huge = await stack.api.inject({
      method: 'POST',
      url: '/v1/compile',
      payload: `{"nodes":"${'x'.repeat(20 * 1024 * 1024)}"}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json<{ error: { code: string } }>().error.code).toBe('BODY_TOO_LARGE');
  });

  it('lets the owner use every user route (admin routes are 403 for a non-admin)', async () => {
    for (const route of routes().filter((r) => r.access !== 'public')) {
      const res = await call(stack.api, route, stack.user);
      const where = `${route.method} ${route.url}: ${res.status} ${res.body.slice(0, 300)}`;
      if (route.access === 'admin') expect(res.status, where).toBe(403);
      else {
        expect(res.status, where).toBeLessThan(500);
        expect([401, 403, 404], where).not.toContain(res.status);
      }
    }
  });

  it('lets an admin use every admin route', async () => {
    const api = stack.as(admin);
    for (const route of routes().filter((r) => r.access === 'admin')) {
      const res = await call(api, route, admin);
      expect(res.status, `${route.method} ${route.url}: ${res.body}`).toBeLessThan(300);
    }
  });
  // Last: the calls a narrowed key is allowed to make have their real effects (the fixtures LAST ended are 404s).
  it("refuses a key lacking the route's scope with 403 on every route, and lets a key with only that scope through", async () => {
    const keys = new Map<string, TestUser>();
    /** A caller holding exactly `scopes` through an API key of `owner`'s (the owner's resources stay theirs). */
    const keyed = async (owner: TestUser, scopes: Scope[]): Promise<TestUser> => {
      const name = `${owner.id} ${scopes.join(',')}`;
      const known = keys.get(name);
      if (known) return known;
      const res = await stack.as(owner).inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'narrowed', scopes } });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(201);
      const caller = { ...owner, headers: { authorization: `Bearer ${res.json<{ key: string }>().key}` } };
      keys.set(name, caller);
      return caller;
    };
    const table = routes().filter((r) => r.access !== 'public');
    for (const route of table) {
      const owner = route.access === 'admin' ? admin : stack.user;
      const scope = route.scope!;
      // Every scope the owner could give a key, except the one this route needs.
      const others = SCOPES.filter((s) => s !== scope && (owner === admin || s !== 'admin'));
      const without = await keyed(owner, others);
      const refused = await call(stack.as(without), route, without);
      expect(refused.status, `${route.method} ${route.url} without ${scope}: ${refused.body.slice(0, 200)}`).toBe(403);
    }
    // A key with only keys:manage may create, rotate and revoke keys of that scope and no wider: the key routes'
    // fixtures are such a key and such a body (a wider one is refused by the handler, rightly: item 5).
    const manageable = await stack.api.inject({
      method: 'POST',
      url: '/v1/api-keys',
      payload: { name: 'manageable', scopes: ['keys:manage'] },
    });
    owned.key = manageable.json<{ id: string }>().id;
    const narrowedBodies = { ...BODIES, 'POST /v1/api-keys': () => ({ name: 'narrowed-child', scopes: ['keys:manage'] }) };
    for (const route of table) {
      const owner = route.access === 'admin' ? admin : stack.user;
      const only = await keyed(owner, [route.scope!]);
      const allowed = await call(stack.as(only), route, only, narrowedBodies);
      const where = `${route.method} ${route.url} with only ${route.scope}: ${allowed.status} ${allowed.body.slice(0, 200)}`;
      expect(allowed.status, where).toBeLessThan(500);
      expect([401, 403], where).not.toContain(allowed.status);
    }
  }, 60_000);
});
