// Layout: every node placed at a distinct position, edges left to right in a DAG, loop bodies before what follows
// the loop, crossings reduced, deterministic, terminating on cycles and dangling edges, and linear enough for 2,000 nodes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WorkflowDocument } from '../../compiler/document.js';
import { ordersDocument } from './fixtures.js';
import { LAYER_SPACING, layoutDocument, ROW_SPACING } from './layout.js';

function graph(
  count: number,
  edges: [number, number][],
  types: (i: number) => string = (i) => (i === 0 ? 'trigger.manual' : 'flow.noop'),
): WorkflowDocument {
  return {
    nodes: Array.from({ length: count }, (_, i) => ({ id: `n${i}`, type: types(i), config: {} })),
    edges: edges.map(([s, t], i) => ({ id: `e${i}`, source: `n${s}`, sourceHandle: 'out', target: `n${t}`, targetHandle: 'in' })),
  };
}

const positionsOf = (doc: WorkflowDocument) => new Map(doc.nodes.map((n) => [n.id, n.position!]));
const distinct = (doc: WorkflowDocument) => new Set(doc.nodes.map((n) => `${n.position!.x},${n.position!.y}`)).size === doc.nodes.length;

/** Random DAGs: edges only from a lower index to a higher one. */
const dag = fc.integer({ min: 1, max: 40 }).chain((count) =>
  fc.array(fc.tuple(fc.nat(count - 1), fc.nat(count - 1)), { maxLength: count * 3 }).map((pairs) =>
    graph(
      count,
      pairs.filter(([a, b]) => a !== b).map(([a, b]) => (a < b ? [a, b] : [b, a])),
    ),
  ),
);

describe('layoutDocument', () => {
  it('lays out the order workflow left to right, one layer per step, without touching the input', () => {
    const doc = ordersDocument();
    const laid = layoutDocument(doc);
    expect(doc.nodes.every((n) => n.position === undefined)).toBe(true);
    expect(laid.nodes.map((n) => n.position)).toEqual([0, 1, 2, 3].map((l) => ({ x: l * LAYER_SPACING, y: 0 })));
    expect({ ...laid, nodes: laid.nodes.map(({ position: _p, ...n }) => n) }).toEqual(doc);
  });

  it('in a DAG: positions distinct, every edge left to right, rows on the grid', () => {
    fc.assert(
      fc.property(dag, (doc) => {
        const laid = layoutDocument(doc);
        const at = positionsOf(laid);
        expect(distinct(laid)).toBe(true);
        for (const e of laid.edges) expect(at.get(e.source)!.x).toBeLessThan(at.get(e.target)!.x);
        for (const p of at.values()) expect((p.y * 2) % ROW_SPACING).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(dag, (doc) => {
        expect(layoutDocument(doc)).toEqual(layoutDocument(structuredClone(doc)));
      }),
    );
  });

  it('terminates on cycles, self-loops, duplicate ids and dangling edges, placing every node once', () => {
    const anyGraph = fc
      .integer({ min: 1, max: 30 })
      .chain((count) =>
        fc.array(fc.tuple(fc.nat(count + 2), fc.nat(count + 2)), { maxLength: count * 4 }).map((pairs) => graph(count, pairs)),
      );
    fc.assert(
      fc.property(anyGraph, (doc) => {
        const laid = layoutDocument(doc);
        expect(distinct(laid)).toBe(true);
      }),
      { numRuns: 200 },
    );
    const dup = graph(3, [
      [0, 1],
      [1, 2],
      [2, 1],
    ]);
    dup.nodes.push({ id: 'n1', type: 'flow.noop', config: {} });
    expect(distinct(layoutDocument(dup))).toBe(true);
  });

  it('orders a layer by its predecessors, so parallel branches do not cross', () => {
    // Two chains from one trigger: a1 -> a2, b1 -> b2, with b listed first in the second layer.
    const doc = graph(5, [
      [0, 1],
      [0, 2],
      [1, 4],
      [2, 3],
    ]);
    const at = positionsOf(layoutDocument(doc));
    const above = (a: string, b: string) => at.get(a)!.y < at.get(b)!.y;
    expect(above('n1', 'n2')).toBe(above('n4', 'n3'));
  });

  it('places what follows a loop after its body, and the body after the loop', () => {
    const doc: WorkflowDocument = {
      nodes: [
        { id: 'start', type: 'trigger.manual', config: {} },
        { id: 'loop', type: 'flow.for_each', config: {} },
        { id: 'a', type: 'flow.noop', config: {}, parent: 'loop' },
        { id: 'b', type: 'flow.noop', config: {}, parent: 'loop' },
        { id: 'c', type: 'flow.noop', config: {}, parent: 'loop' },
        { id: 'after', type: 'flow.noop', config: {} },
      ],
      edges: [
        { id: 'e1', source: 'start', sourceHandle: 'out', target: 'loop', targetHandle: 'in' },
        { id: 'e2', source: 'loop', sourceHandle: 'item', target: 'a', targetHandle: 'in' },
        { id: 'e3', source: 'a', sourceHandle: 'out', target: 'b', targetHandle: 'in' },
        { id: 'e4', source: 'b', sourceHandle: 'out', target: 'c', targetHandle: 'in' },
        { id: 'e5', source: 'loop', sourceHandle: 'done', target: 'after', targetHandle: 'in' },
      ],
    };
    const at = positionsOf(layoutDocument(doc));
    expect(['start', 'loop', 'a', 'b', 'c', 'after'].map((id) => at.get(id)!.x / LAYER_SPACING)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('puts triggers first in the first layer and centres narrow layers', () => {
    const doc = graph(
      5,
      [
        [1, 2],
        [1, 3],
        [1, 4],
      ],
      (i) => (i === 1 ? 'trigger.webhook' : 'flow.noop'),
    );
    const at = positionsOf(layoutDocument(doc));
    expect(at.get('n1')).toEqual({ x: 0, y: ROW_SPACING / 2 });
    expect(at.get('n0')).toEqual({ x: 0, y: ROW_SPACING * 1.5 });
  });

  it('lays out 2,000 nodes quickly: a chain, a fan-out, a random DAG and a cycle-ridden graph', () => {
    const size = 2000;
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const cases = [
      graph(
        size,
        Array.from({ length: size - 1 }, (_, i): [number, number] => [i, i + 1]),
      ),
      graph(
        size,
        Array.from({ length: size - 1 }, (_, i): [number, number] => [0, i + 1]),
      ),
      graph(
        size,
        Array.from({ length: size * 3 }, (): [number, number] => {
          const a = Math.floor(random() * size);
          const b = Math.floor(random() * size);
          return a < b ? [a, b] : [b, a];
        }),
      ),
      graph(
        size,
        Array.from({ length: size * 3 }, (): [number, number] => [Math.floor(random() * size), Math.floor(random() * size)]),
      ),
    ];
    for (const doc of cases) {
      const started = performance.now();
      const laid = layoutDocument(doc);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(distinct(laid)).toBe(true);
    }
  });
});
