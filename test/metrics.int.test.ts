// /metrics moves during a run: the gateway counts the requests that started it (by route pattern), the worker the
// run's start and outcome and every node attempt (with its retries); access needs the configured token; the worker's
// ops listener answers /healthz and /readyz.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrapeMetrics } from '../platform/metrics.js';
import { readiness } from '../platform/health.js';
import { startOpsServer, type OpsServer } from '../platform/ops-server.js';
import { edge } from './support/documents.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { runToEnd } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

const TOKEN = 'metrics-token-of-the-test';
let stack: TestStack;
let peer: HttpPeer;
let ops: OpsServer;
let failures = 1;

beforeAll(async () => {
  stack = await startTestStack({ gateway: { metricsToken: TOKEN } });
  peer = await startHttpPeer((app) => {
    app.get('/read', async () => ({ ok: true }));
    app.post('/write', async (_req, reply) => (failures-- > 0 ? reply.status(503).send({}) : { ok: true }));
  });
  ops = await startOpsServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    metrics: () => scrapeMetrics(stack.worker.metrics),
    ready: () => readiness({ database: () => stack.database.ping(), temporal: () => stack.worker.connection.healthService.check({}) }),
  });
});
afterAll(async () => {
  await ops?.close();
  await peer?.close();
  await stack?.close();
});

/** The value of one series in Prometheus text (0 when absent): the metric name and every label given must match. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return 0;
}

const gatewayMetrics = async () => {
  const res = await stack.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.statusCode).toBe(200);
  return res.body;
};
const workerMetrics = async () => {
  const res = await fetch(`${ops.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
};

describe('metrics', () => {
  it('counters move during a run: requests by route, the run started and completed, node attempts and a retry', async () => {
    const [gatewayBefore, workerBefore] = [await gatewayMetrics(), await workerMetrics()];
    const run = await runToEnd(stack.api, {
      name: 'measured',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'read', type: 'http.request', config: { url: `${peer.url}/read` } },
        {
          id: 'write',
          type: 'http.request',
          config: { method: 'POST', url: `${peer.url}/write` },
          retry: { maxAttempts: 2, initialIntervalMs: 50 },
          execution: 'activity',
        },
      ],
      edges: [edge('start', 'read'), edge('read', 'write')],
    });
    expect(run.status).toBe('completed');
    const [gatewayAfter, workerAfter] = [await gatewayMetrics(), await workerMetrics()];
    const moved = (before: string, after: string, name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels);

    const start = { method: 'POST', route: '/v1/workflows/:id/runs', status: '202' };
    expect(moved(gatewayBefore, gatewayAfter, 'loom_http_requests_total', start)).toBe(1);
    expect(moved(gatewayBefore, gatewayAfter, 'loom_http_request_duration_seconds_count', { route: '/v1/workflows/:id/runs' })).toBe(1);
    // Series by pattern only: no run id ever becomes a label.
    expect(gatewayAfter).not.toContain(run.id);

    expect(moved(workerBefore, workerAfter, 'loom_runs_started_total')).toBe(1);
    expect(moved(workerBefore, workerAfter, 'loom_runs_finished_total', { status: 'completed' })).toBe(1);
    const http = { node_type: 'http.request' };
    expect(moved(workerBefore, workerAfter, 'loom_node_executions_total', { ...http, outcome: 'completed' })).toBe(2);
    expect(moved(workerBefore, workerAfter, 'loom_node_executions_total', { ...http, outcome: 'retrying' })).toBe(1);
    expect(moved(workerBefore, workerAfter, 'loom_node_duration_seconds_count', http)).toBe(3);
    expect(sample(workerAfter, 'loom_human_requests_open')).toBe(0);
    expect(workerAfter).toMatch(/^loom_process_resident_memory_bytes\{process="worker"\} \d+/m);
  });

  it('/metrics needs the token: the API port answers 401 without it, the ops listener too', async () => {
    const api = await stack.app.inject({ method: 'GET', url: '/metrics' });
    expect(api.statusCode).toBe(401);
    expect(api.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const wrong = await stack.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.statusCode).toBe(401);
    expect((await fetch(`${ops.url}/metrics`)).status).toBe(401);
  });

  it("the worker's listener answers /healthz and /readyz without a token", async () => {
    expect(await (await fetch(`${ops.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${ops.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', checks: { database: { ok: true }, temporal: { ok: true } } });
  });
});
