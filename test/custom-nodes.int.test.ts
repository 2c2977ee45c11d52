// Custom nodes end to end: uploaded through the API as TypeScript and as Python, judged in their sandboxes, listed in
// their owner's palette, run on Temporal against a local server speaking Trello's API, private to their owner until
// an administrator publishes a version, pinned by version and code hash in every plan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { runEvents } from '../db/schema.js';
import { createLogger } from '../platform/logger.js';
import { againstLocalTrello, TRELLO_NODE_SOURCE } from './support/custom-nodes.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { runToEnd, saveWorkflow, startRunOf, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';
import type { Api, TestUser } from './support/users.js';

let stack: TestStack;
let trello: HttpPeer;
let other: TestUser;
const TOKEN = 'trello-token-5b8d1f0e9c7a';
const API_KEY = 'trello-key-33a1';

/** Every line the gateway and the worker log, the nodes' own lines among them. */
const logLines: string[] = [];

beforeAll(async () => {
  const log = createLogger(
    { level: 'trace' },
    new Writable({ write: (chunk: Buffer, _e, done) => void (logLines.push(chunk.toString('utf8')), done()) }),
  );
  stack = await startTestStack({ log });
  other = await stack.createUser({ name: 'other' });
  trello = await startHttpPeer((app) => {
    app.post('/1/cards', async (req) => {
      const q = req.query as Record<string, string>;
      if (q.key !== API_KEY || q.token !== TOKEN) return { error: 'unauthorized' };
      // Trello echoes what it was sent; a careless node passes it on.
      return { id: `card-${q.idList}`, shortUrl: `https://trello.test/c/${q.name}`, token: q.token };
    });
  });
}, 120_000);

afterAll(async () => {
  await trello?.close();
  await stack?.close();
});

interface VersionView {
  type: string;
  version: number;
  codeHash: string;
  own: boolean;
  warnings: { code: string }[];
}

const upload = (api: Api, language: string, source: string) =>
  api.inject({ method: 'POST', url: '/v1/custom-nodes', payload: { language, source } });

async function uploaded(api: Api, language: string, source: string): Promise<VersionView> {
  const res = await upload(api, language, source);
  if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`upload answered ${res.statusCode}: ${res.body}`);
  return res.json<VersionView>();
}

async function credential(api: Api, type: string): Promise<string> {
  const res = await api.inject({
    method: 'POST',
    url: '/v1/credentials',
    payload: { type, name: 'Trello', values: { apiKey: API_KEY, token: TOKEN } },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

const cardWorkflow = (type: string, credentialId: string, extra: object = {}) => ({
  name: 'card',
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'card', type, config: { listId: 'L1', name: 'Ship it' }, credentials: { trello: credentialId }, ...extra },
  ],
  edges: [{ id: 'e', source: 'start', target: 'card' }],
});

async function eventsText(runId: string): Promise<string> {
  return JSON.stringify(await stack.database.db.select().from(runEvents).where(eq(runEvents.runId, runId)));
}

/** The seed's Trello node in Python (the sandbox tests read the same file). */
const TRELLO_PY = readFileSync(new URL('./fixtures/custom-nodes/trello.py', import.meta.url), 'utf8');

// The README's and the seed's sources as written, each uploaded by its own user (both declare trello.create_card).
describe.each([
  ['typescript', TRELLO_NODE_SOURCE],
  ['python', TRELLO_PY],
])('the Trello node in %s', (language, template) => {
  let api: Api;
  let node: VersionView;
  let credentialType: string;

  beforeAll(async () => {
    api = stack.as(await stack.createUser({ name: `trello-${language}` }));
  });

  it('uploads, namespaced to its owner, and joins the palette with its credential type', async () => {
    node = await uploaded(api, language, againstLocalTrello(template, trello.url));
    expect(node.type).toMatch(/^custom\.u[0-9a-f]{12}\.trello\.create_card$/);
    expect(node).toMatchObject({ version: 1, own: true, warnings: [] });
    const palette = (await api.inject({ method: 'GET', url: '/v1/nodes' })).json<{ items: { type: string; codeHash?: string }[] }>();
    expect(palette.items.find((n) => n.type === node.type)).toMatchObject({ codeHash: node.codeHash });
    const types = (await api.inject({ method: 'GET', url: '/v1/credential-types' })).json<{ items: { type: string }[] }>();
    credentialType = node.type.replace('trello.create_card', 'trelloApi');
    expect(types.items.map((t) => t.type)).toContain(credentialType);
  });

  it('creates a card, and the token reaches neither the output, the logs nor the events', async () => {
    const credentialId = await credential(api, credentialType);
    const run = await runToEnd(api, cardWorkflow(node.type, credentialId), { timeoutMs: 60_000 });
    expect(run.status, JSON.stringify(run.nodes)).toBe('completed');
    const card = run.nodes.find((n) => n.nodeId === 'card');
    expect(card?.output).toEqual({ id: 'card-L1', url: 'https://trello.test/c/Ship it' });
    const sent = trello.requests.at(-1);
    expect(sent?.url).toContain(`token=${TOKEN}`);
    expect(sent?.url).toContain(`key=${API_KEY}`);
    const view = await api.inject({ method: 'GET', url: `/v1/runs/${run.id}/nodes` });
    expect(view.body).not.toContain(TOKEN);
    expect(await eventsText(run.id)).not.toContain(TOKEN);
    expect(logLines.some((l) => l.includes(run.id))).toBe(true);
    expect(logLines.join('\n')).not.toContain(TOKEN);
  }, 90_000);
});

describe('versions', () => {
  const noop = (output: string, extra = '') => `
import { defineNode, field } from '@loom/sdk';
export default defineNode({
  type: 'versioned.echo', displayName: 'Echo', description: 'Says which version runs.',
  fields: { note: field.string({ label: 'Note' }) },
  ${extra}
  async execute(input) { return { output: ${JSON.stringify(output)} }; },
});`;

  it('keeps the same code as one version, and numbers changed code as the next', async () => {
    const first = await uploaded(stack.api, 'typescript', noop('one', "operations: ['pure'], hosts: [],"));
    const again = await upload(stack.api, 'typescript', noop('one', "operations: ['pure'], hosts: [],"));
    expect(again.statusCode).toBe(200);
    expect(again.json<VersionView>()).toMatchObject({ version: first.version, codeHash: first.codeHash });
    const second = await uploaded(stack.api, 'typescript', noop('two', "operations: ['pure'], hosts: [],"));
    expect(second).toMatchObject({ type: first.type, version: first.version + 1 });
    const list = (await stack.api.inject({ method: 'GET', url: `/v1/custom-nodes/${first.type}/versions` })).json<{
      items: VersionView[];
    }>();
    expect(list.items.map((v) => v.version)).toEqual([second.version, first.version]);
  });

  it('runs a started run on its version, whatever is uploaded or disabled meanwhile', async () => {
    // No operations declared: the strictest policy, so the run waits for approval before the node.
    const v1 = await uploaded(stack.api, 'typescript', noop('pinned-1'));
    expect(v1.warnings.map((w) => w.code)).toEqual(['OPERATIONS_UNDECLARED', 'NO_HOSTS']);
    const document = {
      name: 'pinned',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'echo', type: v1.type },
      ],
      edges: [{ id: 'e', source: 'start', target: 'echo' }],
    };
    const workflowId = await saveWorkflow(stack.api, document);
    const runId = await startRunOf(stack.api, workflowId);
    const request = await openRequest(stack.api, runId);
    const v2 = await uploaded(stack.api, 'typescript', noop('pinned-2'));
    expect(v2.version).toBe(v1.version + 1);
    expect((await stack.api.inject({ method: 'POST', url: `/v1/custom-nodes/${v1.type}/disable` })).statusCode).toBe(204);
    const compiled = await stack.api.inject({ method: 'POST', url: '/v1/compile', payload: document });
    expect(compiled.json<{ errors: { code: string }[] }>().errors.map((e) => e.code)).toContain('NODE_TYPE_DISABLED');
    const answered = await stack.api.inject({ method: 'POST', url: `/v1/requests/${request.id}/answer`, payload: { answer: 'approve' } });
    expect(answered.statusCode, answered.body).toBe(200);
    const run = await waitForRun(stack.api, runId, 60_000);
    expect(run.status).toBe('completed');
    expect(run.nodes.find((n) => n.nodeId === 'echo')?.output).toEqual({ output: 'pinned-1' });
    // Enabled again, a new run compiles against the latest version.
    expect((await stack.api.inject({ method: 'POST', url: `/v1/custom-nodes/${v1.type}/enable` })).statusCode).toBe(204);
    const next = await startRunOf(stack.api, workflowId);
    await stack.api.inject({
      method: 'POST',
      url: `/v1/requests/${(await openRequest(stack.api, next)).id}/answer`,
      payload: { answer: 'approve' },
    });
    expect((await waitForRun(stack.api, next, 60_000)).nodes.find((n) => n.nodeId === 'echo')?.output).toEqual({ output: 'pinned-2' });
  }, 120_000);
});

describe('another user', () => {
  let type: string;
  let version: number;

  beforeAll(async () => {
    const node = await uploaded(
      stack.api,
      'javascript',
      `import { defineNode } from '@loom/sdk';
export default defineNode({ type: 'private.thing', displayName: 'Private', operations: ['pure'], hosts: [], async execute() { return { secret: 'mine' }; } });`,
    );
    type = node.type;
    version = node.version;
  });

  it('cannot see, compile against or run a private node', async () => {
    const api = stack.as(other);
    expect((await api.inject({ method: 'GET', url: `/v1/custom-nodes/${type}/versions` })).statusCode).toBe(404);
    expect((await api.inject({ method: 'GET', url: `/v1/custom-nodes/${type}/versions/${version}` })).statusCode).toBe(404);
    expect((await api.inject({ method: 'GET', url: '/v1/custom-nodes' })).json<{ items: unknown[] }>().items).toEqual([]);
    expect((await api.inject({ method: 'GET', url: '/v1/nodes' })).body).not.toContain(type);
    expect((await api.inject({ method: 'POST', url: `/v1/custom-nodes/${type}/disable` })).statusCode).toBe(404);
    expect((await api.inject({ method: 'DELETE', url: `/v1/custom-nodes/${type}` })).statusCode).toBe(404);
    const document = {
      name: 'borrowed',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'x', type, version },
      ],
      edges: [{ id: 'e', source: 'start', target: 'x' }],
    };
    const compiled = await api.inject({ method: 'POST', url: '/v1/compile', payload: document });
    expect(compiled.json<{ errors: { code: string }[] }>().errors.map((e) => e.code)).toEqual(['UNKNOWN_NODE_TYPE']);
    expect((await api.inject({ method: 'POST', url: '/v1/workflows', payload: document })).statusCode).toBe(422);
  });

  it('uses a version once an administrator publishes it, and only that version', async () => {
    const admin = await stack.createUser({ name: 'admin', role: 'admin' });
    const publish = (v: number) => stack.as(admin).inject({ method: 'POST', url: `/v1/admin/custom-nodes/${type}/versions/${v}/publish` });
    expect(
      (await stack.as(other).inject({ method: 'POST', url: `/v1/admin/custom-nodes/${type}/versions/${version}/publish` })).statusCode,
    ).toBe(403);
    // The administrator reads what they are about to publish.
    const review = await stack.as(admin).inject({ method: 'GET', url: `/v1/admin/custom-nodes/${type}/versions/${version}` });
    expect(review.json()).toMatchObject({ type, version, own: false, published: false, source: expect.stringContaining("'mine'") });
    expect((await publish(version)).statusCode).toBe(204);
    const api = stack.as(other);
    const run = await runToEnd(
      api,
      {
        name: 'published',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          { id: 'x', type },
        ],
        edges: [{ id: 'e', source: 'start', target: 'x' }],
      },
      { timeoutMs: 60_000 },
    );
    expect(run.status).toBe('completed');
    expect(run.nodes.find((n) => n.nodeId === 'x')?.output).toEqual({ secret: 'mine' });
    const versions = (await api.inject({ method: 'GET', url: `/v1/custom-nodes/${type}/versions` })).json<{ items: VersionView[] }>();
    expect(versions.items.map((v) => [v.version, v.own])).toEqual([[version, false]]);
    // The owner's next version stays private until it is published too.
    await uploaded(
      stack.api,
      'javascript',
      `import { defineNode } from '@loom/sdk';
export default defineNode({ type: 'private.thing', displayName: 'Private', operations: ['pure'], hosts: [], async execute() { return { secret: 'v2' }; } });`,
    );
    const again = (await api.inject({ method: 'GET', url: `/v1/custom-nodes/${type}/versions` })).json<{ items: VersionView[] }>();
    expect(again.items.map((v) => v.version)).toEqual([version]);
  }, 90_000);
});

describe('what an upload is refused for', () => {
  const issues = async (language: string, source: string) => {
    const res = await upload(stack.api, language, source);
    expect(res.statusCode, res.body).toBe(422);
    const body = res.json<{
      error: { code: string; details: { issues: { code: string; path?: unknown[]; line?: number; sandboxCode?: string }[] } };
    }>();
    expect(body.error.code).toBe('CUSTOM_NODE_INVALID');
    return body.error.details.issues;
  };

  it('reports a syntax error with its line, and a bad declaration with its path', async () => {
    expect(await issues('typescript', 'export default {\n  type: ,\n}')).toMatchObject([{ code: 'SYNTAX_ERROR', line: 2 }]);
    expect(
      await issues(
        'javascript',
        `import { defineNode } from '@loom/sdk';
export default defineNode({ type: '../etc', displayName: 'X', fields: { a: { kind: 'bogus', label: 'A' } }, async execute() {} });`,
      ),
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'DECLARATION_INVALID', path: ['node', 'type'] }),
        expect.objectContaining({ code: 'DECLARATION_INVALID', path: ['node', 'fields', 'a', 'kind'] }),
      ]),
    );
    expect(await issues('python', 'class NotANode:\n    pass\n')).toMatchObject([{ code: 'EXTRACTION_FAILED' }]);
    expect(await issues('javascript', 'x'.repeat(300 * 1024))).toMatchObject([{ code: 'SOURCE_TOO_LARGE' }]);
  });

  it('stops a module that loops or eats memory while it is read, in the sandbox', async () => {
    const started = Date.now();
    expect(await issues('javascript', 'for (;;) {}\nexport default 1;')).toMatchObject([
      { code: 'EXTRACTION_FAILED', sandboxCode: 'CODE_TIMEOUT' },
    ]);
    expect(await issues('javascript', 'const a = []; for (;;) a.push(new Array(1e6).fill(1));\nexport default 1;')).toMatchObject([
      { code: 'EXTRACTION_FAILED', sandboxCode: 'CODE_MEMORY_LIMIT' },
    ]);
    expect(await issues('python', 'while True:\n    pass\n')).toMatchObject([{ code: 'EXTRACTION_FAILED', sandboxCode: 'CODE_TIMEOUT' }]);
    expect(Date.now() - started).toBeLessThan(30_000);
    // And the gateway still serves.
    expect((await stack.api.inject({ method: 'GET', url: '/v1/custom-nodes' })).statusCode).toBe(200);
  }, 60_000);
});

describe('at run time', () => {
  it('refuses a host the node did not declare, before any request leaves', async () => {
    const node = await uploaded(
      stack.api,
      'typescript',
      `import { defineNode } from '@loom/sdk';
export default defineNode({
  type: 'sneaky.fetch', displayName: 'Sneaky', operations: ['external_api'], hosts: ['api.example.com'],
  async execute(_input: unknown, _config: unknown, context: any) {
    const res = await context.http.fetch('${trello.url}/1/cards', { method: 'POST' });
    return { status: res.status };
  },
});`,
    );
    const before = trello.requests.length;
    const run = await runToEnd(
      stack.api,
      {
        name: 'sneaky',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          { id: 's', type: node.type },
        ],
        edges: [{ id: 'e', source: 'start', target: 's' }],
      },
      { timeoutMs: 60_000 },
    );
    expect(run.status).toBe('failed');
    expect(run.nodes.find((n) => n.nodeId === 's')?.error).toMatchObject({ code: 'CUSTOM_UNDECLARED' });
    expect(trello.requests.length).toBe(before);
  }, 90_000);
});

describe('a node that misbehaves at run time', () => {
  it('fails that node with a clear error when it hangs or eats memory, and the worker serves the next run', async () => {
    // The memory bomb gets time enough that its heap, not the clock, is what stops it (GC thrashes first under load).
    const node = (name: string, body: string, timeoutMs = 1500) =>
      uploaded(
        stack.api,
        'javascript',
        `import { defineNode } from '@loom/sdk';
export default defineNode({ type: '${name}', displayName: '${name}', operations: ['pure'], hosts: [], timeoutMs: ${timeoutMs},
  async execute(input) { ${body} } });`,
      );
    const run = async (type: string) =>
      runToEnd(
        stack.api,
        {
          name: type,
          nodes: [
            { id: 'start', type: 'trigger.manual' },
            { id: 'n', type, retry: { maxAttempts: 1 } },
          ],
          edges: [{ id: 'e', source: 'start', target: 'n' }],
        },
        { timeoutMs: 60_000 },
      );
    const hang = await node('bad.hang', 'for (;;) {}');
    const bomb = await node('bad.bomb', 'const a = []; for (;;) a.push(new Array(1e7).fill(input));', 20_000);
    const fine = await node('good.echo', 'return { fine: true };');
    const hung = await run(hang.type);
    expect(hung.nodes.find((n) => n.nodeId === 'n')?.error).toMatchObject({ code: 'CODE_TIMEOUT' });
    const bombed = await run(bomb.type);
    expect(bombed.nodes.find((n) => n.nodeId === 'n')?.error).toMatchObject({ code: 'CODE_MEMORY_LIMIT' });
    const after = await run(fine.type);
    expect(after.status).toBe('completed');
    expect(after.nodes.find((n) => n.nodeId === 'n')?.output).toEqual({ fine: true });
  }, 120_000);
});

interface Request {
  id: string;
}

async function openRequest(api: Api, runId: string): Promise<Request> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const [first] = (await api.inject({ method: 'GET', url: `/v1/requests?status=open&runId=${runId}` })).json<{ items: Request[] }>()
      .items;
    if (first) return first;
  }
  throw new Error(`no open request for ${runId}`);
}
