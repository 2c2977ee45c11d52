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

/** start -> check (IF price > 15) -> dear (true) / cheap (false), each labelling the price. */
const branching = () => ({
  name: 'branching',
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'check', type: 'logic.if', config: { conditions: [{ left: '{{ $json.price }}', operator: 'gt', right: 15 }] } },
    { id: 'dear', type: 'data.set', config: { assignments: [{ name: 'label', value: '{{ "dear " & $json.price }}' }] } },
    { id: 'cheap', type: 'data.set', config: { assignments: [{ name: 'label', value: '{{ "cheap " & $json.price }}' }] } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'check' },
    { id: 'e2', source: 'check', sourceHandle: 'true', target: 'dear' },
    { id: 'e3', source: 'check', sourceHandle: 'false', target: 'cheap' },
  ],
});
type Refusal = { error: { code: string; details: { errors: { code: string; nodeId?: string; details?: unknown }[] } } };
const refusals = (res: { json: <T>() => T }) => res.json<Refusal>().error.details.errors.map((e) => [e.code, e.nodeId]);

describe('partial runs through a branching node', () => {
  it('a run records the branch an IF took; a run from it fires that branch alone, not every output', async () => {
    const id = await saveWorkflow(stack.api, branching());
    const first = await waitForRun(stack.api, await startRunOf(stack.api, id, { price: 10 }));
    expect(first.status).toBe('completed');
    expect(node(first, 'check')).toMatchObject({ status: 'completed', fired: ['false'] });
    expect(node(first, 'dear')?.status).toBe('skipped');

    // Rerun what the earlier run did not complete: check is taken from it with its branch, so dear, behind the
    // branch not taken, does not run (it did when a pinned IF fired every output).
    const res = await start(id, { fromRunId: first.id });
    expect(res.statusCode, res.body).toBe(202);
    const rerun = await waitForRun(stack.api, res.json<{ id: string }>().id);
    expect(rerun.status).toBe('completed');
    expect(node(rerun, 'dear')?.status).toBe('skipped');

    // A start the recorded branch does not lead to would silently not run: refused, naming the IF.
    const elsewhere = await start(id, { startAt: 'dear', fromRunId: first.id });
    expect(elsewhere.statusCode).toBe(422);
    expect(refusals(elsewhere)).toEqual([['MISSING_PINNED_INPUT', 'dear']]);
    // Naming the branch lets it: the IF's recorded output leaves by true.
    const said = await start(id, { startAt: 'dear', fromRunId: first.id, branches: { check: 'true' } });
    expect(said.statusCode, said.body).toBe(202);
    const dear = await waitForRun(stack.api, said.json<{ id: string }>().id);
    expect(node(dear, 'dear')?.output).toMatchObject({ label: 'dear 10' });
  });

  it('typed-in data of an IF leaves by the branch named in branches; without one it is PINNED_BRANCH_MISSING', async () => {
    const id = await saveWorkflow(stack.api, branching());
    const res = await start(id, { pinned: { check: { price: 99 } }, branches: { check: 'true' } });
    expect(res.statusCode, res.body).toBe(202);
    const run = await waitForRun(stack.api, res.json<{ id: string }>().id);
    expect(run).toMatchObject({ status: 'completed', trigger: 'test' });
    expect(node(run, 'check')).toMatchObject({ status: 'completed', output: { price: 99 }, fired: ['true'] });
    expect(node(run, 'dear')?.output).toMatchObject({ label: 'dear 99' });
    expect(node(run, 'cheap')?.status).toBe('skipped');

    const unsaid = await start(id, { pinned: { check: { price: 99 } } });
    expect(unsaid.statusCode).toBe(422);
    expect(refusals(unsaid)).toEqual([['PINNED_BRANCH_MISSING', 'check']]);
    const wrong = await start(id, { pinned: { check: { price: 99 } }, branches: { check: 'maybe' } });
    expect(refusals(wrong)).toEqual([['PINNED_BRANCH_INVALID', 'check']]);
  });

  it("refuses a start or pinned data inside a loop's body with LOOP_BODY_NODE: the body runs with its loop", async () => {
    const id = await saveWorkflow(stack.api, {
      name: 'loop',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'loop', type: 'flow.for_each', config: { items: '{{ [1, 2] }}' } },
        { id: 'step', type: 'data.set', parent: 'loop', config: { assignments: [{ name: 'n', value: '{{ $json }}' }] } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'loop' },
        { id: 'e2', source: 'loop', sourceHandle: 'item', target: 'step' },
      ],
    });
    const res = await start(id, { startAt: 'step', pinned: { step: { n: 1 } } });
    expect(res.statusCode).toBe(422);
    expect(refusals(res)).toEqual([
      ['LOOP_BODY_NODE', 'step'],
      ['LOOP_BODY_NODE', 'step'],
    ]);
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

  it("uses the caller's credential by slot; another owner's credential id is NOT_FOUND (404), in the body or the node", async () => {
    const seen: (string | undefined)[] = [];
    const authPeer = await startHttpPeer((app) => {
      app.get('/me', async (req) => {
        seen.push(req.headers.authorization);
        return { ok: true };
      });
    });
    try {
      const mine = await stack.api.inject({
        method: 'POST',
        url: '/v1/credentials',
        payload: { type: 'httpBearer', name: 'mine', values: { token: 'my-secret' } },
      });
      expect(mine.statusCode, mine.body).toBe(201);
      const call = { id: 'call', type: 'http.request', config: { url: `${authPeer.url}/me` } };
      const ok = await stack.api.inject({
        method: 'POST',
        url: '/v1/nodes/test',
        payload: { node: call, credentials: { auth: mine.json<{ id: string }>().id } },
      });
      expect(ok.statusCode, ok.body).toBe(202);
      expect((await waitForRun(stack.api, ok.json<{ id: string }>().id)).status).toBe('completed');
      expect(seen).toEqual(['Bearer my-secret']);

      const other = await stack.createUser({ name: 'lender' });
      const theirs = await stack.as(other).inject({
        method: 'POST',
        url: '/v1/credentials',
        payload: { type: 'httpBearer', name: 'theirs', values: { token: 'their-secret' } },
      });
      expect(theirs.statusCode, theirs.body).toBe(201);
      const theirId = theirs.json<{ id: string }>().id;
      for (const payload of [{ node: call, credentials: { auth: theirId } }, { node: { ...call, credentials: { auth: theirId } } }]) {
        const res = await stack.api.inject({ method: 'POST', url: '/v1/nodes/test', payload });
        expect(res.statusCode).toBe(404);
        expect(res.json<{ error: { code: string; details: unknown } }>().error).toMatchObject({
          code: 'NOT_FOUND',
          details: { slot: 'auth', credentialId: theirId },
        });
      }
      // Nothing ran with theirs.
      expect(seen).toEqual(['Bearer my-secret']);
      // A body naming slots by the thousand is refused before any lookup.
      const flood = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`s${i}`, theirId]));
      const flooded = await stack.api.inject({ method: 'POST', url: '/v1/nodes/test', payload: { node: call, credentials: flood } });
      expect(flooded.statusCode).toBe(400);
      expect(seen).toEqual(['Bearer my-secret']);
    } finally {
      await authPeer.close();
    }
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
