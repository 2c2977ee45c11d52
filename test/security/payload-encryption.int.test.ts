// Beyond (issue #11): Temporal stores no user data in clear. A run whose name, input and node outputs carry a marker
// leaves a history in which the marker is nowhere and every payload is encrypted; an administrator reads it through
// the gateway's codec endpoint (the Temporal Web UI's codec server), nobody else can; the history replays with the
// codec, also after a master-key rotation.
import { randomBytes } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPayloadCodec, ENCRYPTED_ENCODING } from '../../platform/temporal/codec.js';
import { decodedHistory, historyText } from '../support/history.js';
import { startHttpPeer, type HttpPeer } from '../support/http-peer.js';
import { saveWorkflow, startRunOf, waitForRun } from '../support/runs.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import type { TestUser } from '../support/users.js';

const MARKER = `marker-${randomBytes(6).toString('hex')}`;
const UI_ORIGIN = 'http://127.0.0.1:8233';
const b64 = (s: string) => Buffer.from(s).toString('base64');

type PayloadJson = { metadata: Record<string, string>; data?: string };
/** Every payload in a history's proto JSON, with the path it was found at. */
function payloadsOf(value: unknown, path = ''): { path: string; payload: PayloadJson }[] {
  if (!value || typeof value !== 'object') return [];
  const v = value as Record<string, unknown>;
  const metadata = v.metadata as Record<string, unknown> | undefined;
  if (metadata && typeof metadata === 'object' && typeof metadata.encoding === 'string') return [{ path, payload: v as PayloadJson }];
  return Object.entries(v).flatMap(([k, child]) => payloadsOf(child, `${path}.${k}`));
}
const encodingOf = (p: PayloadJson) => Buffer.from(p.metadata.encoding!, 'base64').toString('utf8');

let stack: TestStack;
let peer: HttpPeer;
let admin: TestUser;
let temporalWorkflowId: string;
let history: Awaited<ReturnType<ReturnType<TestStack['temporal']['client']['workflow']['getHandle']>['fetchHistory']>>;

beforeAll(async () => {
  stack = await startTestStack({ gateway: { temporalUiOrigins: [UI_ORIGIN] } });
  admin = await stack.createUser({ role: 'admin', name: 'admin' });
  peer = await startHttpPeer((app) => app.get('/profile', async () => ({ profile: `${MARKER}-from-peer` })));
  const workflowId = await saveWorkflow(stack.api, {
    name: `payroll ${MARKER}`,
    nodes: [
      { id: 'start', type: 'trigger.manual' },
      { id: 'fetch', type: 'http.request', config: { url: `${peer.url}/profile` } },
      { id: 'set', type: 'data.set', config: { assignments: [{ name: 'seen', value: '{{ $json.body.profile }}' }] } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'fetch' },
      { id: 'e2', source: 'fetch', target: 'set' },
    ],
  });
  const run = await waitForRun(stack.api, await startRunOf(stack.api, workflowId, { salary: `${MARKER}-input` }));
  expect(run.status, JSON.stringify(run.error)).toBe('completed');
  expect(run.nodes.find((n) => n.nodeId === 'set')?.output).toMatchObject({ seen: `${MARKER}-from-peer` });
  temporalWorkflowId = run.temporalWorkflowId;
  history = await stack.temporal.client.workflow.getHandle(temporalWorkflowId).fetchHistory();
});

afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

describe('payloads in Temporal history', () => {
  it('hold no user data: the marker is nowhere in the raw history, and every payload but search attributes is encrypted', async () => {
    // One exception, chosen so operators can find a workflow's runs in the Web UI: its name is the search attribute
    // LoomWorkflowName, which Temporal must read to index. Everything else (input, outputs, summary, memo) is sealed.
    const raw = await historyText(history, 'raw');
    // The attribute's payload is JSON, so its data is the quoted name.
    const named = JSON.stringify(JSON.stringify(`payroll ${MARKER}`));
    expect(raw).toMatch(/"LoomWorkflowName": \{/);
    expect(raw.split(`"data":${named}`)).toHaveLength(2);
    expect(raw.replaceAll(`"data":${named}`, '')).not.toContain(MARKER);
    const found = payloadsOf(JSON.parse(historyToJSON(history)));
    // Left in clear by Temporal itself, and no user data: search attributes (ids) and patch markers (ids in Loom's code).
    const sdkOwned = (path: string) =>
      path.includes('.searchAttributes.') || path.includes('.markerRecordedEventAttributes.details.patch-data.');
    const clear = found.filter((f) => !sdkOwned(f.path) && encodingOf(f.payload) !== ENCRYPTED_ENCODING);
    expect(clear.map((f) => `${f.path}: ${encodingOf(f.payload)}`)).toEqual([]);
    // Inputs, results and the memo (the workflow's name) were there to encrypt.
    expect(found.filter((f) => encodingOf(f.payload) === ENCRYPTED_ENCODING).length).toBeGreaterThanOrEqual(6);
    expect(found.some((f) => f.path.includes('.memo.'))).toBe(true);
    // Decoded with the stack's codec, the marker is in the input, the node outputs and the memo.
    const decoded = await historyText(history, stack.codec);
    for (const expected of [`${MARKER}-input`, `${MARKER}-from-peer`, `payroll ${MARKER}`]) expect(decoded).toContain(expected);
    // The client reads its own memo back through the codec.
    const description = await stack.temporal.client.workflow.getHandle(temporalWorkflowId).describe();
    expect(description.memo?.workflowName).toBe(`payroll ${MARKER}`);
  });

  it('replays with the codec, and with a rotated keyring that still holds the old key', async () => {
    const bundle = { codePath: inject('workflowBundlePath') };
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle, dataConverter: { payloadCodecs: [stack.codec] } }, history, 'encrypted'),
    ).resolves.toBeUndefined();
    // Without the codec the workflow cannot read its own input: the history really depends on it.
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, 'encrypted-no-codec')).rejects.toThrow();
    // Decrypted as test/replay.int.test.ts records it, it replays with no codec at all.
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle }, await decodedHistory(history, stack.codec), 'decrypted'),
    ).resolves.toBeUndefined();
    const rotated = createPayloadCodec(randomBytes(32), [stack.masterKey]);
    await expect(
      Worker.runReplayHistory({ workflowBundle: bundle, dataConverter: { payloadCodecs: [rotated] } }, history, 'encrypted-rotated'),
    ).resolves.toBeUndefined();
  });
});

describe('failures in Temporal history', () => {
  it('keep their messages and stacks encrypted: a node error and the run failure that quote user data', async () => {
    const workflowId = await saveWorkflow(stack.api, {
      name: 'failing',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        // An activity failure (continued past) and the run's own failure, both quoting the data they saw.
        { id: 'js', type: 'code.javascript', config: { code: 'throw new Error("bad record " + input.who)' }, onError: 'continue' },
        { id: 'stop', type: 'flow.stop_error', config: { message: `{{ "stopped for " & $node.js.error.message }}` } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'js' },
        { id: 'e2', source: 'js', target: 'stop' },
      ],
    });
    const run = await waitForRun(stack.api, await startRunOf(stack.api, workflowId, { who: `${MARKER}-failing` }));
    expect(run.status).toBe('failed');
    expect(JSON.stringify(run.error)).toContain(`${MARKER}-failing`);
    const handle = stack.temporal.client.workflow.getHandle(run.temporalWorkflowId);
    const failed = await handle.fetchHistory();
    const raw = await historyText(failed, 'raw');
    expect(raw).not.toContain(MARKER);
    // Temporal's placeholder stands where the message was: the failures are there, only unreadable.
    expect(raw).toContain('Encoded failure');
    // Loom's own client reads the message back.
    await expect(handle.result()).rejects.toMatchObject({ cause: { message: expect.stringContaining(`${MARKER}-failing`) } });
  });
});

describe('the codec endpoint (Temporal Web UI codec server)', () => {
  const encrypted = () =>
    payloadsOf(JSON.parse(historyToJSON(history)))
      .map((f) => f.payload)
      .filter((p) => encodingOf(p) === ENCRYPTED_ENCODING);

  it('decodes history payloads for an administrator: the marker appears', async () => {
    const res = await stack
      .as(admin)
      .inject({ method: 'POST', url: '/v1/admin/codec/decode', headers: { 'x-namespace': 'default' }, payload: { payloads: encrypted() } });
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json<{ payloads: PayloadJson[] }>().payloads;
    expect(out.map(encodingOf)).not.toContain(ENCRYPTED_ENCODING);
    expect(out.map((p) => Buffer.from(p.data ?? '', 'base64').toString('utf8')).join('\n')).toContain(`${MARKER}-input`);
  });

  it('encodes for an administrator (signals and updates sent from the UI), and what it encodes decodes', async () => {
    const payload = { metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify({ note: MARKER })) };
    const encoded = await stack.as(admin).inject({ method: 'POST', url: '/v1/admin/codec/encode', payload: { payloads: [payload] } });
    expect(encoded.statusCode, encoded.body).toBe(200);
    const [sealed] = encoded.json<{ payloads: PayloadJson[] }>().payloads;
    expect(encodingOf(sealed!)).toBe(ENCRYPTED_ENCODING);
    expect(JSON.stringify(sealed)).not.toContain(b64(MARKER).slice(0, 8));
    const [opened] = await stack.codec.decode([
      {
        metadata: {
          encoding: Buffer.from(sealed!.metadata.encoding!, 'base64'),
          'encryption-key-id': Buffer.from(sealed!.metadata['encryption-key-id']!, 'base64'),
        },
        data: Buffer.from(sealed!.data!, 'base64'),
      },
    ]);
    expect(Buffer.from(opened!.data!).toString('utf8')).toBe(JSON.stringify({ note: MARKER }));
  });

  it('refuses everyone else: a user 403, no credentials 401, an admin key without the admin scope 403', async () => {
    const body = { payloads: encrypted() };
    for (const direction of ['decode', 'encode']) {
      expect((await stack.api.inject({ method: 'POST', url: `/v1/admin/codec/${direction}`, payload: body })).statusCode).toBe(403);
      expect((await stack.as(undefined).inject({ method: 'POST', url: `/v1/admin/codec/${direction}`, payload: body })).statusCode).toBe(
        401,
      );
    }
    const key = await stack.as(admin).inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'narrow', scopes: ['usage:read'] } });
    expect(key.statusCode, key.body).toBe(201);
    const narrowed = await stack.as(undefined).inject({
      method: 'POST',
      url: '/v1/admin/codec/decode',
      headers: { authorization: `Bearer ${key.json<{ key: string }>().key}` },
      payload: body,
    });
    expect(narrowed.statusCode).toBe(403);
    expect(narrowed.body).not.toContain(b64(`${MARKER}-input`).slice(0, 12));
  });

  it('answers a payload it cannot open with 400, as the protocol says', async () => {
    const [first] = encrypted();
    const tampered = {
      ...first!,
      data: Buffer.from(Buffer.from(first!.data!, 'base64').map((b, i) => (i === 20 ? b ^ 1 : b))).toString('base64'),
    };
    const res = await stack.as(admin).inject({ method: 'POST', url: '/v1/admin/codec/decode', payload: { payloads: [tampered] } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'BAD_REQUEST', details: { code: 'SECRET_UNREADABLE' } } });
  });

  it('lets the Web UI origin through CORS (preflight with X-Namespace and Authorization), and no other origin', async () => {
    const preflight = (origin: string) =>
      stack.as(undefined).inject({
        method: 'OPTIONS',
        url: '/v1/admin/codec/decode',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const ok = await preflight(UI_ORIGIN);
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(String(ok.headers['access-control-allow-headers'])).toMatch(/x-namespace/);
    expect(String(ok.headers['access-control-allow-headers'])).toMatch(/authorization/);
    const other = await preflight('https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const actual = await stack
      .as(admin)
      .inject({ method: 'POST', url: '/v1/admin/codec/decode', headers: { origin: UI_ORIGIN }, payload: { payloads: [] } });
    expect(actual.statusCode).toBe(200);
    expect(actual.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
  });
});
