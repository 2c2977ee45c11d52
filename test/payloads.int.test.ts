// Big data stays out of Temporal history: a 5 MB response is stored by reference, the next node still reads it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startRun, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let peer: HttpPeer;
const items = Array.from({ length: 50_000 }, (_, i) => ({ id: i, name: `item ${i}`, padding: 'x'.repeat(80) }));

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startHttpPeer((app) => {
    app.get('/big', async () => ({ items }));
  });
});
afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

describe('large payloads', () => {
  it('passes a 5 MB output by reference and keeps history small', async () => {
    expect(JSON.stringify({ items }).length).toBeGreaterThan(5_000_000);
    const runId = await startRun(stack.api, {
      name: 'big',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'fetch', type: 'http.request', config: { url: `${peer.url}/big`, maxResponseBytes: 20_000_000 } },
        {
          id: 'pick',
          type: 'data.set',
          config: {
            assignments: [
              { name: 'count', value: '{{ $count($json.body.items) }}' },
              { name: 'last', value: '{{ $json.body.items[-1].name }}' },
            ],
            keepInput: false,
          },
        },
        { id: 'copy', type: 'flow.noop' },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'fetch' },
        { id: 'e2', source: 'fetch', target: 'pick' },
        { id: 'e3', source: 'fetch', target: 'copy' },
      ],
    });
    const run = await waitForRun(stack.api, runId, 60_000);
    expect(run.status).toBe('completed');
    expect(run.nodes.find((n) => n.nodeId === 'pick')?.output).toEqual({ count: 50_000, last: 'item 49999' });

    // The pass-through node's output is a reference too; the API serves the full value behind it.
    const ref = run.nodes.find((n) => n.nodeId === 'copy')?.output as { $loomRef: string; size: number };
    expect(ref.$loomRef).toMatch(/^pl_/);
    expect(ref.size).toBeGreaterThan(5_000_000);
    const full = await stack.api.inject({ method: 'GET', url: `/v1/runs/${run.id}/payloads/${ref.$loomRef}` });
    expect(full.json<{ data: { body: { items: unknown[] } } }>().data.body.items).toHaveLength(50_000);

    const history = await stack.temporal.client.workflow.getHandle(run.temporalWorkflowId).fetchHistory();
    const historyBytes = JSON.stringify(history).length;
    expect(historyBytes).toBeLessThan(200_000);
  });
});
