// Request notifications go out through the outbox: a webhook that fails is retried with backoff, and the request
// it announces is open and answerable all along.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { waitForRun } from './support/runs.js';
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
    const saved = await stack.app.inject({
      method: 'POST',
      url: '/v1/workflows',
      payload: { name: 'notify', nodes: [{ id: 'start', type: 'trigger.manual' }, { id: 'ok', type: 'human.approval', config: { message: 'Ship release 1.2?' } }], edges: [{ id: 'e', source: 'start', target: 'ok' }] },
    });
    const runId = (await stack.app.inject({ method: 'POST', url: `/v1/workflows/${saved.json<{ id: string }>().id}/runs`, payload: {} })).json<{ id: string }>().id;

    const deadline = Date.now() + 20_000;
    while (calls < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(2);
    const delivered = hook.requests.filter((r) => r.url === '/slack').at(-1)!.body as { text: string; loom: { requestId: string; answerUrl: string } };
    expect(delivered.text).toContain('Ship release 1.2?');
    expect(delivered.loom.answerUrl).toBe(`https://loom.example.com/v1/requests/${delivered.loom.requestId}/answer`);

    const [row] = await stack.database.db.query.notificationOutbox.findMany();
    expect(row).toMatchObject({ status: 'sent', attempts: 2, lastError: null });

    const request = await stack.app.inject({ method: 'GET', url: `/v1/requests/${delivered.loom.requestId}` });
    expect(request.json()).toMatchObject({ status: 'open', runId });
    await stack.app.inject({ method: 'POST', url: `/v1/requests/${delivered.loom.requestId}/answer`, payload: { answer: 'approve' } });
    expect((await waitForRun(stack.app, runId)).status).toBe('completed');
  });
});
