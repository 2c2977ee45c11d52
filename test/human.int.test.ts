// Human in the loop on the real Temporal server: approvals (approve and cancel), questions answered over the
// WebSocket, recovery after a failure, expiry with its timeout action, double answers, and the audit trail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../apps/gateway/views.js';
import { edge } from './support/documents.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startRun, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let peer: HttpPeer;
let deletes = 0;
let limited = true;

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startHttpPeer((app) => {
    app.delete('/customers', async () => ({ deleted: ++deletes }));
    app.get('/limited', async (_req, reply) =>
      limited ? reply.status(429).header('retry-after', '1').send({ message: 'slow down' }) : { ok: true },
    );
  });
});
afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

type Request = {
  id: string;
  runId: string;
  kind: string;
  status: string;
  question: string;
  options: { value: string }[];
  details: unknown;
};

async function start(nodes: object[], settings?: object, input: unknown = {}): Promise<string> {
  const edges = nodes.slice(1).map((n, i) => edge((nodes[i] as { id: string }).id, (n as { id: string }).id));
  return startRun(stack.api, { name: 'human', nodes, edges, ...(settings ? { settings } : {}) }, input);
}

async function openRequest(runId: string): Promise<Request> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await stack.api.inject({ method: 'GET', url: `/v1/requests?status=open&runId=${runId}` });
    const [first] = res.json<{ items: Request[] }>().items;
    if (first) return first;
    if (Date.now() > deadline) throw new Error(`no open request for ${runId}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const answer = (id: string, value: string, api = stack.api) =>
  api.inject({ method: 'POST', url: `/v1/requests/${id}/answer`, payload: { answer: value } });
const node = (run: RunView, id: string) => run.nodes.find((n) => n.nodeId === id);

describe('approvals', () => {
  const sensitive = () => [
    { id: 'start', type: 'trigger.manual' },
    {
      id: 'purge',
      name: 'Purge customers',
      type: 'http.request',
      config: { method: 'DELETE', url: `${peer.url}/customers` },
      approval: true,
    },
    { id: 'after', type: 'flow.noop' },
  ];

  it('waits for approval before a sensitive node; approved, it runs', async () => {
    const before = deletes;
    const runId = await start(sensitive(), { timeoutMs: 2_000 });
    const request = await openRequest(runId);
    expect(request).toMatchObject({ kind: 'approval', options: [{ value: 'approve' }, { value: 'cancel' }] });
    expect(request.question).toContain('Purge customers');
    // The wait does not consume the 2-second execution budget.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(deletes).toBe(before);
    expect((await answer(request.id, 'maybe')).statusCode).toBe(400);
    const ok = await answer(request.id, 'approve');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'answered', answer: 'approve', answeredBy: stack.user.id });
    const second = await answer(request.id, 'cancel');
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ error: { code: 'REQUEST_CLOSED' } });

    const run = await waitForRun(stack.api, runId);
    expect(run.status).toBe('completed');
    expect(deletes).toBe(before + 1);
    const audit = (await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}/audit` })).json<{
      items: { action: string; actor: string; channel: string; answer: unknown }[];
    }>().items;
    expect(audit).toEqual([expect.objectContaining({ action: 'answered', actor: stack.user.id, channel: 'api', answer: 'approve' })]);
    const events = (await stack.database.db.query.runEvents.findMany({ where: (e, { eq }) => eq(e.runId, runId) })).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['approval_requested', 'request_answered']));
  });

  it('cancelled, the node never runs and the run ends cancelled', async () => {
    const before = deletes;
    const runId = await start(sensitive());
    const request = await openRequest(runId);
    expect((await answer(request.id, 'cancel')).statusCode).toBe(200);
    const run = await waitForRun(stack.api, runId);
    expect(run.status).toBe('cancelled');
    expect(run.error).toMatchObject({ code: 'APPROVAL_REJECTED', nodeId: 'purge' });
    expect(node(run, 'purge')?.status).toBe('skipped');
    expect(node(run, 'after')?.status).toBe('skipped');
    expect(deletes).toBe(before);
  });

  it('with a host allowlist, asks before a call to another host, saying where it goes; calls to listed hosts just run', async () => {
    const before = deletes;
    const port = new URL(peer.url).port;
    const nodes = [
      { id: 'start', type: 'trigger.manual' },
      { id: 'listed', type: 'http.request', config: { url: `http://localhost:${port}/customers`, method: 'DELETE' } },
      { id: 'purge', name: 'Purge customers', type: 'http.request', config: { method: 'DELETE', url: `${peer.url}/customers` } },
    ];
    const runId = await start(nodes, { allowedHosts: ['localhost', '*.partner.example'] });
    const request = await openRequest(runId);
    // The listed call ran without asking; the unlisted one waits.
    expect(deletes).toBe(before + 1);
    expect(request).toMatchObject({ kind: 'approval', details: { method: 'DELETE', host: `127.0.0.1:${port}`, path: '/customers' } });
    expect(request.question).toBe(`Approve "Purge customers"? This will send a DELETE request to 127.0.0.1:${port}/customers.`);
    expect((await answer(request.id, 'approve')).statusCode).toBe(200);
    expect((await waitForRun(stack.api, runId)).status).toBe('completed');
    expect(deletes).toBe(before + 2);
  });
});

describe('questions', () => {
  it('feeds the answer, given over the WebSocket, to the next node', async () => {
    const runId = await start(
      [
        { id: 'start', type: 'trigger.manual' },
        {
          id: 'ask',
          type: 'human.question',
          config: { question: 'Which API should I use for {{ $json.task }}?', options: ['openai', 'anthropic', 'gemini'] },
        },
        {
          id: 'use',
          type: 'data.set',
          config: {
            assignments: [
              { name: 'provider', value: '{{ $json.answer }}' },
              { name: 'chosenBy', value: '{{ $json.by }}' },
            ],
            keepInput: false,
          },
        },
      ],
      undefined,
      { task: 'summaries' },
    );
    const request = await openRequest(runId);
    expect(request.question).toBe('Which API should I use for summaries?');
    const ws = await stack.app.injectWS('/v1/ws', { headers: stack.user.headers });
    const reply = (message: object) => {
      const next = new Promise<{ type: string }>((resolve) =>
        ws.once('message', (m: Buffer) => resolve(JSON.parse(m.toString()) as { type: string })),
      );
      ws.send(JSON.stringify(message));
      return next;
    };
    // An answer outside the options is refused with the code REST gives it.
    expect(await reply({ type: 'answer', requestId: request.id, answer: 'cohere' })).toMatchObject({
      type: 'error',
      requestId: request.id,
      error: { code: 'VALIDATION_FAILED' },
    });
    expect(await reply({ type: 'answer', requestId: request.id, answer: 'anthropic' })).toMatchObject({ type: 'answered' });
    ws.terminate();
    const run = await waitForRun(stack.api, runId);
    expect(node(run, 'use')?.output).toEqual({ provider: 'anthropic', chosenBy: stack.user.id });
  });

  it('takes a form answer that must match its JSON Schema; downstream nodes read the document', async () => {
    const form = {
      type: 'object',
      properties: { amount: { type: 'number' }, note: { type: 'string' } },
      required: ['amount'],
      additionalProperties: false,
    };
    const runId = await start([
      { id: 'start', type: 'trigger.manual' },
      { id: 'ask', type: 'human.question', config: { question: 'How much should we refund?', form } },
      {
        id: 'use',
        type: 'data.set',
        config: { assignments: [{ name: 'refund', value: '{{ $json.answer.amount * 100 }}' }], keepInput: false },
      },
    ]);
    const request = await openRequest(runId);
    const wrong = await answer(request.id, '{"amount": "a lot"}');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json<{ error: { message: string } }>().error.message).toContain('amount');
    expect((await answer(request.id, 'not json')).statusCode).toBe(400);
    expect((await answer(request.id, '{"amount": 12.5, "note": "damaged"}')).statusCode).toBe(200);
    const run = await waitForRun(stack.api, runId);
    expect(node(run, 'ask')?.output).toMatchObject({ answer: { amount: 12.5, note: 'damaged' } });
    expect(node(run, 'use')?.output).toEqual({ refund: 1250 });
  });

  it('expires: the default option is used, and the expiry is recorded', async () => {
    const runId = await start([
      { id: 'start', type: 'trigger.manual' },
      {
        id: 'ask',
        type: 'human.question',
        config: {
          question: 'Proceed how?',
          options: ['fast', 'careful'],
          timeoutMs: 1_000,
          timeoutAction: 'default',
          defaultOption: 'careful',
        },
      },
    ]);
    const run = await waitForRun(stack.api, runId);
    expect(run.status).toBe('completed');
    expect(node(run, 'ask')?.output).toMatchObject({ answer: 'careful', by: 'timeout', expired: true });
    const audit = (await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}/audit` })).json<{ items: { action: string }[] }>().items;
    expect(audit.map((a) => a.action)).toEqual(['expired:default']);
    const requests = (await stack.api.inject({ method: 'GET', url: `/v1/requests?runId=${runId}` })).json<{ items: Request[] }>().items;
    expect(requests.map((r) => r.status)).toEqual(['expired']);
  });

  it('an approval nobody answers is cancelled by default', async () => {
    const runId = await start([
      { id: 'start', type: 'trigger.manual' },
      { id: 'ok', type: 'human.approval', config: { message: 'Ship it?', timeoutMs: 1_000 } },
    ]);
    const run = await waitForRun(stack.api, runId);
    expect(run.status).toBe('cancelled');
    expect(run.error).toMatchObject({ code: 'REQUEST_EXPIRED' });
  });
});

describe('error recovery', () => {
  it('asks after retries are spent, and "retry" runs the node again after the server\'s Retry-After', async () => {
    limited = true;
    const runId = await start([
      { id: 'start', type: 'trigger.manual' },
      { id: 'call', type: 'http.request', config: { url: `${peer.url}/limited` }, onError: 'ask', retry: { maxAttempts: 1 } },
    ]);
    const request = await openRequest(runId);
    expect(request).toMatchObject({
      kind: 'recovery',
      options: [{ value: 'retry', label: 'Retry after 1 s' }, { value: 'skip' }, { value: 'stop' }],
      details: { error: { code: 'HTTP_RETRYABLE_STATUS', retryAfterMs: 1_000 } },
    });
    expect(request.question).toContain('429');
    limited = false;
    const answeredAt = Date.now();
    expect((await answer(request.id, 'retry')).statusCode).toBe(200);
    const run = await waitForRun(stack.api, runId);
    const retried = peer.requests.filter((r) => r.url === '/limited').at(-1)!;
    expect(retried.at - answeredAt).toBeGreaterThanOrEqual(900);
    expect(run.status).toBe('completed');
    expect(node(run, 'call')?.output).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('answers 404 for an unknown request', async () => {
    expect((await answer('req_nope', 'approve')).statusCode).toBe(404);
  });
});
