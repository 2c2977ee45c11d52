// Partial runs: which nodes run, which start from pinned data, which are skipped, and MISSING_PINNED_INPUT.
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../nodes/registry.js';
import { compile } from './compile.js';
import { sha256 } from './hash.js';
import { planPartialRun } from './partial.js';
import { expandPlan, PlanSchema, type Plan } from './plan.js';

const ctx = { catalog: createNodeRegistry().catalog, credentials: [] };
const set = (id: string, value: unknown) => ({ id, type: 'data.set', config: { assignments: [{ name: 'v', value }] } });

// start -> a -> b -> c (c reads $node.a), start -> side; b and side -> m (a merge that joins all)
function plan(): Plan {
  const result = compile(
    {
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        set('a', 1),
        set('b', '{{ $json.v + 1 }}'),
        set('c', '{{ $node.a.v }}'),
        set('side', 2),
        { id: 'm', type: 'logic.merge', config: { requireAll: true } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'a' },
        { id: 'e2', source: 'a', target: 'b' },
        { id: 'e3', source: 'b', target: 'c' },
        { id: 'e4', source: 'start', target: 'side' },
        { id: 'e5', source: 'b', target: 'm' },
        { id: 'e6', source: 'side', target: 'm' },
      ],
    },
    ctx,
  );
  expect(result.errors).toEqual([]);
  return result.plan!;
}

describe('planPartialRun', () => {
  it('from a node onward: the nodes before it pinned, the rest skipped; a valid plan with its own hash', () => {
    const result = planPartialRun(plan(), { startAt: 'b', pinned: ['a', 'side'], trigger: 'start' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.plan.partial).toEqual({ fired: { a: ['out'], side: ['out'] }, pinned: ['a', 'side'], skipped: [] });
    expect(PlanSchema.parse(result.plan)).toEqual(result.plan);
    const { hash, ...body } = result.plan;
    expect(hash).toBe(sha256(JSON.stringify(body)));
    expect(hash).not.toBe(plan().hash);
    expect(expandPlan(result.plan).partial).toEqual(result.plan.partial);
  });

  it('a node whose inputs nobody gives is MISSING_PINNED_INPUT, naming what to pin', () => {
    const result = planPartialRun(plan(), { startAt: 'b', pinned: [], trigger: 'start' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.code, e.nodeId, e.details?.missing])).toEqual([
      ['MISSING_PINNED_INPUT', 'b', ['a']],
      // c reads $node.a, which neither runs nor is pinned; m joins all, and side does not run.
      ['MISSING_PINNED_INPUT', 'c', ['a']],
      ['MISSING_PINNED_INPUT', 'm', ['side']],
    ]);
  });

  it('without a start: everything after the pinned nodes and the trigger runs, the pinned nodes do not', () => {
    const result = planPartialRun(plan(), { pinned: ['b'], trigger: 'start' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.plan.partial).toEqual({ fired: { b: ['out'] }, pinned: ['b'], skipped: [] });
  });

  it('a node not upstream of the start is skipped; unknown and loop-body nodes are refused', () => {
    const result = planPartialRun(plan(), { startAt: 'c', pinned: ['a', 'b'], trigger: 'start' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.plan.partial).toEqual({ fired: { a: ['out'], b: ['out'] }, pinned: ['a', 'b'], skipped: ['side', 'm'] });
    const bad = planPartialRun(plan(), { startAt: 'ghost', pinned: ['nope'], trigger: 'start' });
    expect(bad.ok ? [] : bad.errors.map((e) => [e.code, e.details?.reference])).toEqual([
      ['UNKNOWN_REFERENCE', 'nope'],
      ['UNKNOWN_REFERENCE', 'ghost'],
    ]);
  });

  it("an earlier run's outputs pin what the nodes that run need, never the nodes at or after the start", () => {
    const earlier = ['a', 'b', 'c', 'side', 'm'];
    const from = planPartialRun(plan(), { startAt: 'b', pinned: [], earlier, trigger: 'start' });
    expect(from.ok && from.plan.partial).toEqual({ fired: { a: ['out'], side: ['out'] }, pinned: ['a', 'side'], skipped: [] });
    // Without a start, only what the earlier run did not complete runs again.
    const rerun = planPartialRun(plan(), { pinned: [], earlier: ['a', 'side'], trigger: 'start' });
    expect(rerun.ok && rerun.plan.partial).toEqual({ fired: { a: ['out'], side: ['out'] }, pinned: ['a', 'side'], skipped: [] });
    const nothingNeeded = planPartialRun(plan(), { startAt: 'c', pinned: [], earlier, trigger: 'start' });
    expect(nothingNeeded.ok && nothingNeeded.plan.partial).toEqual({
      fired: { a: ['out'], b: ['out'] },
      pinned: ['a', 'b'],
      skipped: ['side', 'm'],
    });
  });
});

// start -> extra -> check (IF) -> yes (true) / no (false), no reading $node.extra; start -> route (its errors routed
// to handled, its output to fine); start -> loop (for each) with its body, step.
function branching(): Plan {
  const result = compile(
    {
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'check', type: 'logic.if', config: { conditions: [{ left: '{{ $json.v }}', operator: 'gt', right: 1 }] } },
        set('yes', '{{ $json.v }}'),
        set('extra', 3),
        set('no', '{{ $node.extra.v }}'),
        { id: 'route', type: 'data.set', onError: 'route', config: { assignments: [{ name: 'v', value: 1 }] } },
        set('handled', 'error'),
        set('fine', 'ok'),
        { id: 'loop', type: 'flow.for_each', config: { items: '{{ [1, 2] }}' } },
        { ...set('step', '{{ $json }}'), parent: 'loop' },
      ],
      edges: [
        { id: 'e1', source: 'extra', target: 'check' },
        { id: 'e2', source: 'check', sourceHandle: 'true', target: 'yes' },
        { id: 'e3', source: 'check', sourceHandle: 'false', target: 'no' },
        { id: 'e4', source: 'start', target: 'extra' },
        { id: 'e5', source: 'start', target: 'route' },
        { id: 'e6', source: 'route', sourceHandle: 'error', target: 'handled' },
        { id: 'e7', source: 'route', target: 'fine' },
        { id: 'e8', source: 'start', target: 'loop' },
        { id: 'e9', source: 'loop', sourceHandle: 'item', target: 'step' },
      ],
    },
    ctx,
  );
  expect(result.errors).toEqual([]);
  return result.plan!;
}
const codesOf = (r: ReturnType<typeof planPartialRun>) => (r.ok ? [] : r.errors.map((e) => [e.code, e.nodeId ?? e.details?.reference]));

describe('partial runs through branches', () => {
  it('a pinned IF fires the branch named in branches; the other branch does not run', () => {
    const result = planPartialRun(branching(), { pinned: ['check'], branches: { check: ['true'] }, trigger: 'start' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.plan.partial?.fired).toEqual({ check: ['true'] });
    // `no`, behind false, is skipped from the start; `yes` runs.
    expect(result.plan.partial?.skipped).toContain('no');
    expect(result.plan.partial?.skipped).not.toContain('yes');
  });

  it('a pinned IF without a branch is PINNED_BRANCH_MISSING; a branch it does not have, or for a node that runs, is PINNED_BRANCH_INVALID', () => {
    expect(codesOf(planPartialRun(branching(), { pinned: ['check'], trigger: 'start' }))).toEqual([['PINNED_BRANCH_MISSING', 'check']]);
    expect(codesOf(planPartialRun(branching(), { pinned: ['check'], branches: { check: ['maybe'] }, trigger: 'start' }))).toEqual([
      ['PINNED_BRANCH_INVALID', 'check'],
    ]);
    expect(
      codesOf(planPartialRun(branching(), { startAt: 'check', pinned: ['extra'], branches: { check: ['true'] }, trigger: 'start' })),
    ).toEqual([['PINNED_BRANCH_INVALID', 'check']]);
    expect(codesOf(planPartialRun(branching(), { pinned: [], branches: { ghost: ['true'] }, trigger: 'start' }))).toEqual([
      ['UNKNOWN_REFERENCE', 'ghost'],
    ]);
  });

  it('from an earlier run, the branch it recorded; a start the recorded branch does not lead to is refused, naming it', () => {
    const earlier = ['check', 'yes', 'extra', 'route', 'fine', 'loop'];
    const rerun = planPartialRun(branching(), { pinned: [], earlier, earlierFired: { check: ['true'] }, trigger: 'start' });
    expect(rerun.ok && rerun.plan.partial?.fired).toEqual({});
    const fromCheck = planPartialRun(branching(), {
      startAt: 'yes',
      pinned: [],
      earlier,
      earlierFired: { check: ['true'] },
      trigger: 'start',
    });
    expect(fromCheck.ok && fromCheck.plan.partial?.fired).toEqual({ check: ['true'] });
    const elsewhere = planPartialRun(branching(), {
      startAt: 'no',
      pinned: ['extra'],
      earlier,
      earlierFired: { check: ['true'] },
      trigger: 'start',
    });
    expect(elsewhere.ok ? [] : elsewhere.errors.map((e) => [e.code, e.nodeId, e.details?.missing])).toEqual([
      ['MISSING_PINNED_INPUT', 'no', ['check']],
    ]);
    // Naming the branch overrides the record; a record from before branches were kept is PINNED_BRANCH_MISSING.
    const said = planPartialRun(branching(), {
      startAt: 'no',
      pinned: ['extra'],
      earlier,
      earlierFired: { check: ['true'] },
      branches: { check: ['false'] },
      trigger: 'start',
    });
    expect(said.ok && said.plan.partial?.fired).toEqual({ check: ['false'], extra: ['out'] });
    expect(codesOf(planPartialRun(branching(), { startAt: 'yes', pinned: [], earlier, trigger: 'start' }))).toEqual([
      ['PINNED_BRANCH_MISSING', 'check'],
    ]);
  });

  it('pinned data of a node that routes its errors leaves by out, unless its error is named; a loop by done', () => {
    const out = planPartialRun(branching(), { pinned: ['route', 'loop'], trigger: 'start' });
    expect(out.ok && out.plan.partial?.fired).toEqual({ route: ['out'], loop: ['done'] });
    expect(out.ok && out.plan.partial?.skipped).toContain('handled');
    const error = planPartialRun(branching(), { pinned: ['route'], branches: { route: ['error'] }, trigger: 'start' });
    expect(error.ok && error.plan.partial).toMatchObject({ fired: { route: ['error'] } });
    expect(error.ok && error.plan.partial?.skipped).toContain('fine');
  });

  it("a start or pinned node inside a loop's body is refused: the body runs with its loop", () => {
    expect(codesOf(planPartialRun(branching(), { startAt: 'step', pinned: ['step'], trigger: 'start' }))).toEqual([
      ['LOOP_BODY_NODE', 'step'],
      ['LOOP_BODY_NODE', 'step'],
    ]);
  });
});
