// Live events: stored with a per-run sequence, streamed over SSE with Last-Event-ID resume (no gap, no duplicate),
// and over one WebSocket for several runs at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startRun, waitForRun } from './support/runs.js';
import { readSse } from './support/sse.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { BUILTIN_NODES, createNodeRegistry } from '../nodes/registry.js';
import { defineNode } from '../nodes/sdk/node.js';

/** A node that reports progress as it works, like a long import would. */
const stepper = defineNode({
  type: 'test.stepper',
  version: 1,
  displayName: 'Stepper',
  category: 'flow',
  description: 'Reports progress (tests only).',
  kind: 'activity',
  fields: {},
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  operations: () => ['pure'],
  execute: async (_input, _config, context) => {
    for (let i = 1; i <= 3; i++) context.progress(`Step ${i}/3 complete`, i / 3);
    await new Promise((r) => setTimeout(r, 50));
    return { steps: 3 };
  },
});

let stack: TestStack;
let peer: HttpPeer;
let base: string;

beforeAll(async () => {
  stack = await startTestStack({ nodes: createNodeRegistry({ nodes: [...BUILTIN_NODES, stepper] }) });
  base = await stack.app.listen({ host: '127.0.0.1', port: 0 });
  peer = await startHttpPeer((app) => {
    app.get('/step/:n', async (req) => {
      await new Promise((r) => setTimeout(r, 150));
      return { step: Number((req.params as { n: string }).n) };
    });
  });
});
afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

async function startChain(steps: number): Promise<string> {
  const nodes = [
    { id: 'start', type: 'trigger.manual' },
    ...Array.from({ length: steps }, (_, i) => ({ id: `s${i}`, type: 'http.request', config: { url: `${peer.url}/step/${i}` } })),
  ];
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id }));
  return startRun(stack.api, { name: `chain ${steps}`, nodes, edges });
}

describe('run events', () => {
  it('streams every event over SSE and resumes after a disconnect without gap or duplicate', async () => {
    const runId = await startChain(4);
    const seen: number[] = [];
    const types: string[] = [];
    // First connection: hang up (leaving the loop cancels the response body) after three events.
    for await (const e of readSse(`${base}/v1/runs/${runId}/events`, { authorization: stack.user.headers.authorization })) {
      seen.push(e.id);
      types.push(e.type);
      if (seen.length === 3) break;
    }
    // Reconnect like EventSource does, with the last id received.
    for await (const e of readSse(`${base}/v1/runs/${runId}/events`, {
      lastEventId: seen.at(-1)!,
      authorization: stack.user.headers.authorization,
    })) {
      seen.push(e.id);
      types.push(e.type);
      expect(e.data.seq).toBe(e.id);
      if (e.type === 'run_completed') break;
    }
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    expect(types[0]).toBe('run_started');
    expect(types.filter((t) => t === 'node_started')).toHaveLength(5);
    expect(types.filter((t) => t === 'node_completed')).toHaveLength(5);
    expect(types.at(-1)).toBe('run_completed');
  });

  it('replays the whole log to a late subscriber of a finished run', async () => {
    const runId = await startChain(1);
    await waitForRun(stack.api, runId);
    const types: string[] = [];
    for await (const e of readSse(`${base}/v1/runs/${runId}/events`, { authorization: stack.user.headers.authorization })) {
      types.push(e.type);
      if (e.type === 'run_completed') break;
    }
    expect(types).toEqual(['run_started', 'node_started', 'node_completed', 'node_started', 'node_completed', 'run_completed']);
  });

  it('streams progress messages from a running node, without waiting on them', async () => {
    const runId = await startRun(stack.api, {
      name: 'steps',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'work', type: 'test.stepper' },
      ],
      edges: [{ id: 'e', source: 'start', target: 'work' }],
    });
    await waitForRun(stack.api, runId);
    const progress: unknown[] = [];
    for await (const e of readSse(`${base}/v1/runs/${runId}/events`, { authorization: stack.user.headers.authorization })) {
      if (e.type === 'progress') progress.push(e.data.data);
      if (e.type === 'run_completed') break;
    }
    expect(progress).toEqual([1, 2, 3].map((i) => ({ message: `Step ${i}/3 complete`, fraction: i / 3 })));
  });

  it('answers 404 for the events of an unknown run', async () => {
    const res = await fetch(`${base}/v1/runs/run_nope/events`, { headers: stack.user.headers });
    expect(res.status).toBe(404);
  });

  it('lets one WebSocket follow several runs', async () => {
    const ws = await stack.app.injectWS('/v1/ws', { headers: stack.user.headers });
    const done = new Set<string>();
    const received: { runId: string; seq: number }[] = [];
    const finished = new Promise<void>((resolve) => {
      ws.on('message', (raw: Buffer) => {
        const msg = JSON.parse(raw.toString()) as { type: string; runId: string; event?: { seq: number; type: string } };
        if (msg.type !== 'event' || !msg.event) return;
        received.push({ runId: msg.runId, seq: msg.event.seq });
        if (msg.event.type === 'run_completed') done.add(msg.runId);
        if (done.size === 2) resolve();
      });
    });
    const [a, b] = [await startChain(2), await startChain(1)];
    ws.send(JSON.stringify({ type: 'subscribe', runId: a }));
    ws.send(JSON.stringify({ type: 'subscribe', runId: b }));
    ws.send('not json');
    await finished;
    for (const id of [a, b]) {
      const seqs = received.filter((r) => r.runId === id).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    }
    ws.terminate();
  });
});
