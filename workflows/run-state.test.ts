// RunState applies step outcomes: the records it batches are what the run's history has always carried.
import { describe, expect, it } from 'vitest';
import { expandPlan, type ExpandedPlan, type PlanNode } from '../compiler/plan.js';
import { RunState } from './run-state.js';

const settings = {
  onError: 'stop' as const,
  requiresApproval: false,
  retry: { backoffCoefficient: 2, initialIntervalMs: 1, maxAttempts: 1, maxIntervalMs: 1 },
  timeoutMs: 1_000,
};
function node(id: string, kind: PlanNode['kind'], extra: Partial<PlanNode> = {}): PlanNode {
  return {
    id,
    type: `t.${kind}`,
    typeVersion: 1,
    name: id,
    kind,
    config: {},
    credentials: {},
    inputs: [],
    outputs: [],
    join: 'any',
    references: [],
    operations: [],
    settings,
    ...extra,
  };
}
const from = (...ids: string[]) => [{ handle: 'in', from: ids.map((nodeId) => ({ nodeId, handle: 'out', edgeId: `${nodeId}-e` })) }];

function state(nodes: PlanNode[], maxNodeFailures?: number): RunState {
  const plan: ExpandedPlan = expandPlan({
    schemaVersion: 1,
    name: 'p',
    hash: 'h',
    settings: { timeoutMs: 10_000, variables: { v: 1 }, ...(maxNodeFailures ? { maxNodeFailures } : {}) },
    triggers: ['start'],
    nodes,
  });
  return new RunState(plan, plan.nodes[0]!, { x: 1 }, { id: 'run_1' });
}

describe('RunState', () => {
  const started = { input: { x: 1 }, startedAt: 5 };

  it('records a completed pure node with its input, output, times and the outputs it fired; an activity records itself', () => {
    const s = state([
      node('start', 'trigger'),
      node('p', 'pure', { inputs: from('start') }),
      node('a', 'activity', { inputs: from('start') }),
    ]);
    s.apply(s.plan.nodes[1]!, { kind: 'completed', output: 2, fired: ['out'] }, started);
    s.apply(s.plan.nodes[2]!, { kind: 'completed', output: 3, fired: ['out'] }, started);
    expect(s.records).toEqual([
      {
        nodeId: 'p',
        nodeType: 't.pure',
        status: 'completed',
        input: { x: 1 },
        output: 2,
        startedAt: 5,
        finishedAt: expect.any(Number),
        fired: ['out'],
      },
    ]);
    expect(Object.keys(s.records[0]!)).toEqual(['nodeId', 'nodeType', 'status', 'input', 'output', 'startedAt', 'finishedAt', 'fired']);
    expect(s.activeSources(node('q', 'pure', { inputs: from('p', 'a') })).map((x) => x.value)).toEqual([2, 3]);
  });

  it('applies onError: continue and route complete with the error, stop fails the run; failures count', () => {
    const withPolicy = (id: string, onError: PlanNode['settings']['onError']) =>
      node(id, 'pure', { inputs: from('start'), settings: { ...settings, onError } });
    const s = state([node('start', 'trigger'), withPolicy('c', 'continue'), withPolicy('r', 'route'), withPolicy('s', 'stop')], 3);
    const error = { code: 'NODE_FAILED' as const, message: 'no' };
    for (const n of s.plan.nodes.slice(1)) s.apply(n, { kind: 'failed', error }, started);
    expect(s.states.get('c')).toEqual({ status: 'completed', output: { error }, fired: ['out'] });
    expect(s.states.get('r')).toEqual({ status: 'completed', output: { error }, fired: ['error'] });
    expect(s.records.map((r) => r.fired)).toEqual([['out'], ['error'], undefined]);
    expect(s.records.map((r) => Object.keys(r))).toEqual([
      ['nodeId', 'nodeType', 'status', 'input', 'startedAt', 'finishedAt', 'output', 'fired'],
      ['nodeId', 'nodeType', 'status', 'input', 'startedAt', 'finishedAt', 'output', 'fired'],
      ['nodeId', 'nodeType', 'status', 'input', 'startedAt', 'finishedAt', 'error'],
    ]);
    // The limit is reached at the third failure, before the stop itself is recorded as the cause.
    expect(s.failure).toMatchObject({ code: 'RUN_TOO_MANY_FAILURES', nodeId: 's' });
  });

  it('a refusal skips the node, recorded whatever its kind, and stops the run as cancelled', () => {
    const s = state([node('start', 'trigger'), node('a', 'activity', { inputs: from('start') })]);
    s.apply(s.plan.nodes[1]!, { kind: 'refused', reason: { code: 'APPROVAL_REJECTED', message: 'no' } }, started);
    expect(s.records).toEqual([{ nodeId: 'a', nodeType: 't.activity', status: 'skipped' }]);
    expect(s.refusal).toEqual({ code: 'APPROVAL_REJECTED', message: 'no', nodeId: 'a' });
    expect(s.stopped).toBe(true);
  });

  it('builds the scope from referenced outputs, the run and its variables', () => {
    const s = state([node('start', 'trigger'), node('p', 'pure', { inputs: from('start'), references: ['start', 'gone'] })]);
    expect(s.scopeOf(s.plan.nodes[1]!)).toEqual({ node: { start: { x: 1 }, gone: undefined }, run: { id: 'run_1' }, vars: { v: 1 } });
  });

  it('carries into the next execution only the outputs unsettled nodes or the run still read, and restores them', () => {
    const to = (...ids: string[]) => [{ handle: 'out', to: ids.map((nodeId) => ({ nodeId, handle: 'in', edgeId: `${nodeId}-e` })) }];
    const s = state([
      node('start', 'trigger', { outputs: to('a') }),
      node('a', 'activity', { inputs: from('start'), outputs: to('b') }),
      node('b', 'pure', { inputs: from('a'), outputs: to('c', 'x') }),
      node('c', 'activity', { inputs: from('b') }),
      node('x', 'pure', { inputs: from('b'), references: ['start'] }),
    ]);
    const [, a, b] = s.plan.nodes;
    s.apply(a!, { kind: 'completed', output: 'A', fired: ['out'] }, started);
    s.apply(b!, { kind: 'completed', output: 'B', fired: ['out'] }, started);
    s.pending.delete('a');
    s.pending.delete('b');
    s.activeMs = 700;
    s.workflowSteps.remaining = 42;
    s.startedAt.set('c', 9);
    const carried = s.carry();
    // a's output is read by nobody left (b has settled); start's is referenced by x, b's is x's and c's input.
    expect(carried.states).toEqual({
      start: { status: 'completed', output: { x: 1 }, fired: ['out'] },
      a: { status: 'completed', output: undefined, fired: ['out'] },
      b: { status: 'completed', output: 'B', fired: ['out'] },
    });
    expect(carried).toMatchObject({ activeMs: 700, workflowSteps: 42, nodeFailures: 0, startedAt: { c: 9 } });

    const next = state(s.plan.nodes);
    next.restore(JSON.parse(JSON.stringify(carried)) as typeof carried);
    expect([...next.pending]).toEqual(['c', 'x']);
    expect(next.activeSources(s.plan.nodes[3]!).map((v) => v.value)).toEqual(['B']);
    expect(next.scopeOf(s.plan.nodes[4]!).node).toEqual({ start: { x: 1 } });
    expect(next.carry()).toEqual(JSON.parse(JSON.stringify(carried)));
  });

  it('a partial run starts with its pinned nodes completed (firing what the plan says) and the rest skipped, recorded once', () => {
    const to = (...ids: string[]) => [{ handle: 'out', to: ids.map((nodeId) => ({ nodeId, handle: 'in', edgeId: `${nodeId}-e` })) }];
    const nodes = [
      node('start', 'trigger', { outputs: to('a', 's') }),
      node('a', 'activity', { inputs: from('start'), outputs: [...to('b'), { handle: 'error', to: [] }] }),
      node('b', 'pure', { inputs: from('a') }),
      node('s', 'activity', { inputs: from('start') }),
    ];
    const plan: ExpandedPlan = {
      ...expandPlan({ schemaVersion: 1, name: 'p', hash: 'h', settings: { timeoutMs: 10_000, variables: {} }, triggers: ['start'], nodes }),
      partial: { fired: { a: ['out'] }, pinned: ['a'], skipped: ['s'] },
    };
    const s = new RunState(plan, plan.nodes[0]!, {}, { id: 'run_1' }, { a: { v: 1 } });
    expect([...s.pending]).toEqual(['b']);
    expect(s.states.get('a')).toEqual({ status: 'completed', output: { v: 1 }, fired: ['out'] });
    expect(s.activeSources(plan.nodes[2]!).map((x) => x.value)).toEqual([{ v: 1 }]);
    expect(s.records).toEqual([
      { nodeId: 'a', nodeType: 't.activity', status: 'completed', output: { v: 1 }, fired: ['out'] },
      { nodeId: 's', nodeType: 't.activity', status: 'skipped' },
    ]);
    // A partial plan from before `fired` fires every output of its pinned nodes, as it did then.
    const { fired: _fired, ...before } = plan.partial!;
    const old = new RunState({ ...plan, partial: before }, plan.nodes[0]!, {}, { id: 'run_1' }, { a: { v: 1 } });
    expect(old.states.get('a')).toEqual({ status: 'completed', output: { v: 1 }, fired: ['out', 'error'] });
    // The next execution of a continued run finds them settled in what was carried, and records nothing again.
    const next = new RunState(plan, plan.nodes[0]!, null, { id: 'run_1' });
    next.restore(JSON.parse(JSON.stringify(s.carry())) as ReturnType<RunState['carry']>);
    expect(next.records).toEqual([]);
    expect([...next.pending]).toEqual(['b']);
  });
});
