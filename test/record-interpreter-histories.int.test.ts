// Records the histories in test/histories/plan-v2/interpreter: one per path through the interpreter that the six
// representative runs of replay.int.test.ts do not take (approvals, refusal, recovery, questions over offloaded data,
// joins with skipped branches, supervision, pause, cancellation, the workflow step budget, the execution budget).
// They were recorded with the interpreter before it was split into a scheduler and step modules (issue #12), and
// replay.int.test.ts replays them. Only when asked: LOOM_RECORD_HISTORIES=1 npx vitest run --project pglite test/record-interpreter-histories.int.test.ts
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edge, httpNode as http } from './support/documents.js';
import { decodedHistory } from './support/history.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startRun, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

const out = fileURLToPath(new URL('./histories/plan-v2/interpreter', import.meta.url));
describe.runIf(process.env.LOOM_RECORD_HISTORIES === '1')('record interpreter histories', () => {
  let stack: TestStack;
  let peer: HttpPeer;
  let limited = true;
  const items = Array.from({ length: 3_000 }, (_, i) => ({ id: i, padding: 'x'.repeat(80) }));
  beforeAll(async () => {
    stack = await startTestStack();
    peer = await startHttpPeer((app) => {
      app.get('/ok', async () => ({ ok: true }));
      app.get('/slow', async () => {
        await new Promise((r) => setTimeout(r, 600));
        return { ok: true };
      });
      app.get('/hang', async () => {
        await new Promise((r) => setTimeout(r, 3000));
        return { ok: true };
      });
      app.get('/big', async () => ({ items }));
      app.get('/fail', async (_req, reply) => reply.status(400).send({ message: 'bad' }));
      app.delete('/customers', async () => ({ deleted: 1 }));
      app.get('/limited', async (_req, reply) =>
        limited ? reply.status(429).header('retry-after', '1').send({ message: 'slow down' }) : { ok: true },
      );
    });
  });
  afterAll(async () => {
    await stack?.close();
    await peer?.close();
  });

  const start = (document: object, input: unknown = {}) => startRun(stack.api, document, input);
  async function openRequest(runId: string): Promise<{ id: string }> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await stack.api.inject({ method: 'GET', url: `/v1/requests?status=open&runId=${runId}` });
      const [first] = res.json<{ items: { id: string }[] }>().items;
      if (first) return first;
      if (Date.now() > deadline) throw new Error(`no open request for ${runId}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const answer = (id: string, value: string) =>
    stack.api.inject({ method: 'POST', url: `/v1/requests/${id}/answer`, payload: { answer: value } });
  const post = (url: string) => stack.api.inject({ method: 'POST', url });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function save(name: string, runId: string, expected: string) {
    const run = await waitForRun(stack.api, runId);
    expect(run.status, `${name}: ${JSON.stringify(run.error)}`).toBe(expected);
    const history = await decodedHistory(
      await stack.temporal.client.workflow.getHandle(run.temporalWorkflowId).fetchHistory(),
      stack.codec,
    );
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, `${name}.json`), historyToJSON(history));
  }

  it('records', async () => {
    // Approval before a sensitive node, in parallel with a plain branch, joined by merge requireAll.
    let id = await start({
      name: 'approve',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        http('purge', `${peer.url}/customers`, { config: { method: 'DELETE', url: `${peer.url}/customers` }, approval: true }),
        http('other', `${peer.url}/ok`),
        { id: 'm', type: 'logic.merge', config: { requireAll: true } },
        http('after', `${peer.url}/ok`),
      ],
      edges: [edge('start', 'purge'), edge('start', 'other'), edge('purge', 'm'), edge('other', 'm'), edge('m', 'after')],
    });
    await answer((await openRequest(id)).id, 'approve');
    await save('approve-merge', id, 'completed');
    // Refused approval.
    id = await start({
      name: 'refuse',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        http('purge', `${peer.url}/customers`, { config: { method: 'DELETE', url: `${peer.url}/customers` }, approval: true }),
        http('other', `${peer.url}/slow`),
        { id: 'after', type: 'flow.noop' },
      ],
      edges: [edge('start', 'purge'), edge('start', 'other'), edge('purge', 'after')],
    });
    await answer((await openRequest(id)).id, 'cancel');
    await save('refuse', id, 'cancelled');
    // Recovery: retry after Retry-After, then skip in a second run.
    limited = true;
    id = await start({
      name: 'recover',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'call', type: 'http.request', config: { url: `${peer.url}/limited` }, onError: 'ask', retry: { maxAttempts: 1 } },
        { id: 'n', type: 'flow.noop' },
      ],
      edges: [edge('start', 'call'), edge('call', 'n')],
    });
    const first = await openRequest(id);
    limited = false;
    await answer(first.id, 'retry');
    await save('recover-retry', id, 'completed');
    limited = true;
    id = await start({
      name: 'recover2',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'call', type: 'http.request', config: { url: `${peer.url}/limited` }, onError: 'ask', retry: { maxAttempts: 1 } },
        { id: 'n', type: 'flow.noop' },
      ],
      edges: [edge('start', 'call'), edge('call', 'n')],
    });
    await answer((await openRequest(id)).id, 'skip');
    await save('recover-skip', id, 'completed');
    id = await start({
      name: 'recover3',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'call', type: 'http.request', config: { url: `${peer.url}/limited` }, onError: 'ask', retry: { maxAttempts: 1 } },
        { id: 'n', type: 'flow.noop' },
      ],
      edges: [edge('start', 'call'), edge('call', 'n')],
    });
    await answer((await openRequest(id)).id, 'stop');
    await save('recover-stop', id, 'failed');
    // Question and approval nodes, one reading offloaded data, then a pure node on it.
    id = await start({
      name: 'question',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'fetch', type: 'http.request', config: { url: `${peer.url}/big`, maxResponseBytes: 20_000_000 } },
        { id: 'ask', type: 'human.question', config: { question: 'Count {{ $json.body.items.length }}?', options: ['a', 'b'] } },
        { id: 'ok', type: 'human.approval', config: { message: 'Go {{ $json.answer }}?' } },
        { id: 'set', type: 'data.set', config: { assignments: [{ name: 'n', value: '{{ $node.fetch.body.items.length }}' }] } },
      ],
      edges: [edge('start', 'fetch'), edge('fetch', 'ask'), edge('ask', 'ok'), edge('ok', 'set')],
    });
    await answer((await openRequest(id)).id, 'b');
    await sleep(300);
    await answer((await openRequest(id)).id, 'approve');
    await save('question-offload', id, 'completed');
    // Merge requireAll with a skipped branch; plain merge with the same; IF routing; continue and route with maxNodeFailures.
    id = await start({
      name: 'merge-skip',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'if', type: 'logic.if', config: { conditions: [{ left: 1, operator: 'gt', right: 3 }] } },
        { id: 'all', type: 'logic.merge', config: { requireAll: true } },
        { id: 'any', type: 'logic.merge', config: {} },
        http('a', `${peer.url}/ok`),
        http('b', `${peer.url}/fail`, { onError: 'continue' }),
        http('c', `${peer.url}/fail`, { onError: 'route' }),
      ],
      edges: [
        edge('start', 'if'),
        edge('if', 'all', 'true'),
        edge('start', 'all'),
        edge('if', 'any', 'true'),
        edge('start', 'any'),
        edge('any', 'a'),
        edge('start', 'b'),
        edge('start', 'c'),
      ],
    });
    await save('merge-skip', id, 'completed');
    id = await start({
      name: 'failures',
      settings: { maxNodeFailures: 2 },
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        http('b', `${peer.url}/fail`, { onError: 'continue' }),
        http('c', `${peer.url}/fail`, { onError: 'continue' }),
        http('d', `${peer.url}/slow`),
      ],
      edges: [edge('start', 'b'), edge('start', 'c'), edge('start', 'd')],
    });
    await save('max-failures', id, 'failed');
    // Pause and resume around a running node, then a wait; cancel during a wait.
    id = await start({
      name: 'pause',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        http('a', `${peer.url}/slow`),
        { id: 'w', type: 'flow.wait', config: { durationMs: 300 } },
        http('c', `${peer.url}/ok`),
      ],
      edges: [edge('start', 'a'), edge('a', 'w'), edge('w', 'c')],
    });
    await sleep(200);
    await post(`/v1/runs/${id}/pause`);
    await sleep(900);
    await post(`/v1/runs/${id}/resume`);
    await save('pause-resume', id, 'completed');
    id = await start({
      name: 'cancel',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'w', type: 'flow.wait', config: { durationMs: 5_000 } },
        http('c', `${peer.url}/ok`),
        http('p', `${peer.url}/ok`),
      ],
      edges: [edge('start', 'w'), edge('w', 'c'), edge('start', 'p')],
    });
    await sleep(800);
    await post(`/v1/runs/${id}/stop`);
    await save('cancel', id, 'cancelled');
    // A pure node past the workflow's step budget (evaluated in the activity), and a budget failure.
    id = await start({
      name: 'steps',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        {
          id: 'set',
          type: 'data.set',
          config: { assignments: [{ name: 'n', value: '{{ $reduce([1..3000], function($a, $b) { $a + $b }) }}' }] },
        },
      ],
      edges: [edge('start', 'set')],
    });
    await save('step-budget', id, 'completed');
    id = await start({
      name: 'budget',
      settings: { timeoutMs: 1_000 },
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        http('a', `${peer.url}/slow`),
        http('b', `${peer.url}/slow`),
        http('c', `${peer.url}/hang`),
      ],
      edges: [edge('start', 'a'), edge('a', 'b'), edge('b', 'c')],
    });
    await save('budget', id, 'failed');
  }, 180_000);
});
