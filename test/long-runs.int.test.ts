// Long runs on the real stack: an execution past its history budget continues as new at a node boundary, and the
// run reads as one run (same id, node rows, events, output); pause, stop and open requests cross the boundary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../apps/gateway/views.js';
import { compile } from '../compiler/compile.js';
import { eq } from 'drizzle-orm';
import { listRunEvents } from '../db/event-store.js';
import { payloads } from '../db/schema.js';
import { findWorkflow } from '../db/workflow-store.js';
import { BUILTIN_NODES, createNodeRegistry } from '../nodes/registry.js';
import { field } from '../nodes/sdk/fields.js';
import { NodeError } from '../nodes/sdk/errors.js';
import { defineNode } from '../nodes/sdk/node.js';
import { startRun as startTemporalRun } from '../orchestrator/runs.js';
import type { RunLiveState } from '../workflows/control.js';
import { LoomRunId, LoomStatus } from '../workflows/search-attributes.js';
import { saveWorkflow, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

/** An activity node whose output is its input: the run's view is the same whenever it runs. */
const echo = defineNode({
  type: 'test.echo',
  version: 1,
  displayName: 'Echo',
  category: 'flow',
  description: 'Returns its input (tests only).',
  kind: 'activity',
  fields: { sleepMs: field.number({ label: 'Sleep (ms)', default: 0 }) },
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  operations: () => ['pure'],
  execute: async (input, config) => {
    if (config.sleepMs) await new Promise((r) => setTimeout(r, config.sleepMs));
    return input;
  },
});

/** Fails every time, and counts its executions: a recovery question carried over must not run it again. */
let failures = 0;
const failing = defineNode({
  type: 'test.failing',
  version: 1,
  displayName: 'Failing',
  category: 'flow',
  description: 'Always fails (tests only).',
  kind: 'activity',
  fields: {},
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  operations: () => ['pure'],
  execute: async () => {
    failures++;
    throw new NodeError('CODE_RUNTIME_ERROR', 'broken on purpose');
  },
});

const nodes = createNodeRegistry({ nodes: [...BUILTIN_NODES, echo, failing] });
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ nodes });
});
afterAll(async () => {
  await stack?.close();
});

const edge = (source: string, target: string) => ({ id: `${source}-${target}`, source, target });
const add = { assignments: [{ name: 'x', value: '{{ $json.x + 1 }}' }] };

/** trigger → (echo → set) × pairs: activity and pure nodes alternating, each set adding one to x. */
function chain(pairs: number, echoConfig: { sleepMs?: number } = {}) {
  const steps = Array.from({ length: pairs }, (_, i) => [
    { id: `a${i}`, type: 'test.echo', config: echoConfig },
    { id: `p${i}`, type: 'data.set', config: add },
  ]).flat();
  const all: { id: string; type: string; config?: object; onError?: string; retry?: object }[] = [
    { id: 'start', type: 'trigger.manual' },
    ...steps,
  ];
  return { name: `chain ${pairs}`, nodes: all, edges: all.slice(1).map((n, i) => edge(all[i]!.id, n.id)) };
}

/** Starts a run of `document` as the gateway does, with a history budget of `historyEvents` (none: Temporal's suggestion). */
async function start(document: { name: string }, historyEvents?: number, input: unknown = { x: 0 }): Promise<string> {
  const id = await saveWorkflow(stack.api, document);
  const workflow = await findWorkflow(stack.database.db, stack.user.id, id);
  const { plan } = compile(document, { catalog: nodes.catalog, credentials: [] });
  if (!workflow || !plan) throw new Error('the test workflow does not compile');
  const deps = { db: stack.database.db, client: stack.temporal.client, taskQueue: stack.taskQueue };
  const run = await startTemporalRun(historyEvents ? { ...deps, runHistoryEvents: historyEvents } : deps, {
    workflow,
    plan,
    input,
    trigger: 'manual',
  });
  return run.id;
}

/** The executions of a run's Temporal workflow, oldest first, each with its history length. */
async function executions(runId: string): Promise<number[]> {
  const lengths: number[] = [];
  for await (const e of stack.temporal.client.workflow.list({ query: `WorkflowId = "${runId}"` })) {
    const history = await stack.temporal.client.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
    lengths.push(history.events?.length ?? 0);
  }
  return lengths;
}

/** What a client reads of a run, without what differs between two runs of one plan (ids, times, durations). */
async function apiView(runId: string) {
  const run = (await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}` })).json<RunView>();
  const events = await listRunEvents(stack.database.db, runId, 0, 100_000);
  const timeless = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(timeless)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (/(At|Ms|Id|^id)$/.test(k) ? [] : [[k, timeless(x)]])))
        : v;
  return {
    status: run.status,
    output: run.output,
    error: run.error,
    nodes: run.nodes.map((n) => timeless(n)),
    events: events.map((e) => ({ seq: e.seq, key: e.key, type: e.type, nodeId: e.nodeId, data: timeless(e.data) })),
  };
}

/**
 * The view with its events in key order. Their order is not the same in any two runs of one plan, with or without
 * continue-as-new: pure nodes' records are sent while the next activity starts (and parallel branches interleave).
 */
async function unordered(runId: string) {
  const view = await apiView(runId);
  // An attempt Temporal retried (one lost to a loaded worker's heartbeat, say) leaves the run the same run: the
  // comparison reads each node's first start and its outcome, not how many attempts it took.
  const retry = (e: { type: string; data: unknown }) =>
    e.type === 'node_retrying' || (e.type === 'node_started' && (e.data as { attempt?: number } | null)?.attempt !== 1);
  const events = view.events
    .filter((e) => !retry(e))
    .map(({ seq: _seq, ...e }) => e)
    .sort((a, b) => a.key.localeCompare(b.key));
  const nodes = view.nodes.map((n) => {
    const { attempt: _attempt, ...rest } = n as { attempt?: number };
    return rest;
  });
  return { ...view, nodes, events };
}

const post = (url: string) => stack.api.inject({ method: 'POST', url });
const waitFor = async (check: () => Promise<boolean>, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('long runs', () => {
  it('continues as new past its history budget, and reads exactly as the same run without', async () => {
    const document = chain(150);
    const [long, reference] = [await start(document, 200), await start(document)];
    const a = await waitForRun(stack.api, long, 120_000);
    expect((await waitForRun(stack.api, reference, 120_000)).status).toBe('completed');
    expect(a.error, JSON.stringify(a.error)).toBeNull();
    expect(a.status).toBe('completed');
    expect(a.output).toEqual({ p149: { x: 150 } });

    const chainOf = await executions(long);
    expect(chainOf.length).toBeGreaterThanOrEqual(4);
    // Each execution stops near its budget: the boundary lets the node in flight settle and records what is left.
    expect(Math.max(...chainOf)).toBeLessThan(260);
    expect(await executions(reference)).toHaveLength(1);
    // The last execution still carries the run's memo and search attributes (the Web UI filters by them).
    const described = await stack.temporal.client.workflow.getHandle(`${long}`).describe();
    expect(described.memo).toMatchObject({ trigger: 'manual' });
    expect(described.typedSearchAttributes.get(LoomRunId)).toBe(long);
    expect(described.typedSearchAttributes.get(LoomStatus)).toBe('completed');

    expect(await unordered(long)).toEqual(await unordered(reference));
    const view = await apiView(long);
    // Events in order, none twice: the run started once, every node started and completed once.
    expect(view.events.map((e) => e.seq)).toEqual(view.events.map((_, i) => i + 1));
    expect(new Set(view.events.map((e) => e.key)).size).toBe(view.events.length);
    expect(view.events.filter((e) => e.type === 'run_started')).toHaveLength(1);
    expect(view.events.filter((e) => e.type === 'node_completed')).toHaveLength(301);
    // Each node's events in its own order, and each node started after the one before it completed.
    const seqOf = (key: string) => view.events.find((e) => e.key === key)?.seq ?? Number.NaN;
    for (let i = 0; i < 150; i++) {
      expect(seqOf(`node_started:a${i}:1`)).toBeLessThan(seqOf(`node_completed:a${i}`));
      if (i > 0) expect(seqOf(`node_completed:a${i - 1}`)).toBeLessThan(seqOf(`node_started:a${i}:1`));
    }
  }, 300_000);

  it('pauses across the boundary: the next execution starts paused, and resumes there', async () => {
    // A budget this low continues as new after every node, and slow nodes make the pause land while one runs: the
    // pause always meets a boundary.
    const runId = await start(chain(8, { sleepMs: 700 }), 1);
    await waitFor(async () => (await executions(runId)).length >= 2);
    const live = async () => (await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}/live` })).json<RunLiveState>();
    await waitFor(async () => Object.values((await live()).nodes).includes('running'));
    const paused = await post(`/v1/runs/${runId}/pause`);
    expect(paused.statusCode, paused.body).toBe(200);
    // The node in flight settles, the boundary is crossed, and the execution that follows waits paused.
    const latest = async () => {
      const d = await stack.temporal.client.workflow.getHandle(`${runId}`).describe();
      return (await stack.temporal.client.workflow.getHandle(`${runId}`, d.runId).fetchHistory()).events ?? [];
    };
    await waitFor(async () => !(await latest()).some((e) => e.workflowExecutionUpdateAcceptedEventAttributes));
    expect(await live()).toMatchObject({ paused: true, status: 'paused' });
    const settled = (await apiView(runId)).nodes.length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await apiView(runId)).nodes.length).toBe(settled);
    expect((await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}` })).json<RunView>().status).toBe('paused');

    expect((await post(`/v1/runs/${runId}/resume`)).statusCode).toBe(200);
    const run = await waitForRun(stack.api, runId, 120_000);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ p7: { x: 8 } });
    const types = (await apiView(runId)).events.map((e) => e.type);
    expect(types.filter((t) => t === 'run_paused')).toHaveLength(1);
    expect(types.filter((t) => t === 'run_resumed')).toHaveLength(1);
  }, 300_000);

  it('stops a run that has continued as new: the latest execution is cancelled, the run reads cancelled', async () => {
    const runId = await start(chain(40), 20);
    await waitFor(async () => (await executions(runId)).length >= 3);
    expect((await post(`/v1/runs/${runId}/stop`)).statusCode).toBe(202);
    const run = await waitForRun(stack.api, runId, 60_000);
    expect(run.status).toBe('cancelled');
    const view = await apiView(runId);
    expect(view.events.filter((e) => e.type === 'run_cancelled')).toHaveLength(1);
    expect(view.events.filter((e) => e.type === 'run_started')).toHaveLength(1);
    // Nodes never reached are skipped; none is left pending or running.
    expect(run.nodes.filter((n) => !['completed', 'skipped', 'cancelled'].includes(n.status))).toEqual([]);
    expect(run.nodes.some((n) => n.status === 'skipped')).toBe(true);
  }, 300_000);

  it('carries an open request over: one request, its deadline kept, answered after the boundary', async () => {
    const document = chain(40);
    document.nodes.push({ id: 'ask', type: 'human.question', config: { question: 'Which way?', options: ['left', 'right'] } });
    document.edges.push(edge('start', 'ask'));
    const runId = await start(document, 60);
    const open = async () =>
      (await stack.api.inject({ method: 'GET', url: `/v1/requests?runId=${runId}` })).json<{
        items: { id: string; status: string; expiresAt: string }[];
      }>().items;
    await waitFor(async () => (await open()).length === 1);
    const [request] = await open();
    // The other branch runs to its end across several boundaries while the question waits.
    const nodeRow = async (id: string) =>
      (await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}` })).json<RunView>().nodes.find((n) => n.nodeId === id);
    await waitFor(async () => (await nodeRow('p39'))?.status === 'completed');
    expect((await executions(runId)).length).toBeGreaterThanOrEqual(3);

    const answered = await stack.api.inject({ method: 'POST', url: `/v1/requests/${request!.id}/answer`, payload: { answer: 'right' } });
    expect(answered.statusCode, answered.body).toBe(200);
    const run = await waitForRun(stack.api, runId, 60_000);
    expect(run.status).toBe('completed');
    expect(run.output).toMatchObject({ p39: { x: 40 }, ask: { answer: 'right', requestId: request!.id } });
    const requests = await open();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ id: request!.id, status: 'answered', expiresAt: request!.expiresAt });
    const types = (await apiView(runId)).events.map((e) => e.type);
    expect(types.filter((t) => t === 'question_asked')).toHaveLength(1);
    expect(types.filter((t) => t === 'request_answered')).toHaveLength(1);
  }, 300_000);

  it('carries a state too large for its input as stored parts', async () => {
    // Three branches, each passing a 100 KB value on: the carried outputs exceed what travels inline.
    const branches = ['l', 'm', 'r'].map((b) => Array.from({ length: 8 }, (_, i) => ({ id: `${b}${i}`, type: 'test.echo' })));
    const document = {
      name: 'wide',
      nodes: [{ id: 'start', type: 'trigger.manual' }, ...branches.flat()],
      edges: branches.flatMap((nodes) => nodes.map((n, i) => edge(i === 0 ? 'start' : nodes[i - 1]!.id, n.id))),
    };
    const input = { blob: 'x'.repeat(100_000) };
    const [long, reference] = [await start(document, 60, input), await start(document, undefined, input)];
    const run = await waitForRun(stack.api, long, 120_000);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ l7: input, m7: input, r7: input });
    expect((await executions(long)).length).toBeGreaterThanOrEqual(2);
    const parts = await stack.database.db.select().from(payloads).where(eq(payloads.runId, long));
    expect(parts.length).toBeGreaterThan(0);
    await waitForRun(stack.api, reference, 120_000);
    expect(await unordered(long)).toEqual(await unordered(reference));
  }, 300_000);

  it('carries a recovery question over without running the failed node again', async () => {
    const document = chain(30);
    document.nodes.push({ id: 'flaky', type: 'test.failing', config: {}, onError: 'ask', retry: { maxAttempts: 1 } });
    document.edges.push(edge('start', 'flaky'));
    const runId = await start(document, 60);
    const open = async () =>
      (await stack.api.inject({ method: 'GET', url: `/v1/requests?runId=${runId}` })).json<{ items: { id: string; kind: string }[] }>()
        .items;
    await waitFor(async () => (await open()).length === 1);
    const [request] = await open();
    expect(request!.kind).toBe('recovery');
    const nodeRow = async (id: string) =>
      (await stack.api.inject({ method: 'GET', url: `/v1/runs/${runId}` })).json<RunView>().nodes.find((n) => n.nodeId === id);
    await waitFor(async () => (await nodeRow('p29'))?.status === 'completed');
    expect((await executions(runId)).length).toBeGreaterThanOrEqual(3);

    const answered = await stack.api.inject({ method: 'POST', url: `/v1/requests/${request!.id}/answer`, payload: { answer: 'skip' } });
    expect(answered.statusCode, answered.body).toBe(200);
    const run = await waitForRun(stack.api, runId, 60_000);
    expect(run.status).toBe('completed');
    expect(run.output).toMatchObject({ p29: { x: 30 }, flaky: { skipped: true, error: { code: 'CODE_RUNTIME_ERROR' } } });
    expect(failures).toBe(1);
    expect(await open()).toHaveLength(1);
  }, 300_000);
});
