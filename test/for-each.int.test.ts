// flow.for_each on the real Temporal server: results in order under a concurrency limit, the three item error
// policies, a long list in child-workflow chunks with progress events, a stop that cancels the items in flight
// (and the chunks running them), and lists past the bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../apps/gateway/views.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { runToEnd, startRun, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let peer: HttpPeer;
let inFlight = 0;
let peak = 0;
let hanging = 0;
let aborted = 0;

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startHttpPeer((app) => {
    // Answers n * 10 after a short wait, fails for 3; counts how many calls overlap.
    app.get('/item/:n', async (req, reply) => {
      const n = Number((req.params as { n: string }).n);
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
      return n === 3 ? reply.status(400).send({ message: 'three is bad' }) : { n, tenfold: n * 10 };
    });
    app.get('/hang', (req) => {
      hanging++;
      req.raw.on('close', () => aborted++);
      return new Promise(() => undefined);
    });
  });
});
afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

const edge = (source: string, target: string, sourceHandle = 'out') => ({
  id: `${source}-${sourceHandle}-${target}`,
  source,
  sourceHandle,
  target,
});
/** start -> loop (over the trigger's `items`); loop.item -> call (one HTTP call per item, the exit); loop.done -> after. */
function loopDocument(config: object, url = `${peer.url}/item/{{ $json }}`) {
  return {
    name: 'for each',
    nodes: [
      { id: 'start', type: 'trigger.manual' },
      { id: 'loop', type: 'flow.for_each', config: { items: '{{ $json.items }}', ...config } },
      { id: 'call', type: 'http.request', parent: 'loop', config: { url }, retry: { maxAttempts: 1 }, timeoutMs: 120_000 },
      { id: 'after', type: 'flow.noop' },
    ],
    edges: [edge('start', 'loop'), edge('loop', 'call', 'item'), edge('loop', 'after', 'done')],
  };
}
const run = (document: object, items: unknown[], timeoutMs = 60_000): Promise<RunView> =>
  runToEnd(stack.api, document, { input: { items }, timeoutMs });
const loopOf = (r: RunView) => r.nodes.find((n) => n.nodeId === 'loop');
const bodyOf = (r: unknown) => (r as { body: unknown }).body;

describe('flow.for_each', () => {
  it('runs the body once per item, at most `concurrency` at once, and outputs the results in order', async () => {
    peak = 0;
    const result = await run(loopDocument({ concurrency: 2 }), [5, 1, 4, 2, 6, 7]);
    expect(result.status, JSON.stringify(result.error)).toBe('completed');
    expect((loopOf(result)?.output as unknown[]).map((r) => (bodyOf(r) as { n: number }).n)).toEqual([5, 1, 4, 2, 6, 7]);
    expect(peak).toBe(2);
    // The node after the loop receives the list; a body node has a row per item.
    expect(result.nodes.find((n) => n.nodeId === 'after')?.status).toBe('completed');
    // The run view shows a body node by its items: six executions, all completed.
    expect(result.nodes.find((n) => n.nodeId === 'call')).toMatchObject({ status: 'completed', parent: 'loop', items: { completed: 6 } });
    const rows = await stack.database.db.query.nodeExecutions.findMany({ where: (t, { eq }) => eq(t.nodeId, 'call') });
    expect(
      rows
        .filter((r) => r.runId === result.id)
        .map((r) => r.item)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('lets any body node read the item at hand as $node.<loop>, past the first one', async () => {
    const document = {
      name: 'item by name',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'loop', type: 'flow.for_each', config: { items: '{{ $json.items }}', concurrency: 2 } },
        { id: 'call', type: 'http.request', parent: 'loop', config: { url: `${peer.url}/item/{{ $json.n }}` } },
        {
          id: 'label',
          type: 'data.set',
          parent: 'loop',
          config: { assignments: [{ name: 'label', value: '{{ $node.loop.name & ":" & $string($json.body.tenfold) }}' }] },
        },
        { id: 'after', type: 'flow.noop' },
      ],
      edges: [edge('start', 'loop'), edge('loop', 'call', 'item'), edge('call', 'label'), edge('loop', 'after', 'done')],
    };
    const result = await run(document, [
      { n: 1, name: 'one' },
      { n: 2, name: 'two' },
      { n: 4, name: 'four' },
    ]);
    expect(result.status, JSON.stringify(result.error)).toBe('completed');
    expect((loopOf(result)?.output as { label: string }[]).map((r) => r.label)).toEqual(['one:10', 'two:20', 'four:40']);
  });

  it('stop: the first failed item fails the node, with the item and the body node that failed', async () => {
    const result = await run(loopDocument({ concurrency: 1, onItemError: 'stop' }), [1, 2, 3, 4, 5]);
    expect(result.status).toBe('failed');
    expect(loopOf(result)?.error).toMatchObject({ code: 'HTTP_STATUS', details: { item: 2, nodeId: 'call' } });
    expect(result.nodes.find((n) => n.nodeId === 'after')?.status).toBe('skipped');
    expect(result.nodes.find((n) => n.nodeId === 'call')).toMatchObject({ status: 'failed', items: { completed: 2, failed: 1 } });
  });

  it("continue: a failed item's result is its error", async () => {
    const result = await run(loopDocument({ onItemError: 'continue' }), [1, 3, 4]);
    expect(result.status).toBe('completed');
    const output = loopOf(result)?.output as unknown[];
    expect(output[1]).toMatchObject({ error: { code: 'HTTP_STATUS', nodeId: 'call' } });
    expect(bodyOf(output[2])).toEqual({ n: 4, tenfold: 40 });
  });

  it('collect: results with null where an item failed, and the errors by index', async () => {
    const result = await run(loopDocument({ onItemError: 'collect' }), [3, 1, 3]);
    expect(result.status).toBe('completed');
    const output = loopOf(result)?.output as { results: unknown[]; errors: { index: number; error: { code: string } }[] };
    expect(output.results[0]).toBeNull();
    expect(bodyOf(output.results[1])).toEqual({ n: 1, tenfold: 10 });
    expect(output.errors.map((e) => [e.index, e.error.code])).toEqual([
      [0, 'HTTP_STATUS'],
      [2, 'HTTP_STATUS'],
    ]);
  });

  it('runs a long list in child-workflow chunks, every item once, and reports progress', async () => {
    const items = Array.from({ length: 1_100 }, (_, i) => i + 10);
    peak = 0;
    const result = await run(loopDocument({ concurrency: 40 }), items);
    expect(result.status, JSON.stringify(result.error)).toBe('completed');
    // 1,100 results are more than a history event should carry: the loop's output is one stored payload.
    const output = loopOf(result)?.output as { $loomRef: string };
    const stored = await stack.database.db.query.payloads.findFirst({ where: (t, { eq }) => eq(t.id, output.$loomRef) });
    expect((stored?.data as unknown[]).map((r) => (bodyOf(r) as { n: number }).n)).toEqual(items);
    expect(peak).toBeLessThanOrEqual(40);
    const events = await stack.database.db.query.runEvents.findMany({ where: (t, { eq }) => eq(t.runId, result.id) });
    const progress = events.filter((e) => e.type === 'items_progress').map((e) => (e.data as { done: number }).done);
    // Chunks of 500, 500 and 100 run together; each event counts the items done when its chunk ended.
    expect(progress).toHaveLength(3);
    expect(Math.max(...progress)).toBe(1100);
    const children = stack.temporal.client.workflow.list({ query: `WorkflowId STARTS_WITH "${result.id}-items-loop-"` });
    const ids: string[] = [];
    for await (const c of children) ids.push(c.workflowId);
    expect(ids.sort()).toEqual([0, 1, 2].map((c) => `${result.id}-items-loop-${c}`));
  });

  it.each([
    ['in the workflow', 8],
    ['in chunks', 300],
  ])('a stop cancels the items in flight %s and starts no more', async (_where, count) => {
    hanging = 0;
    aborted = 0;
    const runId = await startRun(stack.api, loopDocument({ concurrency: 4 }, `${peer.url}/hang`), {
      items: Array.from({ length: count }, (_, i) => i),
    });
    const deadline = Date.now() + 20_000;
    while (hanging < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(hanging).toBe(4);
    const stopped = await stack.api.inject({ method: 'POST', url: `/v1/runs/${runId}/stop` });
    expect(stopped.statusCode, stopped.body).toBe(202);
    expect((await waitForRun(stack.api, runId)).status).toBe('cancelled');
    while (aborted < 4 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 50));
    expect(aborted).toBe(4);
    await new Promise((r) => setTimeout(r, 500));
    expect(hanging).toBe(4);
  });

  it('refuses a list past the bound with ITEMS_LIMIT, and a value that is no list with ITEMS_NOT_A_LIST', async () => {
    const tooLong = await run(loopDocument({}), new Array(100_001).fill(0));
    expect(loopOf(tooLong)?.error).toMatchObject({ code: 'ITEMS_LIMIT', details: { items: 100_001 } });
    // A million items built by an expression in the workflow: refused before any item runs.
    const million = await run(loopDocument({ items: '{{ [1..1000000] }}' }), []);
    expect(loopOf(million)?.error).toMatchObject({ code: 'ITEMS_LIMIT', details: { items: 1_000_000 } });
    expect(
      await stack.database.db.query.nodeExecutions.findFirst({
        where: (t, { and, eq }) => and(eq(t.runId, million.id), eq(t.nodeId, 'call')),
      }),
    ).toBeUndefined();
    const notAList = await runToEnd(stack.api, loopDocument({}), { input: { items: 'abc' } });
    expect(loopOf(notAList)?.error).toMatchObject({ code: 'ITEMS_NOT_A_LIST' });
  });

  it('keeps a body that builds large results out of history: stored in slices, joined into one payload', async () => {
    // 250 items of 20 KB each (5 MB together): no one history event may carry them (Temporal refuses over 2 MB).
    const result = await run(
      {
        name: 'large results',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          { id: 'loop', type: 'flow.for_each', config: { items: '{{ $json.items }}', concurrency: 10 } },
          {
            id: 'blob',
            type: 'data.set',
            parent: 'loop',
            config: { keepInput: false, assignments: [{ name: 'blob', value: '{{ $pad("", 20000, "x") }}' }] },
          },
        ],
        edges: [edge('start', 'loop'), edge('loop', 'blob', 'item')],
      },
      Array.from({ length: 250 }, (_, i) => i),
      120_000,
    );
    expect(result.status, JSON.stringify(result.error)).toBe('completed');
    expect(loopOf(result)?.output).toMatchObject({ $loomRef: expect.any(String), size: expect.any(Number) });
    expect((loopOf(result)?.output as { size: number }).size).toBeGreaterThan(5_000_000);
  }, 180_000);
});
