// Issue #11, items 2 and 8 on the real stack. `{{ $length($pad("", 200000000, "xy")) }}` in an http.request URL
// ended the worker process, and each activity retry ended it again; a backtracking regex held the event loop
// (and /healthz) for seconds. Now the node fails once, non-retryably, with EXPRESSION_LIMIT; the worker keeps
// running runs; and the regex bomb runs in milliseconds while /healthz keeps answering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../apps/gateway/views.js';
import { startHttpPeer, type HttpPeer } from '../support/http-peer.js';
import { runToEnd } from '../support/runs.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let peer: HttpPeer;
beforeAll(async () => {
  stack = await startTestStack();
  peer = await startHttpPeer((app) => app.get('/echo', async (req) => ({ query: req.query })));
});
afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

async function run(url: string): Promise<RunView> {
  const document = {
    name: 'expression limits',
    nodes: [
      { id: 'start', type: 'trigger.manual' },
      { id: 'call', type: 'http.request', config: { url }, retry: { maxAttempts: 3, initialIntervalMs: 100 } },
    ],
    edges: [{ id: 'e', source: 'start', sourceHandle: 'out', target: 'call' }],
  };
  return runToEnd(stack.api, document, { input: {}, timeoutMs: 30_000 });
}

describe('an expression past its bounds in an activity', () => {
  it('fails the node with EXPRESSION_LIMIT after one attempt, and the worker runs the next run', async () => {
    const result = await run(`${peer.url}/echo?n={{ $length($pad("", 200000000, "xy")) }}`);
    expect(result.status).toBe('failed');
    expect(result.nodes.find((n) => n.nodeId === 'call')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { code: 'EXPRESSION_LIMIT' },
    });
    const history = await stack.temporal.client.workflow.getHandle(result.temporalWorkflowId).fetchHistory();
    const attempts = (history.events ?? [])
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes?.attempt);
    // recordProgress activities and the node's single executeNode attempt: nothing was tried twice.
    expect(attempts.every((a) => a === 1)).toBe(true);
    expect(peer.requests).toHaveLength(0);

    const next = await run(`${peer.url}/echo?n={{ $length($pad("", 1000, "xy")) }}`);
    expect(next.status).toBe('completed');
    expect(next.nodes.find((n) => n.nodeId === 'call')?.output).toMatchObject({ body: { query: { n: '1000' } } });
  });

  it('runs a backtracking-bomb regex in linear time; /healthz keeps answering meanwhile', async () => {
    const latencies: number[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const asked = performance.now();
        const res = await stack.app.inject({ method: 'GET', url: '/healthz' });
        latencies.push(performance.now() - asked);
        expect([200, 503]).toContain(res.statusCode);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const bomb = `$match("${'a'.repeat(40)}!", /(a+)+$/)`;
    const result = await run(`${peer.url}/echo?m={{ $exists(${bomb}) }}`);
    polling = false;
    await poll;
    expect(result.status).toBe('completed');
    expect(result.nodes.find((n) => n.nodeId === 'call')?.output).toMatchObject({ body: { query: { m: 'false' } } });
    // 40 "a"s would backtrack for years; the event loop never stalled for a second.
    expect(Math.max(...latencies)).toBeLessThan(1_000);
  });
});
