// Credentials end to end: sealed at rest, masked in every answer, opened only inside the activity that uses
// them (with an access record), and never present in Temporal history, events or API responses.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from './support/database.js';
import { historyText } from './support/history.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { runToEnd, startRun, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let peer: HttpPeer;
const TOKEN = `tok_${randomBytes(12).toString('hex')}`;

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startHttpPeer((app) => {
    app.get('/me', async (req) => ({ authorized: req.headers.authorization === `Bearer ${TOKEN}` }));
  });
});
afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

async function createCredential(type: string, name: string, values: Record<string, string | number>) {
  const res = await stack.api.inject({ method: 'POST', url: '/v1/credentials', payload: { type, name, values } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; fields: Record<string, string> }>();
}

describe('credentials', () => {
  it('are masked after creation and refused when invalid', async () => {
    const created = await createCredential('httpBasic', 'Basic', { username: 'ada', password: 'pw-123' });
    expect(created.fields).toEqual({ username: 'ada', password: '••••••••' });
    const listed = await stack.api.inject({ method: 'GET', url: '/v1/credentials' });
    expect(listed.body).not.toContain('pw-123');
    const bad = await stack.api.inject({
      method: 'POST',
      url: '/v1/credentials',
      payload: { type: 'httpBasic', name: 'x', values: { password: 'leaky-secret' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).not.toContain('leaky-secret');
    expect(
      (await stack.api.inject({ method: 'POST', url: '/v1/credentials', payload: { type: 'nope', name: 'x', values: {} } })).statusCode,
    ).toBe(400);
    expect((await stack.api.inject({ method: 'DELETE', url: `/v1/credentials/${created.id}` })).statusCode).toBe(204);
    expect((await stack.api.inject({ method: 'GET', url: `/v1/credentials/${created.id}` })).statusCode).toBe(404);
  });

  it('authenticate a node, and the secret appears in no history, event, row or API response', async () => {
    const credential = await createCredential('httpBearer', 'API token', { token: TOKEN });
    const run = await runToEnd(stack.api, {
      name: 'auth',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'me', type: 'http.request', config: { url: `${peer.url}/me` }, credentials: { auth: credential.id } },
      ],
      edges: [{ id: 'e', source: 'start', target: 'me' }],
    });
    expect(run.nodes.find((n) => n.nodeId === 'me')?.output).toMatchObject({ body: { authorized: true } });

    const history = await stack.temporal.client.workflow.getHandle(run.temporalWorkflowId).fetchHistory();
    const haystacks = [
      await historyText(history, stack.codec),
      JSON.stringify(await stack.database.db.query.runEvents.findMany()),
      JSON.stringify(await stack.database.db.query.nodeExecutions.findMany()),
      JSON.stringify(await stack.database.db.query.credentials.findMany()),
      (await stack.api.inject({ method: 'GET', url: `/v1/runs/${run.id}` })).body,
      (await stack.api.inject({ method: 'GET', url: `/v1/credentials/${credential.id}` })).body,
    ];
    // The history search can find things: payloads are encrypted in history, and decoded here with the stack's codec.
    expect(haystacks[0]).toContain('authorized');
    for (const text of haystacks) expect(text).not.toContain(TOKEN);
    const access = await stack.database.db.query.credentialAccess.findMany();
    expect(access).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ credentialId: credential.id, runId: run.id, nodeId: 'me', purpose: 'node_execution' }),
      ]),
    );
  });

  it('a workflow naming a credential that does not exist is refused with MISSING_CREDENTIAL', async () => {
    const res = await stack.api.inject({
      method: 'POST',
      url: '/v1/workflows',
      payload: {
        name: 'x',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          { id: 'me', type: 'http.request', config: { url: 'https://x' }, credentials: { auth: 'cred_gone' } },
        ],
        edges: [{ id: 'e', source: 'start', target: 'me' }],
      },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json<{ error: { details: { errors: { code: string }[] } } }>().error.details.errors.map((e) => e.code)).toEqual([
      'MISSING_CREDENTIAL',
    ]);
  });
});

describe('approval of a database delete', () => {
  let target: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
  let credentialId: string;
  const count = async () => {
    const c = new pg.Client({ connectionString: target!.url });
    await c.connect();
    const { rows } = await c.query<{ n: number }>('select count(*)::int as n from customers');
    await c.end();
    return rows[0]!.n;
  };

  beforeAll(async () => {
    if (!process.env.DATABASE_URL) process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
    target = await createPostgresDatabase();
    const c = new pg.Client({ connectionString: target.url });
    await c.connect();
    await c.query('create table customers (id int primary key, tier text)');
    await c.query("insert into customers select g, case when g % 2 = 0 then 'pro' else 'free' end from generate_series(1, 500) g");
    await c.end();
    const url = new URL(target.url);
    credentialId = (
      await createCredential('postgres', 'Shop DB', {
        host: url.hostname,
        port: Number(url.port || 5432),
        database: url.pathname.slice(1),
        user: 'postgres',
      })
    ).id;
  });
  afterAll(async () => target?.drop());

  async function deleteRun(): Promise<{ runId: string; request: { id: string; question: string; details: { rowCount: number } } }> {
    const runId = await startRun(stack.api, {
      name: 'purge',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        {
          id: 'purge',
          name: 'Purge free tier',
          type: 'db.postgres',
          config: { query: 'delete from customers where tier = $1', parameters: ['free'] },
          credentials: { postgres: credentialId },
        },
      ],
      edges: [{ id: 'e', source: 'start', target: 'purge' }],
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [request] = (await stack.api.inject({ method: 'GET', url: `/v1/requests?status=open&runId=${runId}` })).json<{
        items: { id: string; question: string; details: { rowCount: number } }[];
      }>().items;
      if (request) return { runId, request };
      if (Date.now() > deadline) throw new Error('no approval request');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('asks with the real row count; cancelled, the rows remain; approved, they are gone', async () => {
    const first = await deleteRun();
    expect(first.request.question).toContain('This will delete 250 records in customers');
    expect(first.request.details).toMatchObject({ rowCount: 250, command: 'DELETE' });
    expect(await count()).toBe(500);
    await stack.api.inject({ method: 'POST', url: `/v1/requests/${first.request.id}/answer`, payload: { answer: 'cancel' } });
    expect((await waitForRun(stack.api, first.runId)).status).toBe('cancelled');
    expect(await count()).toBe(500);

    const second = await deleteRun();
    await stack.api.inject({ method: 'POST', url: `/v1/requests/${second.request.id}/answer`, payload: { answer: 'approve' } });
    const run = await waitForRun(stack.api, second.runId);
    expect(run.status).toBe('completed');
    expect(run.nodes.find((n) => n.nodeId === 'purge')?.output).toMatchObject({ command: 'DELETE', rowCount: 250 });
    expect(await count()).toBe(250);
  });
});
