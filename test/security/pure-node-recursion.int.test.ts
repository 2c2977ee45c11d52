// Issue #11, item 9: a recursive expression in a pure node (evaluated inside the workflow) made every workflow task
// time out and retry forever. Now the expression hits its depth bound, the node fails with EXPRESSION_LIMIT, and the
// run fails with that error after one workflow task: no task failures, no retries.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunView } from '../../apps/gateway/views.js';
import { runToEnd } from '../support/runs.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

const run = (document: object): Promise<RunView> => runToEnd(stack.api, document, { input: {}, timeoutMs: 30_000 });

/** Workflow task failures in the run's history: each one is a task Temporal will retry. */
async function workflowTaskFailures(runId: string): Promise<number> {
  const history = await stack.temporal.client.workflow.getHandle(`${runId}`).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes).length;
}

const withSet = (value: string) => ({
  name: 'recursion',
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'set', type: 'data.set', config: { assignments: [{ name: 'x', value }] } },
  ],
  edges: [{ id: 'e', source: 'start', sourceHandle: 'out', target: 'set' }],
});

describe('a runaway expression in a pure node', () => {
  it('fails the run with EXPRESSION_LIMIT instead of retrying workflow tasks', async () => {
    const started = Date.now();
    const result = await run(withSet('{{ ($f := function($n){ $f($n+1) }; $f(0)) }}'));
    expect(result.status).toBe('failed');
    expect(result.nodes.find((n) => n.nodeId === 'set')).toMatchObject({ status: 'failed', error: { code: 'EXPRESSION_LIMIT' } });
    expect(await workflowTaskFailures(result.id)).toBe(0);
    // One workflow task, the activity's 100k steps: seconds, where before the run never ended.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('evaluates ordinary expressions with the shadowed built-ins inside the workflow as before', async () => {
    const result = await run(
      withSet('{{ $pad("a", 3, "-") & $join(["x", "y"], ",") & $replace("b.c", /\\./, "+") & $string($spread({"k": 1})) }}'),
    );
    expect(result.status).toBe('completed');
    expect(result.nodes.find((n) => n.nodeId === 'set')?.output).toMatchObject({ x: 'a--x,yb+c{"k":1}' });
    expect(await workflowTaskFailures(result.id)).toBe(0);
  });

  it('a long but finite loop in a pure node ends by its step budget, as in an activity', async () => {
    const result = await run(withSet('{{ $reduce([1..200000], function($a, $b){ $a + $b }, 0) }}'));
    expect(result.status).toBe('failed');
    expect(result.nodes.find((n) => n.nodeId === 'set')).toMatchObject({ status: 'failed', error: { code: 'EXPRESSION_LIMIT' } });
    expect(await workflowTaskFailures(result.id)).toBe(0);
  });

  it('an error of the interpreter itself (here: a plan it cannot read) fails the run, not the workflow task', async () => {
    const handle = await stack.temporal.client.workflow.start('loomRun', {
      taskQueue: stack.taskQueue,
      workflowId: `run-broken-${Date.now()}`,
      args: [{ runId: 'run_broken', plan: { schemaVersion: 2, nodes: 'not a list' }, input: {} }],
    });
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('RUN_INTERNAL');
    const history = await handle.fetchHistory();
    expect((history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length).toBe(0);
  });
});
