// Who may answer: a request belongs to its run's owner; an approval may name users and groups, need N different
// approvers, and forbid the person who started the run from approving it. Every refusal has no effect on the run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRun, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';
import type { Api, TestUser } from './support/users.js';

let stack: TestStack;
let ann: TestUser;
let bob: TestUser;
let eve: TestUser;

beforeAll(async () => {
  stack = await startTestStack();
  ann = await stack.createUser({ name: 'ann', groups: ['finance'] });
  bob = await stack.createUser({ name: 'bob', groups: ['finance', 'ops'] });
  eve = await stack.createUser({ name: 'eve' });
});
afterAll(async () => stack?.close());

type Request = { id: string; status: string; approvals: { userId: string }[]; requiredApprovals: number; assignees: string[] };

async function startApproval(api: Api, config: Record<string, unknown>): Promise<string> {
  return startRun(api, {
    name: 'pay',
    nodes: [
      { id: 'start', type: 'trigger.manual' },
      { id: 'ok', type: 'human.approval', config: { message: 'Pay the invoice?', ...config } },
    ],
    edges: [{ id: 'e', source: 'start', target: 'ok' }],
  });
}

async function openRequest(api: Api, runId: string): Promise<Request> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const [first] = (await api.inject({ method: 'GET', url: `/v1/requests?status=open&runId=${runId}` })).json<{ items: Request[] }>()
      .items;
    if (first) return first;
  }
  throw new Error(`no open request for ${runId}`);
}

const answer = (api: Api, id: string, value: string) =>
  api.inject({ method: 'POST', url: `/v1/requests/${id}/answer`, payload: { answer: value } });

describe('who may answer', () => {
  it("keeps another user's request out of reach: not in the inbox, 404 to read or answer", async () => {
    const runId = await startApproval(stack.api, {});
    const request = await openRequest(stack.api, runId);
    const api = stack.as(eve);
    expect(
      (await api.inject({ method: 'GET', url: '/v1/requests?status=open' })).json<{ items: Request[] }>().items.map((r) => r.id),
    ).not.toContain(request.id);
    expect((await api.inject({ method: 'GET', url: `/v1/requests/${request.id}` })).statusCode).toBe(404);
    expect((await answer(api, request.id, 'approve')).statusCode).toBe(404);
    expect((await answer(stack.api, request.id, 'approve')).statusCode).toBe(200);
    expect((await waitForRun(stack.api, runId)).status).toBe('completed');
  });

  it('needs two different approvers of the group; the owner outside it may not approve', async () => {
    const runId = await startApproval(stack.api, { approvers: ['group:finance'], requiredApprovals: 2 });
    const request = await openRequest(stack.api, runId);
    expect(request).toMatchObject({ assignees: ['group:finance'], requiredApprovals: 2, approvals: [] });
    // The group sees it in their inbox; someone outside the group does not.
    expect(
      (await stack.as(ann).inject({ method: 'GET', url: '/v1/requests?status=open' })).json<{ items: Request[] }>().items.map((r) => r.id),
    ).toContain(request.id);
    expect((await answer(stack.as(eve), request.id, 'approve')).statusCode).toBe(404);

    const owner = await answer(stack.api, request.id, 'approve');
    expect(owner.statusCode).toBe(403);
    expect(owner.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });

    const first = await answer(stack.as(ann), request.id, 'approve');
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toMatchObject({ status: 'open', approvals: [{ userId: ann.id }] });
    const twice = await answer(stack.as(ann), request.id, 'approve');
    expect(twice.statusCode).toBe(409);
    expect((await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}` })).json()).toMatchObject({ status: 'running' });

    const second = await answer(stack.as(bob), request.id, 'approve');
    expect(second.statusCode, second.body).toBe(200);
    const run = await waitForRun(stack.api, runId);
    expect(run.status).toBe('completed');
    const audit = (await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}/audit` })).json<{
      items: { action: string; actor: string }[];
    }>().items;
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['approval_given', ann.id],
      ['approval_given', bob.id],
      ['answered', `${ann.id}, ${bob.id}`],
    ]);
  });

  it('lets any one approver cancel at once', async () => {
    const runId = await startApproval(stack.api, { approvers: ['group:finance'], requiredApprovals: 2 });
    const request = await openRequest(stack.api, runId);
    expect((await answer(stack.as(bob), request.id, 'cancel')).statusCode).toBe(200);
    expect((await waitForRun(stack.api, runId)).status).toBe('cancelled');
  });

  it('forbids the person who started the run from approving it, and answer links for named approvals', async () => {
    const carol = await stack.createUser({ name: 'carol', groups: ['finance'] });
    const runId = await startApproval(stack.as(carol), { approvers: ['group:finance'], forbidSelfApproval: true });
    const request = await openRequest(stack.as(carol), runId);
    const self = await answer(stack.as(carol), request.id, 'approve');
    expect(self.statusCode).toBe(403);
    expect(self.json<{ error: { message: string } }>().error.message).toMatch(/someone else/);
    const link = stack.links.sign({ requestId: request.id, expiresAt: Date.now() + 60_000 });
    expect((await stack.app.inject({ method: 'POST', url: `/v1/answer-links/${link}`, payload: { answer: 'approve' } })).statusCode).toBe(
      403,
    );
    expect((await answer(stack.as(ann), request.id, 'approve')).statusCode).toBe(200);
    expect((await waitForRun(stack.as(carol), runId)).status).toBe('completed');
  });
});

describe('the live inbox over the WebSocket', () => {
  /** A WebSocket that has subscribed to its user's inbox, and the messages it has heard since. */
  async function inbox(user: TestUser) {
    const ws = await stack.app.injectWS('/v1/ws', { headers: user.headers });
    const heard: { type: string; items?: { id: string }[]; request?: Request & { runId: string } }[] = [];
    ws.on('message', (m: Buffer) => heard.push(JSON.parse(m.toString()) as (typeof heard)[number]));
    ws.send(JSON.stringify({ type: 'subscribe_inbox' }));
    await until(() => heard.some((m) => m.type === 'inbox'));
    return {
      ws,
      heard,
      about: (runId: string) => heard.filter((m) => m.type === 'request' && m.request?.runId === runId).map((m) => m.request!),
    };
  }
  async function until(check: () => boolean, ms = 10_000): Promise<void> {
    for (const deadline = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 25)))
      if (Date.now() > deadline) throw new Error('not heard in time');
  }

  it('tells each approver of the group at once, tells nobody else, and follows the request to its close', async () => {
    const annInbox = await inbox(ann);
    const bobInbox = await inbox(bob);
    const eveInbox = await inbox(eve);
    const ownerInbox = await inbox(stack.user);
    try {
      const runId = await startApproval(stack.api, { approvers: ['group:finance'], requiredApprovals: 2 });
      await until(() => annInbox.about(runId).length > 0 && bobInbox.about(runId).length > 0 && ownerInbox.about(runId).length > 0);
      const opened = annInbox.about(runId)[0]!;
      expect(opened).toMatchObject({ status: 'open', assignees: ['group:finance'], approvals: [] });

      // One of two approvals: counted (202), and everyone watching sees the count.
      expect((await answer(stack.as(ann), opened.id, 'approve')).statusCode).toBe(202);
      await until(() => bobInbox.about(runId).some((r) => r.approvals.length === 1));
      expect((await answer(stack.as(bob), opened.id, 'approve')).statusCode).toBe(200);
      await until(() => annInbox.about(runId).some((r) => r.status === 'answered'));
      expect((await waitForRun(stack.api, runId)).status).toBe('completed');

      // A fresh subscription's backlog holds only what is still open.
      const late = await inbox(ann);
      expect(late.heard.find((m) => m.type === 'inbox')!.items!.map((r) => r.id)).not.toContain(opened.id);
      late.ws.terminate();
      // Someone who may not see the request heard nothing of it.
      expect(eveInbox.about(runId)).toEqual([]);

      // Administrators read every decision, across runs and owners; nobody else may.
      const admin = await stack.createUser({ name: 'admin', role: 'admin' });
      const trail = await stack.as(admin).inject({ method: 'GET', url: `/v1/admin/audit?runId=${runId}` });
      expect(trail.statusCode, trail.body).toBe(200);
      expect(trail.json<{ items: { actor: string; action: string; answer: unknown; channel: string }[] }>().items).toEqual(
        expect.arrayContaining([expect.objectContaining({ action: 'answered', answer: 'approve', channel: 'api' })]),
      );
      const byActor = await stack
        .as(admin)
        .inject({ method: 'GET', url: `/v1/admin/audit?actor=${trail.json<{ items: { actor: string }[] }>().items[0]!.actor}&limit=1` });
      expect(byActor.json<{ items: unknown[]; next: number | null }>()).toMatchObject({
        items: [expect.anything()],
        next: expect.any(Number),
      });
      expect((await stack.as(ann).inject({ method: 'GET', url: '/v1/admin/audit' })).statusCode).toBe(403);
    } finally {
      for (const i of [annInbox, bobInbox, eveInbox, ownerInbox]) i.ws.terminate();
    }
  });

  it('lists what is already open when it subscribes', async () => {
    const runId = await startApproval(stack.api, { approvers: ['group:ops'] });
    const request = await openRequest(stack.api, runId);
    const bobInbox = await inbox(bob);
    try {
      expect(bobInbox.heard.find((m) => m.type === 'inbox')!.items!.map((r) => r.id)).toContain(request.id);
    } finally {
      bobInbox.ws.terminate();
    }
    expect((await answer(stack.as(bob), request.id, 'cancel')).statusCode).toBe(200);
  });
});
