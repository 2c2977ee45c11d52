// Executor semantics on the real Temporal server: parallel branches, IF routing with skip propagation,
// expressions across nodes, merge, and error policies (route, continue).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../apps/gateway/views.js';
import { edge, httpNode } from './support/documents.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { runToEnd } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let peer: HttpPeer;
const spans: Record<string, { start: number; end: number }> = {};

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startHttpPeer((app) => {
    app.get('/slow/:name', async (req) => {
      const { name } = req.params as { name: string };
      const start = Date.now();
      await new Promise((r) => setTimeout(r, 600));
      spans[name] = { start, end: Date.now() };
      return { name };
    });
    app.get('/customer/:id', async (req) => ({
      id: Number((req.params as { id: string }).id),
      tier: Number((req.params as { id: string }).id) > 100 ? 'vip' : 'basic',
    }));
    app.get('/fail', async (_req, reply) => reply.status(400).send({ message: 'bad' }));
    // Fails twice with 503, then answers: a node with retries gets there.
    let flaky = 0;
    app.get('/flaky', async (_req, reply) => (++flaky <= 2 ? reply.status(503).send({ message: 'busy' }) : { ok: true, calls: flaky }));
  });
});
afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

const run = (document: object, input: unknown = {}): Promise<RunView> => runToEnd(stack.api, document, { input });
const node = (run: RunView, id: string) => run.nodes.find((n) => n.nodeId === id);
/** One attempt unless a test says otherwise: these tests are about what happens after a failure. */
const http = (id: string, url: string, extra: object = {}) => httpNode(id, url, { retry: { maxAttempts: 1 }, ...extra });

describe('executor', () => {
  it('runs the two branches of a diamond in parallel and merges them', async () => {
    const result = await run({
      name: 'diamond',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        http('left', `${peer.url}/slow/left`),
        http('right', `${peer.url}/slow/right`),
        { id: 'join', type: 'logic.merge', config: { mode: 'bySource' } },
      ],
      edges: [edge('start', 'left'), edge('start', 'right'), edge('left', 'join'), edge('right', 'join')],
    });
    expect(result.status).toBe('completed');
    const { left, right } = spans as Record<string, { start: number; end: number }>;
    // Both requests were in flight at the same time.
    expect(left!.start).toBeLessThan(right!.end);
    expect(right!.start).toBeLessThan(left!.end);
    expect(node(result, 'join')?.output).toMatchObject({ left: { body: { name: 'left' } }, right: { body: { name: 'right' } } });
  });

  it('routes through IF by an expression over an upstream node, and skips the other branch and everything behind it', async () => {
    const doc = (id: number) => ({
      name: `route ${id}`,
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        http('lookup', `${peer.url}/customer/{{ $json.customerId }}`),
        {
          id: 'check',
          type: 'logic.if',
          config: { conditions: [{ left: '{{ $node.lookup.body.tier }}', operator: 'equals', right: 'vip' }] },
        },
        {
          id: 'vip',
          type: 'data.set',
          config: { assignments: [{ name: 'greeting', value: 'Welcome back, VIP {{ $node.lookup.body.id }}' }], keepInput: false },
        },
        { id: 'basic', type: 'data.set', config: { assignments: [{ name: 'greeting', value: 'Hello' }], keepInput: false } },
        { id: 'after_basic', type: 'flow.noop' },
      ],
      edges: [
        edge('start', 'lookup'),
        edge('lookup', 'check'),
        edge('check', 'vip', 'true'),
        edge('check', 'basic', 'false'),
        edge('basic', 'after_basic'),
      ],
    });
    const vip = await run(doc(1), { customerId: 500 });
    expect(vip.status).toBe('completed');
    expect(node(vip, 'vip')).toMatchObject({ status: 'completed', output: { greeting: 'Welcome back, VIP 500' } });
    expect(node(vip, 'basic')?.status).toBe('skipped');
    expect(node(vip, 'after_basic')?.status).toBe('skipped');
    expect(vip.output).toEqual({ vip: { greeting: 'Welcome back, VIP 500' } });

    const basic = await run(doc(2), { customerId: 7 });
    expect(node(basic, 'vip')?.status).toBe('skipped');
    expect(node(basic, 'after_basic')).toMatchObject({ status: 'completed', output: { greeting: 'Hello' } });
  });

  it('routes a failure to the error handle, or continues with the error as output', async () => {
    const routed = await run({
      name: 'route errors',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        http('call', `${peer.url}/fail`, { onError: 'route' }),
        { id: 'ok', type: 'flow.noop' },
        {
          id: 'alert',
          type: 'data.set',
          config: { assignments: [{ name: 'alert', value: 'failed with {{ $json.error.code }}' }], keepInput: false },
        },
      ],
      edges: [edge('start', 'call'), edge('call', 'ok'), edge('call', 'alert', 'error')],
    });
    expect(routed.status).toBe('completed');
    expect(node(routed, 'call')?.status).toBe('failed');
    expect(node(routed, 'ok')?.status).toBe('skipped');
    expect(node(routed, 'alert')).toMatchObject({ status: 'completed', output: { alert: 'failed with HTTP_STATUS' } });

    const continued = await run({
      name: 'continue',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        http('call', `${peer.url}/fail`, { onError: 'continue' }),
        { id: 'next', type: 'flow.noop' },
      ],
      edges: [edge('start', 'call'), edge('call', 'next')],
    });
    expect(continued.status).toBe('completed');
    expect(node(continued, 'next')).toMatchObject({ status: 'completed', output: { error: { code: 'HTTP_STATUS' } } });
  });

  it('retries a node after 5xx and succeeds, recording each retry', async () => {
    const result = await run({
      name: 'retry',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        http('call', `${peer.url}/flaky`, { retry: { maxAttempts: 3, initialIntervalMs: 100 } }),
      ],
      edges: [edge('start', 'call')],
    });
    expect(result.status).toBe('completed');
    expect(node(result, 'call')).toMatchObject({ status: 'completed', attempt: 3, output: { body: { ok: true, calls: 3 } } });
    const events = await stack.database.db.query.runEvents.findMany({
      orderBy: (e, { asc }) => asc(e.seq),
      where: (e, { eq }) => eq(e.runId, result.id),
    });
    expect(events.filter((e) => e.type === 'node_retrying').map((e) => (e.data as { attempt: number }).attempt)).toEqual([1, 2]);
    expect(result.startedBy).toBe(stack.user.id);
    const description = await stack.temporal.client.workflow.getHandle(result.temporalWorkflowId).describe();
    expect(description.typedSearchAttributes.get({ name: 'LoomStatus', type: 'KEYWORD' } as never)).toBe('completed');
  });

  it('stops the run once maxNodeFailures nodes have failed, even when each failure is continued past', async () => {
    const result = await run({
      name: 'supervised',
      settings: { maxNodeFailures: 2 },
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        http('a', `${peer.url}/fail`, { onError: 'continue' }),
        http('b', `${peer.url}/fail`, { onError: 'continue' }),
        { id: 'after', type: 'flow.noop' },
      ],
      edges: [edge('start', 'a'), edge('a', 'b'), edge('b', 'after')],
    });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'RUN_TOO_MANY_FAILURES', nodeId: 'b' });
    expect(node(result, 'after')?.status).toBe('skipped');
  });

  it('flags a node that runs past its expected duration without progress, and lets it finish', async () => {
    const result = await run({
      name: 'overdue',
      settings: { expectedNodeDurationMs: 5_000 },
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        http('slow', `${peer.url}/slow/overdue`, { expectedDurationMs: 150 }),
        http('quick', `${peer.url}/customer/7`),
      ],
      edges: [edge('start', 'slow'), edge('slow', 'quick')],
    });
    expect(result.status).toBe('completed');
    expect(node(result, 'slow')?.status).toBe('completed');
    const events = await stack.database.db.query.runEvents.findMany({ where: (e, { eq }) => eq(e.runId, result.id) });
    const overdue = events.filter((e) => e.type === 'node_overdue');
    // The quick node inherits 5 s from the workflow and answers at once: only the slow one is flagged, once.
    expect(overdue.map((e) => e.nodeId)).toEqual(['slow']);
    const flag = overdue[0]!.data as {
      attempt: number;
      expectedMs: number;
      elapsedMs: number;
      silentMs: number;
      lastProgressAt: string | null;
      occurrence: number;
    };
    expect(flag).toMatchObject({ attempt: 1, expectedMs: 150, lastProgressAt: null, occurrence: 1 });
    expect(flag.elapsedMs).toBeGreaterThanOrEqual(150);
    expect(flag.elapsedMs).toBeLessThan(600);
    // Flagged while it ran: before it completed.
    const completed = events.find((e) => e.type === 'node_completed' && e.nodeId === 'slow')!;
    expect(overdue[0]!.seq).toBeLessThan(completed.seq);
  });

  it('fails the run at flow.stop_error with its message, and records the nodes it never reached', async () => {
    const result = await run(
      {
        name: 'stop',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          { id: 'stop', type: 'flow.stop_error', config: { message: 'Order {{ $json.order }} is invalid', code: 'ORDER_INVALID' } },
          { id: 'never', type: 'flow.noop' },
        ],
        edges: [edge('start', 'stop'), edge('stop', 'never')],
      },
      { order: 42 },
    );
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'ORDER_INVALID', message: 'Order 42 is invalid', nodeId: 'stop' });
    expect(node(result, 'never')?.status).toBe('skipped');
  });
});
