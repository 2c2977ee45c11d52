// Local nodes on the real Temporal server: the guarantees of regular activity nodes, again for local activities.
// Retries follow the node's policy (a backoff past the local retry threshold is a durable timer), the row and the
// events are recorded once per attempt, and a stop reaches a node that hangs at the latest at its timeout.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRunEvents } from '../db/event-store.js';
import { decodedHistory } from './support/history.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { startRun, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let peer: HttpPeer;
let aborted = 0;
const calls: Record<string, number> = {};

beforeAll(async () => {
  stack = await startTestStack();
  peer = await startHttpPeer((app) => {
    // Fails the first call of each name with a 503, answers the next.
    app.get('/flaky/:name', async (req, reply) => {
      const { name } = req.params as { name: string };
      calls[name] = (calls[name] ?? 0) + 1;
      return calls[name] === 1 ? reply.status(503).send({ message: 'busy' }) : { name };
    });
    app.get('/hang', (req) => {
      req.raw.on('close', () => aborted++);
      return new Promise(() => undefined);
    });
  });
});
afterAll(async () => {
  await stack?.close();
  await peer?.close();
});

const edge = (source: string, target: string) => ({ id: `${source}-${target}`, source, target });
const local = (id: string, url: string, extra: object = {}) => ({
  id,
  type: 'http.request',
  config: { url, timeoutMs: 5_000 },
  timeoutMs: 5_000,
  ...extra,
});

/** Where LOOM_RECORD_HISTORIES=1 saves these runs' histories, for replay.int.test.ts to replay from then on. */
const recorded = fileURLToPath(new URL('./histories/plan-v2/local-nodes', import.meta.url));

async function historyOf(runId: string, name: string) {
  const run = await waitForRun(stack.api, runId, 60_000);
  const history = await decodedHistory(await stack.temporal.client.workflow.getHandle(run.temporalWorkflowId).fetchHistory(), stack.codec);
  if (process.env.LOOM_RECORD_HISTORIES === '1') {
    await mkdir(recorded, { recursive: true });
    await writeFile(path.join(recorded, `${name}.json`), historyToJSON(history));
  }
  return { run, events: history.events ?? [] };
}

describe('local nodes', () => {
  it('retries by the node policy: a short backoff in the worker, a long one as a timer; recorded once per attempt', async () => {
    const runId = await startRun(stack.api, {
      name: 'local-retries',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        local('short', `${peer.url}/flaky/short`, { retry: { maxAttempts: 2, initialIntervalMs: 100 } }),
        local('long', `${peer.url}/flaky/long`, { retry: { maxAttempts: 2, initialIntervalMs: 11_000 } }),
      ],
      edges: [edge('start', 'short'), edge('short', 'long')],
    });
    const { run, events } = await historyOf(runId, 'retries');
    expect(run.status, JSON.stringify(run.error)).toBe('completed');
    expect(calls).toMatchObject({ short: 2, long: 2 });
    // The nodes ran as local activities (markers); the scheduled activities are the run's own bookkeeping.
    const scheduled = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    expect(scheduled).not.toContain('executeNode');
    // short: one marker (both attempts in the worker); long: one per attempt, the timer between them.
    expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length).toBe(3);
    const timers = events.filter((e) => e.timerStartedEventAttributes);
    expect(timers).toHaveLength(1);
    expect(Number(timers[0]?.timerStartedEventAttributes?.startToFireTimeout?.seconds)).toBeGreaterThanOrEqual(10);
    for (const id of ['short', 'long']) {
      const node = run.nodes.find((n) => n.nodeId === id);
      expect(node).toMatchObject({ status: 'completed', attempt: 2 });
    }
    const stored = await listRunEvents(stack.database.db, runId, 0);
    expect(stored.filter((e) => e.nodeId === 'long').map((e) => e.key)).toEqual([
      'node_started:long:1',
      'node_retrying:long:1',
      'node_started:long:2',
      'node_completed:long',
    ]);
  }, 60_000);

  it('stops a run whose local node hangs, at the latest at the node timeout; the request is aborted', async () => {
    const before = aborted;
    const runId = await startRun(stack.api, {
      name: 'local-stop',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        local('hang', `${peer.url}/hang`, {
          config: { url: `${peer.url}/hang`, timeoutMs: 10_000 },
          timeoutMs: 10_000,
          retry: { maxAttempts: 1 },
        }),
        { id: 'after', type: 'flow.noop' },
      ],
      edges: [edge('start', 'hang'), edge('hang', 'after')],
    });
    const deadline = Date.now() + 20_000;
    while (!peer.requests.some((r) => r.url === '/hang') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const stoppedAt = Date.now();
    const stopped = await stack.api.inject({ method: 'POST', url: `/v1/runs/${runId}/stop` });
    expect(stopped.statusCode, stopped.body).toBe(202);
    const { run } = await historyOf(runId, 'stop');
    expect(run.status).toBe('cancelled');
    expect(run.nodes.find((n) => n.nodeId === 'hang')?.status).toBe('cancelled');
    expect(run.nodes.find((n) => n.nodeId === 'after')?.status).toBe('skipped');
    // The stop waits for the worker's next workflow task at most; the node's timeout (10 s) bounds it.
    expect(Date.now() - stoppedAt).toBeLessThan(11_000);
    expect(aborted).toBeGreaterThan(before);
  }, 60_000);

  it('answers a live view while a local node spins, by the node timeout at the latest; the timeout fails the node', async () => {
    // The script's own limit (20 s) is past the node's timeout (3 s): only the executor's timeout can end it.
    const runId = await startRun(stack.api, {
      name: 'local-live',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        {
          id: 'spin',
          type: 'code.javascript',
          config: { code: 'while (true) {}', timeoutMs: 20_000 },
          timeoutMs: 3_000,
          retry: { maxAttempts: 1 },
          execution: 'local',
        },
      ],
      edges: [edge('start', 'spin')],
    });
    await new Promise((r) => setTimeout(r, 1_000));
    // The query waits for the workflow task the local node holds: until the node ends or the worker heartbeats it.
    const askedAt = Date.now();
    const live = await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}/live` });
    expect(live.statusCode, live.body).toBe(200);
    expect(Date.now() - askedAt).toBeLessThan(4_000);
    const run = await waitForRun(stack.api, runId, 30_000);
    expect(run.status).toBe('failed');
    // Recorded by the activity itself: nothing else writes the row of a node whose attempt timed out.
    expect(run.nodes.find((n) => n.nodeId === 'spin')).toMatchObject({ status: 'failed', error: { code: 'NODE_TIMEOUT' } });
  }, 60_000);
});
