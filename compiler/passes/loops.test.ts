// Loop bodies: every shape the compiler refuses, each code with the node or edge it points at, and the plan a
// valid loop compiles to (body nodes carry their parent; plans without loops are unchanged).
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/registry.js';
import { compile } from '../compile.js';
import { expandPlan } from '../plan.js';

const ctx = { catalog: createNodeRegistry().catalog, credentials: [] };
const edge = (source: string, target: string, sourceHandle = 'out') => ({
  id: `${source}-${sourceHandle}-${target}`,
  source,
  sourceHandle,
  target,
});

/** start -> loop; loop.item -> a -> b (exit); loop.done -> after. */
function loopDocument() {
  return {
    nodes: [
      { id: 'start', type: 'trigger.manual' },
      { id: 'loop', type: 'flow.for_each', config: { concurrency: 5 } },
      { id: 'a', type: 'flow.noop', parent: 'loop' },
      { id: 'b', type: 'data.set', parent: 'loop', config: { assignments: [{ name: 'x', value: '{{ $json }}' }] } },
      { id: 'after', type: 'flow.noop' },
    ] as Record<string, unknown>[],
    edges: [edge('start', 'loop'), edge('loop', 'a', 'item'), edge('a', 'b'), edge('loop', 'after', 'done')],
  };
}
const codes = (doc: object) => compile(doc, ctx).errors.map((e) => [e.code, e.edgeId ?? e.nodeId]);

describe('loops', () => {
  it('compiles a loop: body nodes carry their parent, and the expanded plan keeps it', () => {
    const result = compile(loopDocument(), ctx);
    expect(result.errors).toEqual([]);
    const plan = expandPlan(result.plan!);
    expect(plan.nodes.filter((n) => n.parent === 'loop').map((n) => n.id)).toEqual(['a', 'b']);
    expect(plan.nodes.find((n) => n.id === 'loop')?.kind).toBe('loop');
    expect(plan.nodes.find((n) => n.id === 'after')).not.toHaveProperty('parent');
  });

  it('LOOP_PARENT_INVALID: a parent that does not exist, or is not a loop', () => {
    const doc = loopDocument();
    doc.nodes[2] = { ...doc.nodes[2], parent: 'after' };
    expect(codes(doc)).toContainEqual(['LOOP_PARENT_INVALID', 'a']);
    doc.nodes[2] = { ...doc.nodes[2], parent: 'ghost' };
    expect(codes(doc)).toContainEqual(['LOOP_PARENT_INVALID', 'a']);
  });

  it('LOOP_BODY_ENTRY: no item edge, two item edges, an item edge out of the body, an edge into the body from outside', () => {
    const none = loopDocument();
    none.edges = none.edges.filter((e) => e.sourceHandle !== 'item').concat(edge('start', 'a'));
    expect(codes(none)).toEqual(
      expect.arrayContaining([
        ['LOOP_BODY_ENTRY', 'loop'],
        ['LOOP_BODY_ENTRY', 'start-out-a'],
      ]),
    );
    const two = loopDocument();
    two.edges.push(edge('loop', 'b', 'item'));
    expect(codes(two)).toContainEqual(['LOOP_BODY_ENTRY', 'loop']);
    const outside = loopDocument();
    outside.edges.push(edge('loop', 'after', 'item'));
    expect(codes(outside)).toContainEqual(['LOOP_BODY_ENTRY', 'loop-item-after']);
  });

  it('LOOP_BODY_EXIT: two exits', () => {
    const doc = loopDocument();
    doc.nodes.push({ id: 'c', type: 'flow.noop', parent: 'loop' });
    doc.edges.push(edge('a', 'c'));
    expect(compile(doc, ctx).errors).toContainEqual(
      expect.objectContaining({ code: 'LOOP_BODY_EXIT', nodeId: 'loop', details: { exits: ['b', 'c'] } }),
    );
  });

  it('LOOP_BODY_ESCAPE: an edge from the body to a node after the loop', () => {
    const doc = loopDocument();
    doc.edges.push(edge('a', 'after'));
    expect(codes(doc)).toContainEqual(['LOOP_BODY_ESCAPE', 'a-out-after']);
  });

  it('LOOP_BODY_NODE: a loop inside a loop, a person per item, onError ask, an approval per item', () => {
    const nested = loopDocument();
    nested.nodes.push({ id: 'inner', type: 'flow.for_each', parent: 'loop' });
    nested.edges.push(edge('b', 'inner'));
    expect(codes(nested)).toContainEqual(['LOOP_BODY_NODE', 'inner']);
    const human = loopDocument();
    human.nodes[3] = { id: 'b', type: 'human.approval', parent: 'loop', config: { message: 'ok?' } };
    expect(codes(human)).toContainEqual(['LOOP_BODY_NODE', 'b']);
    const ask = loopDocument();
    ask.nodes[2] = { ...ask.nodes[2], onError: 'ask' };
    expect(codes(ask)).toContainEqual(['LOOP_BODY_NODE', 'a']);
    const approval = loopDocument();
    approval.nodes[2] = { ...approval.nodes[2], approval: true };
    expect(codes(approval)).toEqual([['LOOP_BODY_NODE', 'a']]);
  });

  it('bounds the concurrency a loop may ask for', () => {
    const doc = loopDocument();
    doc.nodes[1] = { ...doc.nodes[1], config: { concurrency: 101 } };
    expect(codes(doc)).toContainEqual(['INVALID_FIELD_VALUE', 'loop']);
  });
});
