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
    expect(result.plan.partial).toEqual({ pinned: ['a', 'side'], skipped: [] });
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
    expect(result.plan.partial).toEqual({ pinned: ['b'], skipped: [] });
  });

  it('a node not upstream of the start is skipped; unknown and loop-body nodes are refused', () => {
    const result = planPartialRun(plan(), { startAt: 'c', pinned: ['a', 'b'], trigger: 'start' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.plan.partial).toEqual({ pinned: ['a', 'b'], skipped: ['side', 'm'] });
    const bad = planPartialRun(plan(), { startAt: 'ghost', pinned: ['nope'], trigger: 'start' });
    expect(bad.ok ? [] : bad.errors.map((e) => [e.code, e.details?.reference])).toEqual([
      ['UNKNOWN_REFERENCE', 'nope'],
      ['UNKNOWN_REFERENCE', 'ghost'],
    ]);
  });

  it("an earlier run's outputs pin what the nodes that run need, never the nodes at or after the start", () => {
    const earlier = ['a', 'b', 'c', 'side', 'm'];
    const from = planPartialRun(plan(), { startAt: 'b', pinned: [], earlier, trigger: 'start' });
    expect(from.ok && from.plan.partial).toEqual({ pinned: ['a', 'side'], skipped: [] });
    // Without a start, only what the earlier run did not complete runs again.
    const rerun = planPartialRun(plan(), { pinned: [], earlier: ['a', 'side'], trigger: 'start' });
    expect(rerun.ok && rerun.plan.partial).toEqual({ pinned: ['a', 'side'], skipped: [] });
    const nothingNeeded = planPartialRun(plan(), { startAt: 'c', pinned: [], earlier, trigger: 'start' });
    expect(nothingNeeded.ok && nothingNeeded.plan.partial).toEqual({ pinned: ['a', 'b'], skipped: ['side', 'm'] });
  });
});
