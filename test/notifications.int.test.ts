// Request notifications go out through the outbox: a webhook that fails is retried with backoff, and the request
// it announces is open and answerable all along.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startRun, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let hook: HttpPeer;
let calls = 0;

beforeAll(async () => {
  hook = await startHttpPeer((app) => {
    app.post('/slack', async (_req, reply) => (++calls === 1 ? reply.status(500).send('down') : { ok: true }));
  });
  stack = await startTestStack({ notify: { webhookUrl: `${hook.url}/slack`, publicUrl: 'https://loom.example.com' } });
});
afterAll(async () => {
  await stack?.close();
  await hook?.close();
});

describe('notifications', () => {
  it('announce a request on the webhook, retrying a failed delivery without holding the request', async () => {
    const runId = await startRun(stack.api, {
      name: 'notify',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'ok', type: 'human.approval', config: { message: 'Ship release 1.2?' } },
      ],
      edges: [{ id: 'e', source: 'start', target: 'ok' }],
    });

    const deadline = Date.now() + 20_000;
    while (calls < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(2);
    const delivered = hook.requests.filter((r) => r.url === '/slack').at(-1)!.body as {
      text: string;
      loom: { requestId: string; answerUrl: string };
    };
    expect(delivered.text).toContain('Ship release 1.2?');
    expect(delivered.loom.answerUrl.startsWith('https://loom.example.com/a/')).toBe(true);
    const token = delivered.loom.answerUrl.split('/').at(-1)!;

    // The dispatcher records the delivery once the webhook has answered: a moment after the peer saw the call.
    let [row] = await stack.database.db.query.notificationOutbox.findMany();
    for (const until = Date.now() + 5_000; row?.status !== 'sent' && Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
      [row] = await stack.database.db.query.notificationOutbox.findMany();
    }
    expect(row).toMatchObject({ status: 'sent', attempts: 2, lastError: null });

    const request = await stack.api.inject({ method: 'GET', url: `/v1/requests/${delivered.loom.requestId}` });
    expect(request.json()).toMatchObject({ status: 'open', runId });
    // The signed link shows the request and takes one answer, without logging in.
    const shown = await stack.api.inject({ method: 'GET', url: `/v1/answer-links/${token}` });
    expect(shown.json()).toMatchObject({ id: delivered.loom.requestId, question: 'Ship release 1.2?', status: 'open' });
    expect((await stack.api.inject({ method: 'GET', url: `/v1/answer-links/${token.slice(0, -2)}xx` })).statusCode).toBe(404);
    const answered = await stack.api.inject({ method: 'POST', url: `/v1/answer-links/${token}`, payload: { answer: 'approve' } });
    expect(answered.statusCode, answered.body).toBe(200);
    expect((await stack.api.inject({ method: 'POST', url: `/v1/answer-links/${token}`, payload: { answer: 'cancel' } })).statusCode).toBe(
      409,
    );
    expect((await waitForRun(stack.api, runId)).status).toBe('completed');
    const audit = (await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}/audit` })).json<{
      items: { actor: string; channel: string }[];
    }>().items;
    expect(audit).toEqual([expect.objectContaining({ actor: 'answer link', channel: 'link' })]);
  });
});
