// The graph over node numbers: the order, positions, reachability and ancestry the passes read, on small graphs
// whose answers can be read off, and on random ones against a plain reading by ids.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DocumentEdge } from './document.js';
import { Graph } from './graph.js';

const edge = (source: string, target: string, id = `${source}>${target}`): DocumentEdge => ({
  id,
  source,
  target,
  sourceHandle: 'out',
  targetHandle: 'in',
});

describe('graph', () => {
  it('orders by edges, the smallest id first among the ready ones, whatever the document order', () => {
    const graph = new Graph(['c', 'b', 'a', 'd'], [edge('c', 'd'), edge('a', 'd'), edge('b', 'c')]);
    const { order, position } = graph.topologicalOrder();
    expect(order.map((n) => graph.ids[n])).toEqual(['a', 'b', 'c', 'd']);
    expect([...position]).toEqual([2, 1, 0, 3]);
  });

  it('leaves nodes on or behind a cycle out of the order, at position -1, and finds the cycle', () => {
    const graph = new Graph(['t', 'x', 'y', 'z'], [edge('t', 'x'), edge('x', 'y'), edge('y', 'x'), edge('y', 'z')]);
    const { order, position } = graph.topologicalOrder();
    expect(order.map((n) => graph.ids[n])).toEqual(['t']);
    expect([...position]).toEqual([0, -1, -1, -1]);
    expect(graph.cycles(new Set(['x', 'y', 'z']))).toEqual([['x', 'y']]);
  });

  it('lists the nodes no path from the roots reaches, in node order', () => {
    const graph = new Graph(['t', 'a', 'b', 'c'], [edge('t', 'b'), edge('a', 'c')]);
    expect(graph.unreachableFrom(['t'])).toEqual(['a', 'c']);
    expect(graph.unreachableFrom(['t', 'a'])).toEqual([]);
  });

  it("keeps each node's edges in document order, both ways", () => {
    const graph = new Graph(['a', 'b', 'c'], [edge('a', 'c', 'e2'), edge('b', 'c', 'e1'), edge('a', 'b', 'e3')]);
    expect(graph.out.of(0).map((e) => e.id)).toEqual(['e2', 'e3']);
    expect(graph.in.of(2).map((e) => e.id)).toEqual(['e2', 'e1']);
    expect([...graph.in.ends.subarray(graph.in.start[2], graph.in.start[3])]).toEqual([0, 1]);
  });

  const randomDag = fc.integer({ min: 1, max: 30 }).chain((size) =>
    fc.array(fc.tuple(fc.nat(size - 1), fc.nat(size - 1)), { maxLength: size * 3 }).map((pairs) => ({
      // Ids that do not sort as the nodes are numbered.
      ids: Array.from({ length: size }, (_, i) => `n${(i * 7919) % 1009}`),
      edges: pairs.filter(([a, b]) => a < b).map(([a, b], k) => ({ a, b, k })),
    })),
  );

  it('agrees with a walk by ids on which candidates are ancestors, with and without positions', () => {
    fc.assert(
      fc.property(randomDag, fc.nat(), ({ ids, edges }, pick) => {
        const graph = new Graph(
          ids,
          edges.map(({ a, b, k }) => edge(ids[a]!, ids[b]!, `e${k}`)),
        );
        const node = ids[pick % ids.length]!;
        const candidates = new Set(ids.filter((_, i) => i % 3 === pick % 3 && ids[i] !== node));
        // Everything that reaches `node`, read off the edges by ids.
        const upstream = new Set<string>();
        const queue = [node];
        while (queue.length > 0) {
          const at = queue.pop()!;
          for (const { a, b } of edges)
            if (ids[b] === at && !upstream.has(ids[a]!)) {
              upstream.add(ids[a]!);
              queue.push(ids[a]!);
            }
        }
        const expected = [...candidates].filter((c) => upstream.has(c)).sort();
        const { position } = graph.topologicalOrder();
        expect([...graph.ancestorsAmong(node, candidates, position)].sort()).toEqual(expected);
        expect([...graph.ancestorsAmong(node, candidates)].sort()).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
