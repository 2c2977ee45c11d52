// A write repeated by a retry carries the same Idempotency-Key (derived from run, node and loop item), so an API that
// honours the header applies it once; the node's row counts how many times the write was started.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeyOf } from '../nodes/sdk/idempotency.js';
import { edge } from './support/documents.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { runToEnd } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let peer: HttpPeer;
// Per path: how many calls are refused with a 503 before one is accepted.
const failFirst = new Map<string, number>();

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startHttpPeer((app) => {
    app.all('/orders/:name', async (req, reply) => {
      const { name } = req.params as { name: string };
      const left = failFirst.get(name) ?? 0;
      failFirst.set(name, left - 1);
      return left > 0 ? reply.status(503).send({ busy: true }) : { ok: true };
    });
  });
});
afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

const keysOf = (name: string) => peer.requests.filter((r) => r.url.startsWith(`/orders/${name}`)).map((r) => r.headers['idempotency-key']);

const post = (id: string, name: string, extra: object = {}) => ({
  id,
  type: 'http.request',
  config: { method: 'POST', url: `${peer.url}/orders/${name}`, bodyType: 'json', body: { name } },
  retry: { maxAttempts: 3, initialIntervalMs: 50, backoffCoefficient: 1 },
  ...extra,
});

describe('Idempotency-Key on writes', () => {
  it('every retry of a POST carries the same key, derived from run and node; the row counts three starts', async () => {
    failFirst.set('retried', 2);
    const run = await runToEnd(stack.api, {
      name: 'retried write',
      nodes: [{ id: 'start', type: 'trigger.manual' }, post('create', 'retried')],
      edges: [edge('start', 'create')],
    });
    expect(run.status).toBe('completed');
    const keys = keysOf('retried');
    expect(keys).toHaveLength(3);
    expect(new Set(keys)).toEqual(new Set([idempotencyKeyOf(run.id, 'create', undefined)]));
    const node = run.nodes.find((n) => n.nodeId === 'create');
    expect(node).toMatchObject({ attempt: 3, effectAttempts: 3 });
  });

  it('two runs of one workflow, and two nodes of one run, get different keys; a read gets none and counts nothing', async () => {
    const document = {
      name: 'two writes',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        post('first', 'a'),
        post('second', 'b'),
        { id: 'read', type: 'http.request', config: { url: `${peer.url}/orders/read` } },
      ],
      edges: [edge('start', 'first'), edge('first', 'second'), edge('second', 'read')],
    };
    const one = await runToEnd(stack.api, document);
    const two = await runToEnd(stack.api, document);
    expect([one.status, two.status]).toEqual(['completed', 'completed']);
    const keys = [...keysOf('a'), ...keysOf('b')];
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(4);
    expect(keysOf('read')).toEqual([undefined, undefined]);
    expect(one.nodes.find((n) => n.nodeId === 'first')?.effectAttempts).toBe(1);
    expect(one.nodes.find((n) => n.nodeId === 'read')?.effectAttempts).toBeUndefined();
  });

  it("a key the workflow sets itself is sent as it is, whatever the header's case", async () => {
    const run = await runToEnd(stack.api, {
      name: 'own key',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { ...post('create', 'own'), config: { ...post('create', 'own').config, headers: { 'IDEMPOTENCY-KEY': 'order-7' } } },
      ],
      edges: [edge('start', 'create')],
    });
    expect(run.status).toBe('completed');
    expect(keysOf('own')).toEqual(['order-7']);
  });

  it('each item of a loop has its own key, the same on its retries', async () => {
    failFirst.set('item-1', 1);
    const run = await runToEnd(
      stack.api,
      {
        name: 'loop writes',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          { id: 'loop', type: 'flow.for_each', config: { items: '{{ $json.items }}' } },
          { ...post('call', 'item-{{ $json }}'), parent: 'loop' },
          { id: 'after', type: 'flow.noop' },
        ],
        edges: [edge('start', 'loop'), edge('loop', 'call', 'item'), edge('loop', 'after', 'done')],
      },
      { input: { items: [0, 1, 2] } },
    );
    expect(run.status).toBe('completed');
    expect(keysOf('item-0')).toEqual([idempotencyKeyOf(run.id, 'call', 0)]);
    expect(keysOf('item-1')).toEqual([idempotencyKeyOf(run.id, 'call', 1), idempotencyKeyOf(run.id, 'call', 1)]);
    expect(keysOf('item-2')).toEqual([idempotencyKeyOf(run.id, 'call', 2)]);
  });
});
