// Partial runs and node tests on the real stack (gateway, PostgreSQL or PGlite, Temporal): a run from a node onward
// with pinned outputs or an earlier run's, refused with MISSING_PINNED_INPUT when a node would lack its input,
// approvals that still apply, another owner's run that lends nothing, and the shapes the editor reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../apps/gateway/views.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { saveWorkflow, startRunOf, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let peer: HttpPeer;
let calls = 0;

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startHttpPeer((app) => {
    app.get('/price', async () => ({ price: 10, calls: ++calls }));
  });
});
afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

/** start -> fetch (HTTP, counts its calls) -> total (data.set over fetch) -> label (reads $node.fetch). */
const document = () => ({
  name: 'partial',
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'fetch', type: 'http.request', config: { url: `${peer.url}/price` } },
    { id: 'total', type: 'data.set', config: { assignments: [{ name: 'total', value: '{{ $json.body.price * 2 }}' }] } },
    {
      id: 'label',
      type: 'data.set',
      config: { assignments: [{ name: 'label', value: '{{ "total " & $json.total & " of " & $node.fetch.status }}' }] },
    },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'fetch' },
    { id: 'e2', source: 'fetch', target: 'total' },
    { id: 'e3', source: 'total', target: 'label' },
  ],
});
const node = (run: RunView, id: string) => run.nodes.find((n) => n.nodeId === id);
const start = (workflowId: string, body: object, api = stack.api) =>
  api.inject({ method: 'POST', url: `/v1/workflows/${workflowId}/runs`, payload: body });

describe('partial runs', () => {
  it('runs from a node onward with pinned outputs, without running what is before it, as a test run', async () => {
    const id = await saveWorkflow(stack.api, document());
    const before = calls;
    const res = await start(id, { startAt: 'total', pinned: { fetch: { status: 200, headers: {}, body: { price: 21 } } } });
    expect(res.statusCode, res.body).toBe(202);
    const run = await waitForRun(stack.api, res.json<{ id: string }>().id);
    expect(run).toMatchObject({ status: 'completed', trigger: 'test' });
    expect(calls).toBe(before);
    expect(node(run, 'fetch')).toMatchObject({ status: 'completed', output: { body: { price: 21 } } });
    expect(node(run, 'label')?.output).toMatchObject({ label: 'total 42 of 200' });
  });

  it("takes what is needed from an earlier run (the caller's, of this workflow) and reruns only from the start", async () => {
    const id = await saveWorkflow(stack.api, document());
    const first = await waitForRun(stack.api, await startRunOf(stack.api, id));
    expect(first.status).toBe('completed');
    const before = calls;
    const res = await start(id, { startAt: 'label', fromRunId: first.id });
    expect(res.statusCode, res.body).toBe(202);
    const run = await waitForRun(stack.api, res.json<{ id: string }>().id);
    expect(run.status).toBe('completed');
    expect(calls).toBe(before);
    expect(node(run, 'label')?.output).toMatchObject({ label: 'total 20 of 200' });

    // Another owner's run does not exist for this caller; neither does a run of another workflow.
    const other = await stack.createUser({ name: 'other' });
    const theirs = await saveWorkflow(stack.as(other), document());
    const theirRun = await waitForRun(stack.as(other), await startRunOf(stack.as(other), theirs));
    expect((await start(id, { startAt: 'label', fromRunId: theirRun.id })).statusCode).toBe(404);
    expect((await start(theirs, { startAt: 'label', fromRunId: first.id }, stack.as(other))).statusCode).toBe(404);
  });

  it('refuses with MISSING_PINNED_INPUT when a node that runs would lack its input', async () => {
    const id = await saveWorkflow(stack.api, document());
    const res = await start(id, { startAt: 'label', pinned: { total: { total: 1 } } });
    expect(res.statusCode).toBe(422);
    const errors = res.json<{ error: { details: { errors: { code: string; nodeId: string; details: unknown }[] } } }>().error.details
      .errors;
    // label reads $node.fetch, which neither runs nor is pinned.
    expect(errors).toEqual([expect.objectContaining({ code: 'MISSING_PINNED_INPUT', nodeId: 'label', details: { missing: ['fetch'] } })]);
  });

  it('approvals still apply to a node a partial run runs', async () => {
    const doc = document();
    (doc.nodes[1] as Record<string, unknown>).approval = true;
    const id = await saveWorkflow(stack.api, doc);
    const res = await start(id, { startAt: 'fetch' });
    expect(res.statusCode, res.body).toBe(202);
    const runId = res.json<{ id: string }>().id;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const open = await stack.api.inject({ method: 'GET', url: `/v1/requests?status=open&runId=${runId}` });
      const [request] = open.json<{ items: { id: string; kind: string }[] }>().items;
      if (request) {
        expect(request.kind).toBe('approval');
        await stack.api.inject({ method: 'POST', url: `/v1/requests/${request.id}/answer`, payload: { answer: 'cancel' } });
        break;
      }
      if (Date.now() > deadline) throw new Error('no approval request for the partial run');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await waitForRun(stack.api, runId)).status).toBe('cancelled');
  });
});

describe('POST /v1/nodes/test', () => {
  it('runs one node of an unsaved document on the given input, as a test run', async () => {
    const res = await stack.api.inject({
      method: 'POST',
      url: '/v1/nodes/test',
      payload: {
        node: { id: 'double', type: 'data.set', config: { assignments: [{ name: 'twice', value: '{{ $json.n * 2 }}' }] } },
        input: { n: 4 },
      },
    });
    expect(res.statusCode, res.body).toBe(202);
    const run = await waitForRun(stack.api, res.json<{ id: string }>().id);
    expect(run).toMatchObject({ status: 'completed', trigger: 'test' });
    expect(node(run, 'double')?.output).toEqual({ n: 4, twice: 8 });
    // The run belongs to a workflow no list shows.
    const list = await stack.api.inject({ method: 'GET', url: '/v1/workflows' });
    expect(list.json<{ items: { id: string }[] }>().items.map((w) => w.id)).not.toContain(run.workflowId);
  });

  it("another owner's credential is not the caller's: MISSING_CREDENTIAL", async () => {
    const other = await stack.createUser({ name: 'lender' });
    const made = await stack.as(other).inject({
      method: 'POST',
      url: '/v1/credentials',
      payload: { type: 'httpBearer', name: 'theirs', values: { token: 'their-secret' } },
    });
    expect(made.statusCode, made.body).toBe(201);
    const res = await stack.api.inject({
      method: 'POST',
      url: '/v1/nodes/test',
      payload: {
        node: { id: 'call', type: 'http.request', config: { url: `${peer.url}/price` } },
        credentials: { auth: made.json<{ id: string }>().id },
      },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json<{ error: { details: { errors: { code: string }[] } } }>().error.details.errors.map((e) => e.code)).toEqual([
      'MISSING_CREDENTIAL',
    ]);
  });

  it('an invalid node is the 422 with its diagnostics', async () => {
    const res = await stack.api.inject({
      method: 'POST',
      url: '/v1/nodes/test',
      payload: { node: { id: 'x', type: 'data.set', config: { assignments: [{ name: 'a', value: '{{ $jsno }}' }] } } },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json<{ error: { details: { errors: { code: string }[] } } }>().error.details.errors.map((e) => e.code)).toEqual([
      'UNKNOWN_VARIABLE',
    ]);
  });
});

describe('GET /v1/workflows/:id/shapes', () => {
  it("gives each node's inferred shapes, interned, to the owner only", async () => {
    const id = await saveWorkflow(stack.api, document());
    const res = await stack.api.inject({ method: 'GET', url: `/v1/workflows/${id}/shapes` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      ok: boolean;
      shapes: { properties?: Record<string, unknown> }[];
      nodes: Record<string, { input?: number; output?: number }>;
    }>();
    expect(body.ok).toBe(true);
    expect(Object.keys(body.shapes[body.nodes.fetch!.output!]!.properties ?? {})).toEqual(['status', 'headers', 'body']);
    expect(body.nodes.total!.input).toBe(body.nodes.fetch!.output);
    const other = await stack.createUser({ name: 'stranger' });
    expect((await stack.as(other).inject({ method: 'GET', url: `/v1/workflows/${id}/shapes` })).statusCode).toBe(404);
  });
});
