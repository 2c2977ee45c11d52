// The thin slice, end to end on real parts: HTTP API -> Postgres -> Temporal workflow -> activity -> HTTP peer -> API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { saveWorkflow, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let peer: HttpPeer;

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startHttpPeer((app) => {
    app.get('/leads', async () => ({
      leads: [
        { id: 1, name: 'Ada' },
        { id: 2, name: 'Grace' },
      ],
    }));
    app.get('/missing', async (_req, reply) => reply.status(404).send({ message: 'nope' }));
  });
});

afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

function slice(url: string) {
  return {
    name: 'Fetch leads',
    nodes: [
      { id: 'start', type: 'trigger.manual', name: 'Start', config: {} },
      { id: 'fetch', type: 'http.request', name: 'Fetch leads', config: { url }, retry: { maxAttempts: 1 } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'fetch' }],
  };
}

describe('manual trigger -> HTTP Request, end to end', () => {
  it('runs on Temporal and reports each node with the real response', async () => {
    const workflowId = await saveWorkflow(stack.api, slice(`${peer.url}/leads`));
    const started = await stack.api.inject({
      method: 'POST',
      url: `/v1/workflows/${workflowId}/runs`,
      payload: { input: { campaign: 'autumn' } },
    });
    expect(started.statusCode, started.body).toBe(202);
    const { id: runId, temporalWorkflowId } = started.json<{ id: string; temporalWorkflowId: string }>();
    expect(temporalWorkflowId).toBe(`${runId}`);

    const run = await waitForRun(stack.api, runId);
    expect(run.status).toBe('completed');
    expect(run.startedAt).not.toBeNull();
    expect(run.finishedAt).not.toBeNull();

    const [start, fetch] = run.nodes;
    expect(start).toMatchObject({ nodeId: 'start', status: 'completed', output: { campaign: 'autumn' } });
    expect(fetch).toMatchObject({ nodeId: 'fetch', type: 'http.request', status: 'completed', attempt: 1, input: { campaign: 'autumn' } });
    expect(fetch?.output).toMatchObject({
      status: 200,
      body: {
        leads: [
          { id: 1, name: 'Ada' },
          { id: 2, name: 'Grace' },
        ],
      },
    });
    expect(fetch?.durationMs).toBeGreaterThanOrEqual(0);
    expect(run.output).toMatchObject({ fetch: { status: 200 } });

    // The peer really was called, once.
    expect(peer.requests.filter((r) => r.url === '/leads')).toHaveLength(1);

    // Temporal agrees, and the run carries Loom's search attributes and memo for the Web UI.
    // The database records completion just before the workflow returns; wait for Temporal to close it.
    const handle = stack.temporal.client.workflow.getHandle(temporalWorkflowId);
    expect(await handle.result()).toMatchObject({ status: 'completed', output: { fetch: { status: 200 } } });
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.typedSearchAttributes.get({ name: 'LoomWorkflowId', type: 'KEYWORD' } as never)).toBe(workflowId);
    expect(await description.memo).toMatchObject({ workflowName: 'Fetch leads', planHash: run.planHash });
  });

  it('records a failed node with its error and fails the run', async () => {
    const workflowId = await saveWorkflow(stack.api, slice(`${peer.url}/missing`));
    const started = await stack.api.inject({ method: 'POST', url: `/v1/workflows/${workflowId}/runs`, payload: {} });
    expect(started.statusCode).toBe(202);
    const run = await waitForRun(stack.api, started.json<{ id: string }>().id);
    expect(run.status).toBe('failed');
    const fetch = run.nodes.find((n) => n.nodeId === 'fetch');
    expect(fetch).toMatchObject({ status: 'failed', error: { code: 'HTTP_STATUS', details: { status: 404 } } });
    expect(run.error).toMatchObject({ code: 'HTTP_STATUS', nodeId: 'fetch' });
  });

  it('answers 404 for a run or workflow that does not exist', async () => {
    const run = await stack.api.inject({ method: 'GET', url: '/v1/runs/run_nope' });
    expect(run.statusCode).toBe(404);
    expect(run.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const start = await stack.api.inject({ method: 'POST', url: '/v1/workflows/wf_nope/runs', payload: {} });
    expect(start.statusCode).toBe(404);
  });
});
