// The secret search: a run uses credentials against a server that echoes them back (in its response body and in
// an error message), and then the secret is looked for everywhere Loom writes: Temporal's history, every log line
// at trace level, every row of every table but the sealed credentials themselves, every GET route of the API (the
// list comes from the gateway's route table, so a new route is searched too) and the live event stream.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloads } from '../db/schema.js';
import { createLogger } from '../platform/logger.js';
import { historyText } from './support/history.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { saveWorkflow, startRunOf, waitForRun } from './support/runs.js';
import { readSse } from './support/sse.js';
import { startTestStack, type TestStack } from './support/stack.js';
import type { TestUser } from './support/users.js';

const TOKEN = `tok_${randomBytes(16).toString('hex')}`;
// Looks like nothing in particular: only knowing the value can catch it.
const PASSWORD = `plain${randomBytes(6).toString('hex')}word`;
const SECRETS = [TOKEN, PASSWORD];

let stack: TestStack;
let peer: HttpPeer;
let admin: TestUser;
let base: string;
const logLines: string[] = [];

beforeAll(async () => {
  const log = createLogger(
    { level: 'trace' },
    new Writable({ write: (chunk: Buffer, _e, done) => void (logLines.push(chunk.toString('utf8')), done()) }),
  );
  stack = await startTestStack({ log });
  admin = await stack.createUser({ name: 'admin', role: 'admin' });
  base = await stack.app.listen({ host: '127.0.0.1', port: 0 });
  peer = await startHttpPeer((app) => {
    // Echoes what it was sent: the bearer token comes back in the body, large enough to be stored as a payload.
    app.get('/echo', async (req) => ({
      headers: req.headers,
      note: `you called with ${req.headers.authorization}`,
      padding: 'x'.repeat(300_000),
    }));
    // Refuses, quoting the token in its error message.
    app.get('/reject', async (req, reply) => reply.status(401).send({ message: `token ${String(req.headers.authorization)} is revoked` }));
    // Decodes Basic credentials and sends them back in clear.
    app.get('/whoami', async (req) => ({
      decoded: Buffer.from(String(req.headers.authorization).replace('Basic ', ''), 'base64').toString('utf8'),
    }));
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

/** The rows of a raw query: node-postgres and PGlite both answer with `{ rows }`. */
function rowsOf<T>(result: unknown): T[] {
  const rows = (result as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) throw new Error('The database answered a query without rows');
  return rows as T[];
}

async function credential(type: string, name: string, values: Record<string, string>): Promise<string> {
  const res = await stack.api.inject({ method: 'POST', url: '/v1/credentials', payload: { type, name, values } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

/** Every GET route of the gateway with its path filled from this run's resources. */
function getRoutes(ids: Record<string, string>): string[] {
  return stack.app.routeTable
    .filter((r) => r.method === 'GET' && r.url !== '/v1/ws' && !r.url.endsWith('/events'))
    .map((r) =>
      r.url.replace(/:(\w+)/g, (_m, param: string) => {
        if (param === 'payloadId') return ids.payload!;
        if (param === 'version') return '1';
        // The run's workflow has no webhook: a hook route answers 404 (still searched for secrets).
        if (param === 'hookId') return 'hk_none';
        if (param === 'draftId') return 'draft_none';
        if (param === 'sourceId') return ids.kbSource!;
        if (param === 'type') return ids.customType!;
        if (param === 'file') return 'console.css';
        if (param === 'nodeId') return 'echo';
        if (param === 'token') return stack.links.sign({ requestId: ids.request!, expiresAt: Date.now() + 60_000 });
        const resource = /^\/(?:v1\/(?:admin\/)?|console\/)([a-z-]+)\//.exec(r.url)?.[1];
        const id = resource && ids[resource];
        if (param !== 'id' || !id) throw new Error(`No fixture for :${param} in ${r.url}: add one to the secret search`);
        return id;
      }),
    );
}

describe('a credential used by a run appears nowhere', () => {
  it('not in history, logs, rows, API responses or events, even when the server echoes it', async () => {
    const bearer = await credential('httpBearer', 'Partner token', { token: TOKEN });
    const basic = await credential('httpBasic', 'Service account', { username: 'svc', password: PASSWORD });
    // A custom node that has Loom put the token on its request, then reads it itself and logs it: still nowhere.
    const custom = await stack.api.inject({
      method: 'POST',
      url: '/v1/custom-nodes',
      payload: {
        language: 'javascript',
        source: `import { defineNode } from '@loom/sdk';
export default defineNode({
  type: 'leaky.echo', displayName: 'Leaky', operations: ['external_api'], hosts: ['127.0.0.1'],
  credentials: [{ slot: 'auth', types: ['httpBearer'], required: true }],
  async execute(input, config, context) {
    const res = await context.http.fetch('${peer.url}/echo', { credential: 'auth' });
    const { values } = await context.credentials.get('auth');
    context.log.info('the token is ' + values.token, { token: values.token });
    const echoed = await res.json();
    return { echoedAuth: echoed.headers.authorization, token: values.token };
  },
});`,
      },
    });
    expect(custom.statusCode, custom.body).toBe(201);
    const customType = custom.json<{ type: string }>().type;
    const workflowId = await saveWorkflow(stack.api, {
      name: 'echoes',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'echo', type: 'http.request', config: { url: `${peer.url}/echo` }, credentials: { auth: bearer } },
        {
          id: 'reject',
          type: 'http.request',
          config: { url: `${peer.url}/reject` },
          credentials: { auth: bearer },
          onError: 'continue',
          retry: { maxAttempts: 2, initialIntervalMs: 100 },
        },
        { id: 'whoami', type: 'http.request', config: { url: `${peer.url}/whoami` }, credentials: { auth: basic } },
        { id: 'custom', type: customType, credentials: { auth: bearer } },
        {
          id: 'copy',
          type: 'data.set',
          config: {
            assignments: [{ name: 'seen', value: '{{ $node.echo.body.headers.authorization }} / {{ $node.whoami.body.decoded }}' }],
          },
        },
        // Reads the echo's offloaded output: resolved in an activity, where the payload can be read.
        {
          id: 'ask',
          type: 'human.question',
          config: { question: 'Did {{ $node.copy.seen }} work when {{ $node.echo.body.note }}?', options: ['yes', 'no'] },
        },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'echo' },
        { id: 'e2', source: 'echo', target: 'reject' },
        { id: 'e3', source: 'reject', target: 'whoami' },
        { id: 'e4', source: 'whoami', target: 'custom' },
        { id: 'e6', source: 'custom', target: 'copy' },
        { id: 'e5', source: 'copy', target: 'ask' },
      ],
    });
    const runId = await startRunOf(stack.api, workflowId, {});

    // The live stream, from the start, until the run completes.
    const streamed: string[] = [];
    const abort = new AbortController();
    const stream = (async () => {
      for await (const e of readSse(`${base}/v1/runs/${runId}/events`, {
        authorization: stack.user.headers.authorization,
        signal: abort.signal,
      })) {
        streamed.push(JSON.stringify(e));
        if (e.type === 'run_completed') return;
      }
    })().catch((err: unknown) => {
      if (!abort.signal.aborted) throw err;
    });

    let requestId: string | undefined;
    for (const deadline = Date.now() + 30_000; !requestId && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      requestId = (await stack.api.inject({ method: 'GET', url: `/v1/requests?status=open&runId=${runId}` })).json<{
        items: { id: string }[];
      }>().items[0]?.id;
    }
    expect(requestId).toBeDefined();
    expect(
      (await stack.api.inject({ method: 'POST', url: `/v1/requests/${requestId}/answer`, payload: { answer: 'yes' } })).statusCode,
    ).toBe(200);
    const run = await waitForRun(stack.api, runId);
    await Promise.race([stream, new Promise((r) => setTimeout(r, 10_000))]);
    abort.abort();

    // The secrets did reach the server and came back: what follows searches places they would have been.
    expect(peer.requests.find((r) => r.url === '/echo')?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(run.status).toBe('completed');
    const nodeOf = (id: string) => run.nodes.find((n) => n.nodeId === id);
    expect(nodeOf('echo')?.output).toMatchObject({
      $loomRef: expect.any(String),
      preview: expect.stringContaining('"authorization":"Bearer [REDACTED]"'),
    });
    expect(nodeOf('reject')?.error).toMatchObject({
      code: 'HTTP_STATUS',
      details: { body: { message: 'token Bearer [REDACTED] is revoked' } },
    });
    expect(nodeOf('whoami')?.output).toMatchObject({ body: { decoded: 'svc:[REDACTED]' } });
    expect(nodeOf('copy')?.output).toMatchObject({ seen: 'Bearer [REDACTED] / svc:[REDACTED]' });
    expect(nodeOf('custom')?.output).toEqual({ echoedAuth: 'Bearer [REDACTED]', token: '[REDACTED]' });
    expect(streamed.some((e) => e.includes('run_completed'))).toBe(true);

    const history = await stack.temporal.client.workflow.getHandle(run.temporalWorkflowId).fetchHistory();
    const historyDecoded = await historyText(history, stack.codec);

    const tables = rowsOf<{ table_name: string }>(
      await stack.database.db.execute(
        sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
      ),
    );
    const names = tables.map((t) => t.table_name).filter((t) => t !== 'credentials');
    expect(names).toEqual(
      expect.arrayContaining(['runs', 'node_executions', 'run_events', 'human_requests', 'audit_log', 'credential_access']),
    );
    const rows: string[] = [];
    for (const table of names) {
      const result = rowsOf<{ row: string }>(
        await stack.database.db.execute(sql.raw(`select row_to_json(t)::text as row from "${table}" t`)),
      );
      rows.push(`${table}: ${result.map((r) => r.row).join('\n')}`);
    }

    // The echo's large response went to a payload, which has its own route.
    const [payload] = await stack.database.db.select({ id: payloads.id }).from(payloads).where(eq(payloads.runId, runId));
    expect(payload).toBeDefined();
    const kb = await stack.api.inject({
      method: 'POST',
      url: '/v1/knowledge-bases',
      payload: { name: 'notes', embedding: { provider: 'offline', model: 'hash-v1', dimensions: 16 } },
    });
    const kbId = kb.json<{ id: string }>().id;
    const kbSource = await stack.api.inject({
      method: 'POST',
      url: `/v1/knowledge-bases/${kbId}/sources`,
      payload: { title: 'n', text: 'notes' },
    });
    const ids: Record<string, string> = {
      'knowledge-bases': kbId,
      kbSource: kbSource.json<{ id: string }>().id,
      customType,
      workflows: workflowId,
      runs: runId,
      requests: requestId!,
      credentials: bearer,
      users: stack.user.id,
      payload: payload!.id,
      // No file is uploaded here: the file routes answer 404 (still searched for secrets).
      files: 'file_none',
    };
    const responses: string[] = [];
    for (const url of getRoutes(ids)) {
      const res = await (url.startsWith('/v1/admin/') ? stack.as(admin) : stack.api).inject({ method: 'GET', url });
      expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(500);
      responses.push(`${url} ${res.statusCode}: ${res.body}`);
    }
    expect(responses.length).toBeGreaterThanOrEqual(15);

    const places = {
      history: historyDecoded,
      logs: logLines.join(''),
      rows: rows.join('\n'),
      responses: responses.join('\n'),
      stream: streamed.join('\n'),
    };
    // The search can find things: the echoed secrets passed through every place but the logs, redacted.
    for (const [place, text] of Object.entries(places)) if (place !== 'logs') expect(text, place).toContain('Bearer [REDACTED]');
    expect(places.logs).toContain(runId);
    expect(places.history).toContain('Did Bearer [REDACTED] / svc:[REDACTED] work when you called with Bearer [REDACTED]?');
    for (const secret of SECRETS) {
      for (const [place, text] of Object.entries(places)) {
        const at = text.indexOf(secret);
        expect(at, `${place} holds a secret: …${text.slice(Math.max(0, at - 200), at + 100)}…`).toBe(-1);
      }
    }
  }, 90_000);
});
