// Supervising runs on the real Temporal server: live state, pause/resume, stop (the in-flight HTTP call is
// aborted), the execution budget, and listing runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../apps/gateway/views.js';
import { edge } from './support/documents.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startRun, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let peer: HttpPeer;
let abortedRequests = 0;

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startHttpPeer((app) => {
    app.get('/sleep/:ms', async (req) => {
      await new Promise((r) => setTimeout(r, Number((req.params as { ms: string }).ms)));
      return { slept: true };
    });
    // Never answers; counts the clients that hang up on it.
    app.get('/hang', (req) => {
      req.raw.on('close', () => abortedRequests++);
      return new Promise(() => undefined);
    });
  });
});
afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

const start = (document: object) => startRun(stack.api, document);
const post = (url: string, payload?: object) => stack.api.inject({ method: 'POST', url, ...(payload ? { payload } : {}) });
const waitFor = async (check: () => Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('run control', () => {
  it('pauses: in-flight nodes finish, no new node starts until resume', async () => {
    const runId = await start({
      name: 'pausable',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'a', type: 'http.request', config: { url: `${peer.url}/sleep/700` } },
        { id: 'b', type: 'flow.noop' },
        { id: 'c', type: 'http.request', config: { url: `${peer.url}/sleep/1` } },
      ],
      edges: [edge('start', 'a'), edge('a', 'b'), edge('b', 'c')],
    });
    await waitFor(
      async () =>
        (await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}/live` })).json<{ nodes: Record<string, string> }>().nodes.a ===
        'running',
    );
    const paused = await post(`/v1/runs/${runId}/pause`);
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json()).toMatchObject({ status: 'paused', paused: true });
    expect((await post(`/v1/runs/${runId}/pause`)).json()).toMatchObject({ error: { code: 'RUN_CONTROL_REJECTED' } });

    // a completes while paused; b must not start.
    await waitFor(
      async () =>
        (await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}` })).json<RunView>().nodes.find((n) => n.nodeId === 'a')
          ?.status === 'completed',
    );
    await new Promise((r) => setTimeout(r, 500));
    const live = (await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}/live` })).json<{ nodes: Record<string, string> }>();
    expect(live.nodes).toMatchObject({ a: 'completed', b: 'pending', c: 'pending' });
    expect((await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}` })).json<RunView>().status).toBe('paused');

    expect((await post(`/v1/runs/${runId}/resume`)).json()).toMatchObject({ status: 'running', paused: false });
    const done = await waitForRun(stack.api, runId);
    expect(done.status).toBe('completed');
    const events = (
      await stack.database.db.query.runEvents.findMany({ orderBy: (e, { asc }) => asc(e.seq), where: (e, { eq }) => eq(e.runId, runId) })
    ).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['run_paused', 'run_resumed']));
    expect(events.indexOf('run_paused')).toBeLessThan(events.indexOf('run_resumed'));

    expect((await post(`/v1/runs/${runId}/pause`)).statusCode).toBe(409);
    // Who paused and resumed is in the audit trail; the refused attempts are not.
    const audit = (await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}/audit` })).json<{
      items: { action: string; actor: string; channel: string }[];
    }>().items;
    expect(audit.map((a) => [a.action, a.actor, a.channel])).toEqual([
      ['pause', stack.user.id, 'api'],
      ['resume', stack.user.id, 'api'],
    ]);

    // The same controls over the WebSocket answer with the error shape when they cannot apply.
    const ws = await stack.app.injectWS('/v1/ws', { headers: stack.user.headers });
    const reply = new Promise<{ type: string; error?: { code: string } }>((resolve) =>
      ws.on('message', (m: Buffer) => resolve(JSON.parse(m.toString()) as { type: string })),
    );
    ws.send(JSON.stringify({ type: 'pause', runId }));
    expect(await reply).toMatchObject({ type: 'error', error: { code: expect.stringMatching(/RUN_NOT_ACTIVE|RUN_CONTROL_REJECTED/) } });
    ws.terminate();
  });

  it('stops a run: the in-flight HTTP call is aborted and the run is cancelled', async () => {
    const before = abortedRequests;
    const runId = await start({
      name: 'stoppable',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'hang', type: 'http.request', config: { url: `${peer.url}/hang`, timeoutMs: 120_000 }, timeoutMs: 120_000 },
        { id: 'after', type: 'flow.noop' },
      ],
      edges: [edge('start', 'hang'), edge('hang', 'after')],
    });
    await waitFor(async () => peer.requests.some((r) => r.url === '/hang') && abortedRequests === before);
    const stopped = await post(`/v1/runs/${runId}/stop`);
    expect(stopped.statusCode, stopped.body).toBe(202);
    const run = await waitForRun(stack.api, runId);
    expect(run.status).toBe('cancelled');
    expect(run.nodes.find((n) => n.nodeId === 'hang')?.status).toBe('cancelled');
    expect(run.nodes.find((n) => n.nodeId === 'after')?.status).toBe('skipped');
    await waitFor(async () => abortedRequests > before);
    expect((await post(`/v1/runs/${runId}/stop`)).json()).toMatchObject({ error: { code: 'RUN_NOT_ACTIVE' } });
  });

  it('fails a run that exceeds its execution budget, but not for time spent in a wait', async () => {
    const overBudget = await start({
      name: 'budget',
      settings: { timeoutMs: 1_500 },
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'slow', type: 'http.request', config: { url: `${peer.url}/sleep/5000` } },
      ],
      edges: [edge('start', 'slow')],
    });
    const failed = await waitForRun(stack.api, overBudget);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'RUN_BUDGET_EXCEEDED' });

    const waits = await start({
      name: 'waits',
      settings: { timeoutMs: 1_500 },
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'wait', type: 'flow.wait', config: { durationMs: 2_000 } },
        { id: 'quick', type: 'http.request', config: { url: `${peer.url}/sleep/10` } },
      ],
      edges: [edge('start', 'wait'), edge('wait', 'quick')],
    });
    expect((await waitForRun(stack.api, waits)).status).toBe('completed');
  });

  it('lists runs newest first, filtered by status, with a cursor', async () => {
    const all = await stack.api.inject({ method: 'GET', url: '/v1/runs?limit=2' });
    expect(all.statusCode).toBe(200);
    const page1 = all.json<{ items: { id: string; createdAt: string }[]; nextCursor: string }>();
    expect(page1.items).toHaveLength(2);
    expect(page1.items[0]!.createdAt >= page1.items[1]!.createdAt).toBe(true);
    const page2 = (await stack.api.inject({ method: 'GET', url: `/v1/runs?limit=2&cursor=${page1.nextCursor}` })).json<{
      items: { id: string }[];
    }>();
    expect(page2.items.map((r) => r.id)).not.toContain(page1.items[0]!.id);
    const cancelled = (await stack.api.inject({ method: 'GET', url: '/v1/runs?status=cancelled' })).json<{ items: { status: string }[] }>();
    expect(cancelled.items.length).toBeGreaterThan(0);
    expect(cancelled.items.every((r) => r.status === 'cancelled')).toBe(true);
    expect((await stack.api.inject({ method: 'GET', url: '/v1/runs?status=bogus' })).statusCode).toBe(400);
  });
});
