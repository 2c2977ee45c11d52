// Tier limits and usage: compile and execute limits per minute with Retry-After, the same counters shared by two
// gateways through Redis (the local server on 127.0.0.1:6379), live-stream slots, and the usage a user reads.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authSettingsFrom } from '../apps/gateway/auth/settings.js';
import { buildGateway } from '../apps/gateway/server.js';
import { createNodeRegistry } from '../nodes/registry.js';
import { runToEnd, saveWorkflow, startRunOf, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { apiAs, type TestUser } from './support/users.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let stack: TestStack;
let redis: Redis;
let base: string;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  stack = await startTestStack({ gateway: { redis } });
  base = await stack.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await stack?.close();
  redis?.disconnect();
});

const doc = { name: 'tiny', nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] };

describe('rate limits per tier', () => {
  it('gives a free user 10 compiles a minute, then 429 with Retry-After and rate-limit headers', async () => {
    const api = stack.as(await stack.createUser({ tier: 'free' }));
    for (let i = 0; i < 10; i++) {
      const res = await api.inject({ method: 'POST', url: '/v1/compile', payload: doc });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-remaining']).toBe(String(9 - i));
    }
    const refused = await api.inject({ method: 'POST', url: '/v1/compile', payload: doc });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['x-ratelimit-limit']).toBe('10');
    // Saving compiles too, so it spends the same budget.
    expect((await api.inject({ method: 'POST', url: '/v1/workflows', payload: doc })).statusCode).toBe(429);
    // Another user's budget is their own.
    expect(
      (await stack.as(await stack.createUser({ tier: 'free' })).inject({ method: 'POST', url: '/v1/compile', payload: doc })).statusCode,
    ).toBe(200);
  });

  it('gives a free user 5 runs a minute and a pro user more', async () => {
    const free = stack.as(await stack.createUser({ tier: 'free' }));
    const saved = (await free.inject({ method: 'POST', url: '/v1/workflows', payload: doc })).json<{ id: string }>();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await free.inject({ method: 'POST', url: `/v1/workflows/${saved.id}/runs`, payload: {} })).statusCode);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    const pro = stack.as(await stack.createUser({ tier: 'pro' }));
    const proWf = (await pro.inject({ method: 'POST', url: '/v1/workflows', payload: doc })).json<{ id: string }>();
    for (let i = 0; i < 6; i++)
      expect((await pro.inject({ method: 'POST', url: `/v1/workflows/${proWf.id}/runs`, payload: {} })).statusCode).toBe(202);
  });

  it('shares the counters between two gateways through Redis', async () => {
    const second = await buildGateway(
      {
        database: stack.database,
        temporal: { client: stack.temporal.client, connection: stack.temporal.connection, taskQueue: stack.taskQueue },
        nodes: createNodes(),
        secrets: stack.secrets,
        links: stack.links,
        auth: authSettingsFrom(stack.masterKey),
        files: { store: stack.files.store },
      },
      { logger: stack.log, redis },
    );
    try {
      const user = await stack.createUser({ tier: 'free' });
      const a = stack.as(user);
      const b = apiAs(second, user);
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++)
        statuses.push((await (i % 2 === 0 ? a : b).inject({ method: 'POST', url: '/v1/compile', payload: doc })).statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.slice(10)).toEqual([429, 429]);
    } finally {
      await second.close();
    }
  });
});

describe('live streams', () => {
  it('allows a free user 5 streams at once; the sixth is a 429 until one closes', async () => {
    const user: TestUser = await stack.createUser({ tier: 'free' });
    const api = stack.as(user);
    const run = await runToEnd(api, doc);
    const open = async () => {
      const abort = new AbortController();
      const res = await fetch(`${base}/v1/runs/${run.id}/events`, { headers: user.headers, signal: abort.signal });
      return { status: res.status, close: () => abort.abort() };
    };
    const streams = [];
    for (let i = 0; i < 5; i++) streams.push(await open());
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    const sixth = await open();
    expect(sixth.status).toBe(429);
    streams[0]!.close();
    let again = await open();
    for (const deadline = Date.now() + 5_000; again.status !== 200 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 50));
      again = await open();
    }
    expect(again.status).toBe(200);
    for (const s of [...streams, again]) s.close();
  });
});

describe('usage', () => {
  it("counts a user's compiles, runs and node executions per day", async () => {
    const api = stack.as(await stack.createUser());
    const workflowId = await saveWorkflow(api, {
      ...doc,
      nodes: [...doc.nodes, { id: 'a', type: 'flow.noop' }],
      edges: [{ id: 'e', source: 'start', target: 'a' }],
    });
    await api.inject({ method: 'POST', url: '/v1/compile', payload: doc });
    for (let i = 0; i < 2; i++) await waitForRun(api, await startRunOf(api, workflowId));
    const usage = await api.inject({ method: 'GET', url: '/v1/usage' });
    expect(usage.statusCode).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    // Save, compile, and each run compiles the stored document afresh.
    expect(usage.json()).toMatchObject({
      tier: 'enterprise',
      days: [{ day: today, compiles: 4, runs: 2, nodeExecutions: 4, llmTokens: 0 }],
    });
    expect((await api.inject({ method: 'GET', url: '/v1/usage?from=2026-02-01&to=2026-01-01' })).statusCode).toBe(400);
  });
});

function createNodes() {
  // The second gateway serves the same registry; only its limit counters are in question.
  return createNodeRegistry();
}
