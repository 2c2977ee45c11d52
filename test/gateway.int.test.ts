// The gateway's contract: health checks, the error shape, and that bad input is a 4xx, never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authSettingsFrom } from '../apps/gateway/auth/settings.js';
import { buildGateway } from '../apps/gateway/server.js';
import { openDatabase } from '../db/client.js';
import { createNodeRegistry } from '../nodes/registry.js';
import { createLogger } from '../platform/logger.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

describe('GET /healthz and /readyz', () => {
  it('/healthz is 200 while the process answers', async () => {
    const res = await stack.api.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when the database and Temporal answer', async () => {
    const res = await stack.api.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', checks: { database: { ok: true }, temporal: { ok: true } } });
  });

  it('/readyz is 503 naming the part that failed when the database is gone', async () => {
    const database = await openDatabase({ kind: 'pglite', dataDir: undefined });
    const app = await buildGateway(
      {
        database,
        temporal: { client: stack.temporal.client, connection: stack.temporal.connection, taskQueue: stack.taskQueue },
        nodes: createNodeRegistry(),
        secrets: stack.secrets,
        links: stack.links,
        auth: authSettingsFrom(stack.masterKey),
        files: { store: stack.files.store },
      },
      { logger: createLogger({ level: 'silent' }) },
    );
    await database.close();
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      status: 'unavailable',
      checks: { database: { ok: false, error: expect.any(String) }, temporal: { ok: true } },
    });
    await app.close().catch(() => undefined);
  });
});

describe('errors', () => {
  it('answers an unknown route with ROUTE_NOT_FOUND in the error shape', async () => {
    const res = await stack.api.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: expect.any(String) } });
  });

  it('gives router-level errors the same shape', async () => {
    const res = await stack.api.inject({ method: 'GET', url: `/v1/runs/${'x'.repeat(3_000)}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.any(String) } });
  });

  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    const res = await stack.api.inject({
      method: 'POST',
      url: '/v1/workflows',
      headers: { 'content-type': 'application/json' },
      payload: '{"nodes": [',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'INVALID_JSON' } });
  });

  it('answers a body of the wrong shape with 400 VALIDATION_FAILED', async () => {
    const res = await stack.api.inject({ method: 'POST', url: '/v1/workflows', payload: [1, 2, 3] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });

  it('answers an invalid workflow with 422 and every diagnostic', async () => {
    const res = await stack.api.inject({
      method: 'POST',
      url: '/v1/workflows',
      payload: { name: 'bad', nodes: [{ id: 'a', type: 'no.such.type', config: {} }], edges: [{ id: 'e1', source: 'a', target: 'ghost' }] },
    });
    expect(res.statusCode).toBe(422);
    const body = res.json<{ error: { code: string; details: { errors: { code: string }[] } } }>();
    expect(body.error.code).toBe('WORKFLOW_INVALID');
    const codes = body.error.details.errors.map((e) => e.code);
    expect(codes).toEqual(expect.arrayContaining(['UNKNOWN_NODE_TYPE', 'DANGLING_EDGE', 'NO_TRIGGER']));
  });
});

describe('workflows', () => {
  const doc = {
    name: 'Ping',
    nodes: [
      { id: 'start', type: 'trigger.manual', config: {} },
      { id: 'ping', type: 'http.request', config: { url: 'http://127.0.0.1:9/ping' } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'ping' }],
  };

  it('saves, lists, reads and updates a document', async () => {
    const created = await stack.api.inject({ method: 'POST', url: '/v1/workflows', payload: doc });
    expect(created.statusCode).toBe(201);
    const { id } = created.json<{ id: string }>();
    expect(id).toMatch(/^wf_/);

    const read = await stack.api.inject({ method: 'GET', url: `/v1/workflows/${id}` });
    expect(read.json()).toMatchObject({ id, name: 'Ping', version: 1, document: doc });

    const list = await stack.api.inject({ method: 'GET', url: '/v1/workflows?limit=10' });
    expect(list.json<{ items: { id: string }[] }>().items.map((w) => w.id)).toContain(id);

    const updated = await stack.api.inject({ method: 'PUT', url: `/v1/workflows/${id}`, payload: { ...doc, name: 'Ping 2' } });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ name: 'Ping 2', version: 2 });
  });

  it('rejects a bad query string with 400', async () => {
    const res = await stack.api.inject({ method: 'GET', url: '/v1/workflows?limit=-4' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });
});
