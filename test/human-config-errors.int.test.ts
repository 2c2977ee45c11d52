// A human step whose config fails to resolve in an activity (a question over offloaded data, an approval described
// by its node) fails the run with the node's own error code, at once. These activities run under the bookkeeping
// retry policy, which has no attempt limit: a node's error thrown as a plain error was retried there forever, and
// the run hung with no request open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

/** Builds a string of 400 million characters: past the bound on what an expression may build (EXPRESSION_LIMIT). */
const TOO_LARGE = '{{ $length($pad("", 200000000, "xy")) }}';

async function run(second: object, input: unknown = {}) {
  const nodes = [{ id: 'start', type: 'trigger.manual' }, second];
  const saved = await stack.api.inject({
    method: 'POST',
    url: '/v1/workflows',
    payload: { name: 'human config errors', nodes, edges: [{ id: 'e', source: 'start', target: 'step' }] },
  });
  expect(saved.statusCode, saved.body).toBe(201);
  const started = await stack.api.inject({
    method: 'POST',
    url: `/v1/workflows/${saved.json<{ id: string }>().id}/runs`,
    payload: { input },
  });
  expect(started.statusCode, started.body).toBe(202);
  const runId = started.json<{ id: string }>().id;
  return { runId, result: await waitForRun(stack.api, runId, 20_000) };
}

async function attemptsOf(temporalWorkflowId: string, activity: string): Promise<number[]> {
  const history = await stack.temporal.client.workflow.getHandle(temporalWorkflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = new Set(
    events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity).map((e) => String(e.eventId)),
  );
  return events
    .filter((e) => e.activityTaskStartedEventAttributes && scheduled.has(String(e.activityTaskStartedEventAttributes.scheduledEventId)))
    .map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
}

describe('a human step whose config fails in an activity', () => {
  it('a question over offloaded data whose expression breaks a bound fails the run with EXPRESSION_LIMIT, after one attempt', async () => {
    // Past the offload threshold: the workflow holds a reference, so the question is resolved by resolveNodeConfig.
    const input = { blob: 'x'.repeat(200_000) };
    const { runId, result } = await run(
      { id: 'step', type: 'human.question', config: { question: `How long? ${TOO_LARGE}`, options: ['a', 'b'] } },
      input,
    );
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'EXPRESSION_LIMIT', nodeId: 'step' });
    expect(await attemptsOf(result.temporalWorkflowId, 'resolveNodeConfig')).toEqual([1]);
    const open = await stack.api.inject({ method: 'GET', url: `/v1/requests?status=open&runId=${runId}` });
    expect(open.json<{ items: unknown[] }>().items).toEqual([]);
  });

  it('an approval whose node cannot be described fails the run with the expression’s error, after one attempt', async () => {
    const { result } = await run({
      id: 'step',
      type: 'http.request',
      config: { url: `https://api.example.com/?n=${TOO_LARGE}` },
      approval: true,
    });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'EXPRESSION_LIMIT', nodeId: 'step' });
    expect(await attemptsOf(result.temporalWorkflowId, 'describeNode')).toEqual([1]);
  });
});
