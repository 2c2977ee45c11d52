// Issue #11, item 6: live connections outlive the request that authorized them. Before the fix an open WebSocket
// kept pausing, resuming and answering after its API key was deleted or its user disabled, and an SSE stream kept
// delivering. Now every WebSocket action re-establishes the principal, and a sweep every few seconds closes any
// stream whose key, session or user no longer holds: revocation, disabling and logout all end it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SWEEP_INTERVAL_MS } from '../../apps/gateway/live/reauthorization.js';
import { startRun } from '../support/runs.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import type { TestUser } from '../support/users.js';

let stack: TestStack;
let base: string;
let admin: TestUser;
/** Closes within this: one sweep, plus the read it does. */
const WITHIN_MS = SWEEP_INTERVAL_MS * 2 + 2_000;

interface Message {
  type: string;
  error?: { code: string };
}

const document = {
  name: 'waits',
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'ask', type: 'human.question', config: { question: 'Go on?', options: ['yes', 'no'] } },
  ],
  edges: [{ id: 'e1', source: 'start', target: 'ask' }],
};

/** A run of `user`'s that waits on a person, so it stays running. */
const waitingRun = (user: TestUser): Promise<string> => startRun(stack.as(user), document);

async function keyOf(user: TestUser, scopes: string[] = []): Promise<{ id: string; key: string }> {
  const res = await stack.as(user).inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'live', scopes } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; key: string }>();
}

function openSocket(
  authorization: string,
): Promise<{ ws: WebSocket; messages: Message[]; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/ws`, { headers: { authorization } });
  const messages: Message[] = [];
  ws.on('message', (m: Buffer) => messages.push(JSON.parse(m.toString()) as Message));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, closed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
  });
}

async function until<T>(read: () => T | undefined, timeoutMs: number): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 25))) {
    const value = read();
    if (value !== undefined) return value;
  }
  throw new Error('timed out');
}

const timed = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);

beforeAll(async () => {
  stack = await startTestStack();
  admin = await stack.createUser({ name: 'admin', role: 'admin' });
  base = await stack.app.listen({ host: '127.0.0.1', port: 0 });
}, 60_000);
afterAll(async () => stack?.close(), 30_000);

describe('live connections after revocation', () => {
  it('refuses the very next WebSocket action once the key is deleted, and closes the socket', async () => {
    const user = await stack.createUser({ name: 'keyholder' });
    const runId = await waitingRun(user);
    const { id, key } = await keyOf(user);
    const { ws, messages, closed } = await openSocket(`Bearer ${key}`);
    ws.send(JSON.stringify({ type: 'ping' }));
    await until(() => messages.find((m) => m.type === 'pong'), 5_000);
    expect((await stack.as(user).inject({ method: 'DELETE', url: `/v1/api-keys/${id}` })).statusCode).toBe(204);
    // Sent at once, before any sweep could run: the action itself re-checks the key.
    ws.send(JSON.stringify({ type: 'pause', runId }));
    const { code, reason } = await timed(closed, WITHIN_MS);
    expect([code, reason]).toEqual([1008, 'API_KEY_REVOKED']);
    expect(messages.map((m) => m.type)).not.toContain('control');
    expect(messages.at(-1)).toMatchObject({ type: 'error', error: { code: 'API_KEY_REVOKED' } });
    // The run was not paused.
    const live = await stack.as(user).inject({ method: 'GET', url: `/v1/runs/${runId}/live` });
    expect(live.json<{ paused?: boolean }>().paused ?? false).toBe(false);
  });

  it('closes an idle WebSocket within seconds when its user is disabled', async () => {
    const user = await stack.createUser({ name: 'disabled-later' });
    const { key } = await keyOf(user);
    const { closed } = await openSocket(`Bearer ${key}`);
    expect(
      (await stack.as(admin).inject({ method: 'PATCH', url: `/v1/admin/users/${user.id}`, payload: { disabled: true } })).statusCode,
    ).toBe(200);
    expect(await timed(closed, WITHIN_MS)).toEqual({ code: 1008, reason: 'ACCOUNT_DISABLED' });
  });

  it('closes a WebSocket opened with an access token when that session logs out', async () => {
    const user = await stack.createUser({ name: 'logs-out' });
    const { closed } = await openSocket(user.headers.authorization);
    expect(
      (await stack.as(user).inject({ method: 'POST', url: '/v1/auth/logout', payload: { refreshToken: user.refreshToken } })).statusCode,
    ).toBe(204);
    expect(await timed(closed, WITHIN_MS)).toEqual({ code: 1008, reason: 'SESSION_ENDED' });
  });

  it('ends an SSE stream within seconds when its key is deleted, with a last frame saying why', async () => {
    const user = await stack.createUser({ name: 'streams' });
    const runId = await waitingRun(user);
    const { id, key } = await keyOf(user, ['runs:read']);
    const res = await fetch(`${base}/v1/runs/${runId}/events`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const ended = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text;
        text += new TextDecoder().decode(value);
      }
    })();
    await until(() => (text.includes('event: ') ? true : undefined), 10_000);
    expect((await stack.as(user).inject({ method: 'DELETE', url: `/v1/api-keys/${id}` })).statusCode).toBe(204);
    const all = await timed(ended, WITHIN_MS);
    expect(all).toContain('event: revoked');
    expect(all).toContain('API_KEY_REVOKED');
    // Reconnecting is refused outright.
    expect((await fetch(`${base}/v1/runs/${runId}/events`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });
});
