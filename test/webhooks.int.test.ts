// Webhooks (issue #14) on the real stack: deliveries signed by the `standardwebhooks` library, a client nobody here
// wrote, start runs of the active version; tampered, wrongly signed, stale and unsigned ones start nothing; a
// repeated webhook-id starts one run; "when done" answers with the run's output; secrets rotate with a grace period;
// the test URL runs the latest version only while armed; deactivated and deleted workflows' hooks are 404; another
// user reaches none of it; a hostile sender's oversized, malformed and flooding requests are refused with a code.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { findRun, listRuns } from '../db/run-store.js';
import { edge } from './support/documents.js';
import { waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';
import type { TestUser } from './support/users.js';

let stack: TestStack;
let other: TestUser;
beforeAll(async () => {
  stack = await startTestStack();
  other = await stack.createUser({ name: 'other' });
});
afterAll(async () => stack?.close());

interface Hook {
  hookId: string;
  nodeId: string;
  url: string;
  testUrl: string;
  active: boolean;
  secrets: number;
  secret?: string;
  authentication: string;
}

const hookDoc = (config: Record<string, unknown> = {}, message = '{{ $json.body.lead }}') => ({
  name: 'hooked',
  nodes: [
    { id: 'hook', type: 'trigger.webhook', config: { method: 'POST', ...config } },
    { id: 'set', type: 'data.set', config: { assignments: [{ name: 'lead', value: message }] } },
  ],
  edges: [edge('hook', 'set')],
});

async function save(document: object, api = stack.api): Promise<string> {
  const res = await api.inject({ method: 'POST', url: '/v1/workflows', payload: document });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

async function activate(id: string, api = stack.api): Promise<Hook> {
  const res = await api.inject({ method: 'POST', url: `/v1/workflows/${id}/activate` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ hooks: Hook[] }>().hooks[0]!;
}

/** A workflow with one webhook, activated: its hook (with the secret shown at activation). */
async function activeHook(config: Record<string, unknown> = {}): Promise<{ id: string; hook: Hook }> {
  const id = await save(hookDoc(config));
  return { id, hook: await activate(id) };
}

function signed(secret: string, body: string, options: { id?: string; at?: Date } = {}) {
  const msgId = options.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const at = options.at ?? new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(msgId, at, body),
  };
}

const deliver = (hookId: string, body: string, headers: Record<string, string>, options: { method?: string; test?: boolean } = {}) =>
  stack.app.inject({
    method: (options.method ?? 'POST') as 'POST',
    url: `/v1/${options.test ? 'hooks-test' : 'hooks'}/${hookId}?source=crm`,
    payload: body,
    headers,
  });

const runsOf = async (workflowId: string) => listRuns(stack.database.db, { ownerId: stack.user.id, workflowId, limit: 100 });

describe('webhooks', () => {
  it('starts a run of the active version from a Standard Webhooks delivery; the body reaches downstream nodes', async () => {
    const { id, hook } = await activeHook();
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook.url).toMatch(new RegExp(`/v1/hooks/${hook.hookId}$`));
    const body = JSON.stringify({ lead: 'Ada Lovelace' });
    const res = await deliver(hook.hookId, body, signed(hook.secret!, body));
    expect(res.statusCode, res.body).toBe(202);
    const run = await waitForRun(stack.api, res.json<{ runId: string }>().runId);
    expect(run.status).toBe('completed');
    expect(run.output).toMatchObject({ set: { lead: 'Ada Lovelace' } });
    const row = await findRun(stack.database.db, run.id);
    expect(row?.trigger).toBe('webhook');
    expect(row?.workflowId).toBe(id);
    // The trigger's output: method, query, body and the headers minus what authenticated the request.
    const input = row?.input as { method: string; query: unknown; body: unknown; headers: Record<string, string> };
    expect(input).toMatchObject({ method: 'POST', query: { source: 'crm' }, body: { lead: 'Ada Lovelace' } });
    expect(input.headers['webhook-signature']).toBeUndefined();
    expect(input.headers['webhook-id']).toBeDefined();
    expect(JSON.stringify(row)).not.toContain(hook.secret!.slice(6));
  });

  it('refuses a tampered body, a wrong secret, a stale timestamp and a missing signature with 401, starting nothing', async () => {
    const { id, hook } = await activeHook();
    const body = JSON.stringify({ lead: 'x' });
    const wrong = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const attempts = [
      deliver(hook.hookId, JSON.stringify({ lead: 'y' }), signed(hook.secret!, body)),
      deliver(hook.hookId, body, signed(wrong, body)),
      deliver(hook.hookId, body, signed(hook.secret!, body, { at: new Date(Date.now() - 10 * 60_000) })),
      deliver(hook.hookId, body, { 'content-type': 'application/json' }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json().error.code).toBe('WEBHOOK_UNAUTHORIZED');
    }
    expect(await runsOf(id)).toEqual([]);
  });

  it('starts one run for a repeated webhook-id and answers the repeat with that run', async () => {
    const { id, hook } = await activeHook();
    const body = JSON.stringify({ lead: 'once' });
    const headers = signed(hook.secret!, body, { id: 'msg_repeat' });
    const [a, b] = await Promise.all([deliver(hook.hookId, body, headers), deliver(hook.hookId, body, headers)]);
    const c = await deliver(hook.hookId, body, headers);
    const ids = [a, b, c].map((r) => {
      expect(r.statusCode, r.body).toBe(202);
      return r.json<{ runId: string }>().runId;
    });
    expect(new Set(ids).size).toBe(1);
    expect((await runsOf(id)).map((r) => r.id)).toEqual([ids[0]]);
    // The Temporal workflow id is derived from the delivery: Temporal itself would refuse a second one.
    const row = await findRun(stack.database.db, ids[0]!);
    expect(row?.temporalWorkflowId).toBe(`${ids[0]}`);
  });

  it('answers with the run output when the hook waits for the run to finish', async () => {
    const { hook } = await activeHook({ respond: 'whenDone' });
    const body = JSON.stringify({ lead: 'waited' });
    const res = await deliver(hook.hookId, body, signed(hook.secret!, body));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'completed', output: { set: { lead: 'waited' } } });
  });

  it('answers 202 with the run id when the run outlasts the wait, and honours Idempotency-Key without a signature', async () => {
    const id = await save({
      name: 'slow',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', config: { authentication: 'none', respond: 'whenDone', respondTimeoutSeconds: 1 } },
        { id: 'ask', type: 'human.question', config: { question: 'Go on?', options: ['yes', 'no'] } },
      ],
      edges: [edge('hook', 'ask')],
    });
    const hook = await activate(id);
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'order-42' };
    const started = Date.now();
    const first = await deliver(hook.hookId, '{}', headers);
    expect(first.statusCode, first.body).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const again = await deliver(hook.hookId, '{}', headers);
    expect(again.json<{ runId: string }>().runId).toBe(first.json<{ runId: string }>().runId);
    expect(await runsOf(id)).toHaveLength(1);
    await stack.api.inject({
      method: 'POST',
      url: `/v1/runs/${first.json<{ runId: string }>().runId}/terminate`,
      payload: { reason: 'test' },
    });
  });

  it('runs the version that was activated, not a later save, until activated again', async () => {
    const { id, hook } = await activeHook();
    const saved = await stack.api.inject({ method: 'PUT', url: `/v1/workflows/${id}`, payload: hookDoc({}, 'second version') });
    expect(saved.json()).toMatchObject({ version: 2, activeVersion: 1 });
    const body = JSON.stringify({ lead: 'first version' });
    const first = await deliver(hook.hookId, body, signed(hook.secret!, body));
    expect((await waitForRun(stack.api, first.json<{ runId: string }>().runId)).output).toMatchObject({ set: { lead: 'first version' } });
    const again = await activate(id);
    expect(again.hookId).toBe(hook.hookId);
    expect(again.secret).toBeUndefined(); // shown once, at the first activation
    const second = await deliver(hook.hookId, body, signed(hook.secret!, body));
    expect((await waitForRun(stack.api, second.json<{ runId: string }>().runId)).output).toMatchObject({ set: { lead: 'second version' } });
  });

  it('rotates secrets: the new one works at once, the old one through its grace period only', async () => {
    const { id: wf, hook } = await activeHook();
    const listed = await stack.api.inject({ method: 'GET', url: `/v1/workflows/${wf}/hooks` });
    expect(listed.json<{ items: Hook[] }>().items).toEqual([expect.objectContaining({ hookId: hook.hookId, active: true, secrets: 1 })]);
    expect(listed.body).not.toContain(hook.secret!);

    const rotated = await stack.api.inject({ method: 'POST', url: `/v1/workflows/${wf}/hooks/${hook.hookId}/secrets`, payload: {} });
    expect(rotated.statusCode, rotated.body).toBe(201);
    const fresh = rotated.json<{ secret: string }>().secret;
    expect(fresh).not.toBe(hook.secret);
    const body = '{"lead":"rotating"}';
    expect((await deliver(hook.hookId, body, signed(fresh, body))).statusCode).toBe(202);
    expect((await deliver(hook.hookId, body, signed(hook.secret!, body))).statusCode).toBe(202);

    const now = await stack.api.inject({
      method: 'POST',
      url: `/v1/workflows/${wf}/hooks/${hook.hookId}/secrets`,
      payload: { graceSeconds: 0 },
    });
    const newest = now.json<{ secret: string }>().secret;
    expect((await deliver(hook.hookId, body, signed(fresh, body))).statusCode).toBe(401);
    expect((await deliver(hook.hookId, body, signed(newest, body))).statusCode).toBe(202);
  });

  it('authenticates by a header token, or lets anyone in when the author chose none (with a compiler warning)', async () => {
    const { hook } = await activeHook({ authentication: 'header', tokenHeader: 'X-Hook-Token' });
    const body = '{"lead":"token"}';
    const json = { 'content-type': 'application/json' };
    expect((await deliver(hook.hookId, body, { ...json, 'x-hook-token': 'nope' })).statusCode).toBe(401);
    const ok = await deliver(hook.hookId, body, { ...json, 'x-hook-token': hook.secret! });
    expect(ok.statusCode, ok.body).toBe(202);
    const input = (await findRun(stack.database.db, ok.json<{ runId: string }>().runId))?.input as { headers: Record<string, string> };
    expect(input.headers['x-hook-token']).toBeUndefined();

    const open = await stack.api.inject({ method: 'POST', url: '/v1/workflows', payload: hookDoc({ authentication: 'none' }) });
    expect(open.json<{ warnings: { code: string }[] }>().warnings.map((w) => w.code)).toContain('UNAUTHENTICATED_TRIGGER');
    const openHook = await activate(open.json<{ id: string }>().id);
    expect(openHook.secret).toBeUndefined();
    expect((await deliver(openHook.hookId, body, json)).statusCode).toBe(202);
  });

  it('is a 404 for an unknown hook, before activation, after deactivation and after deletion; runs stay readable', async () => {
    expect((await deliver('hk_unknown', '{}', {})).statusCode).toBe(404);
    const id = await save(hookDoc({ authentication: 'none' }));
    const hooks = await stack.api.inject({ method: 'GET', url: `/v1/workflows/${id}/hooks` });
    const hookId = hooks.json<{ items: Hook[] }>().items[0]!.hookId;
    expect(hooks.json<{ items: Hook[] }>().items[0]!.active).toBe(false);
    expect((await deliver(hookId, '{}', { 'content-type': 'application/json' })).statusCode).toBe(404);

    await activate(id);
    const started = await deliver(hookId, '{"lead":"kept"}', { 'content-type': 'application/json' });
    expect(started.statusCode).toBe(202);
    const runId = started.json<{ runId: string }>().runId;
    await waitForRun(stack.api, runId);

    const off = await stack.api.inject({ method: 'POST', url: `/v1/workflows/${id}/deactivate` });
    expect(off.json()).toMatchObject({ workflow: { activeVersion: null } });
    expect((await deliver(hookId, '{}', { 'content-type': 'application/json' })).statusCode).toBe(404);

    await activate(id);
    expect((await stack.api.inject({ method: 'DELETE', url: `/v1/workflows/${id}` })).statusCode).toBe(204);
    expect((await deliver(hookId, '{}', { 'content-type': 'application/json' })).statusCode).toBe(404);
    expect((await stack.api.inject({ method: 'GET', url: `/v1/workflows/${id}` })).statusCode).toBe(404);
    expect((await stack.api.inject({ method: 'DELETE', url: `/v1/workflows/${id}` })).statusCode).toBe(404);
    const run = await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}` });
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({ status: 'completed', output: { set: { lead: 'kept' } } });
  });

  it("runs the latest saved version on the test URL, only while the editor listens, and shows it on the editor's socket", async () => {
    const { id, hook } = await activeHook();
    const base = await stack.app.listen({ host: '127.0.0.1', port: 0 });
    const socket = async (user: TestUser) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/ws`, { headers: user.headers });
      const messages: { type: string; runId?: string; request?: unknown; error?: { code: string } }[] = [];
      ws.on('message', (m: Buffer) => messages.push(JSON.parse(m.toString()) as (typeof messages)[number]));
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'subscribe_hook', hookId: hook.hookId }));
      for (const deadline = Date.now() + 5_000; messages.length === 0 && Date.now() < deadline;)
        await new Promise((r) => setTimeout(r, 20));
      return { ws, messages };
    };
    const editor = await socket(stack.user);
    const stranger = await socket(other);
    expect(editor.messages.map((m) => m.type)).toEqual(['hook_subscribed']);
    expect(stranger.messages.map((m) => [m.type, m.error?.code])).toEqual([['error', 'NOT_FOUND']]);
    await stack.api.inject({ method: 'PUT', url: `/v1/workflows/${id}`, payload: hookDoc({}, 'draft') });
    const body = '{"lead":"x"}';
    expect((await deliver(hook.hookId, body, signed(hook.secret!, body), { test: true })).statusCode).toBe(404);
    const listen = await stack.api.inject({ method: 'POST', url: `/v1/workflows/${id}/hooks/${hook.hookId}/listen` });
    expect(listen.statusCode, listen.body).toBe(200);
    expect(listen.json<{ testListeningUntil: string }>().testListeningUntil).toBeTruthy();
    const tested = await deliver(hook.hookId, body, signed(hook.secret!, body), { test: true });
    expect(tested.statusCode, tested.body).toBe(202);
    const run = await waitForRun(stack.api, tested.json<{ runId: string }>().runId);
    expect(run.output).toMatchObject({ set: { lead: 'draft' } });
    expect((await findRun(stack.database.db, run.id))?.trigger).toBe('webhook_test');
    for (const deadline = Date.now() + 5_000; editor.messages.length < 2 && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 20));
    expect(editor.messages[1]).toMatchObject({ type: 'hook_request', runId: run.id, request: { method: 'POST', body: { lead: 'x' } } });
    expect(stranger.messages).toHaveLength(1);
    editor.ws.terminate();
    stranger.ws.terminate();
  });

  it('keeps another user out of hooks, secrets, activation and deletion', async () => {
    const { id, hook } = await activeHook();
    const them = stack.as(other);
    for (const [method, url] of [
      ['GET', `/v1/workflows/${id}/hooks`],
      ['POST', `/v1/workflows/${id}/hooks/${hook.hookId}/secrets`],
      ['POST', `/v1/workflows/${id}/hooks/${hook.hookId}/listen`],
      ['POST', `/v1/workflows/${id}/activate`],
      ['POST', `/v1/workflows/${id}/deactivate`],
      ['DELETE', `/v1/workflows/${id}`],
    ] as const) {
      const res = await them.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    // Their own workflow cannot claim the first user's hook id either: hooks are found by id, owned by their workflow.
    const theirs = await save(hookDoc({ authentication: 'none' }), them);
    const theirHook = await activate(theirs, them);
    expect(theirHook.hookId).not.toBe(hook.hookId);
    const body = '{"lead":"mine"}';
    expect((await deliver(hook.hookId, body, signed(hook.secret!, body))).statusCode).toBe(202);
  });

  it('refuses a wrong method, bad JSON, NUL characters, deep nesting and an oversized body with 4xx codes', async () => {
    const { hook } = await activeHook({ authentication: 'none' });
    const json = { 'content-type': 'application/json' };
    const wrongMethod = await deliver(hook.hookId, '{}', json, { method: 'PUT' });
    expect([wrongMethod.statusCode, wrongMethod.json().error.code]).toEqual([405, 'METHOD_NOT_ALLOWED']);
    const bad = await deliver(hook.hookId, '{"lead":', json);
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'INVALID_JSON']);
    const nul = await deliver(hook.hookId, '{"lead":"a\\u0000b"}', json);
    expect([nul.statusCode, nul.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const deep = await deliver(hook.hookId, `${'['.repeat(5000)}${']'.repeat(5000)}`, json);
    expect([deep.statusCode, deep.json().error.code]).toEqual([400, 'NESTING_TOO_DEEP']);
    const huge = await deliver(hook.hookId, JSON.stringify({ lead: 'x'.repeat(2 * 1024 * 1024) }), json);
    expect([huge.statusCode, huge.json().error.code]).toEqual([413, 'BODY_TOO_LARGE']);
    // A body that is not JSON reaches the run as text, or as base64 when it is binary.
    const text = await deliver(hook.hookId, 'plain words', { 'content-type': 'text/plain' });
    expect((await findRun(stack.database.db, text.json<{ runId: string }>().runId))?.input).toMatchObject({ body: 'plain words' });
  });

  it("spends the owner's execution limit: a free user's sixth delivery in a minute is a 429 with Retry-After", async () => {
    const free = await stack.createUser({ name: 'free', tier: 'free' });
    const api = stack.as(free);
    const id = await save(hookDoc({ authentication: 'none' }), api);
    const hook = await activate(id, api);
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await deliver(hook.hookId, '{}', { 'content-type': 'application/json' })).statusCode);
    expect(codes).toEqual([202, 202, 202, 202, 202, 429]);
    const refused = await deliver(hook.hookId, '{}', { 'content-type': 'application/json' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // An unknown hook spends nobody's budget and is still a 404.
    expect((await deliver('hk_unknown', '{}', {})).statusCode).toBe(404);
  });
});
