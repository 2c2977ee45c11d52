// The structural score: exact on identical documents, zero on disjoint ones, hand-worked partial cases, and
// properties (a document against itself, renamed ids, swapped roles).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxWeightAssignment } from './assignment.js';
import { scoreCase, type CaseScore } from './eval-score.js';

type Node = { id: string; type: string; name?: string; config?: Record<string, unknown> };
type Edge = { id: string; source: string; target: string; sourceHandle?: string };
const doc = (nodes: Node[], edges: Edge[]) => ({ nodes, edges });
const edge = (id: string, source: string, target: string, sourceHandle?: string): Edge => ({
  id,
  source,
  target,
  ...(sourceHandle ? { sourceHandle } : {}),
});
const figures = ({ matched: _matched, ...rest }: CaseScore) => rest;

// manual -> http -> if, whose true branch sets a field and whose false branch does nothing.
const branching = doc(
  [
    { id: 't', type: 'trigger.manual' },
    { id: 'h', type: 'http.request', config: { url: 'https://api.example.com/orders' } },
    { id: 'i', type: 'logic.if' },
    { id: 's', type: 'data.set' },
    { id: 'n', type: 'flow.noop' },
  ],
  [edge('1', 't', 'h'), edge('2', 'h', 'i'), edge('3', 'i', 's', 'true'), edge('4', 'i', 'n', 'false')],
);

describe('scoreCase', () => {
  it('scores a document against itself 1 everywhere, pairing each node with itself', () => {
    const score = scoreCase(branching, branching);
    expect(figures(score)).toEqual({ nodePrecision: 1, nodeRecall: 1, nodeF1: 1, edgePrecision: 1, edgeRecall: 1, edgeF1: 1 });
    expect(score.matched.map((m) => [m.reference, m.candidate])).toEqual(branching.nodes.map((n) => [n.id, n.id]));
  });

  it('scores 0 when no node type is shared', () => {
    const other = doc(
      [
        { id: 'w', type: 'trigger.webhook' },
        { id: 'p', type: 'code.python' },
      ],
      [edge('1', 'w', 'p')],
    );
    expect(figures(scoreCase(branching, other))).toEqual({
      nodePrecision: 0,
      nodeRecall: 0,
      nodeF1: 0,
      edgePrecision: 0,
      edgeRecall: 0,
      edgeF1: 0,
    });
  });

  it('scores 0 for no document and for garbage, without throwing', () => {
    for (const candidate of [undefined, null, 'a workflow', 42, { nodes: 'x' }, { nodes: [null, { id: 1 }], edges: [{}] }])
      expect(scoreCase(branching, candidate).nodeF1).toBe(0);
  });

  it('counts the IF branches by handle: swapped true and false keep the nodes and lose two edges', () => {
    // Nodes all match (5/5). Edges t->h and h->i are right; i.true->noop and i.false->set are not in the reference.
    const swapped = doc(branching.nodes, [
      edge('1', 't', 'h'),
      edge('2', 'h', 'i'),
      edge('3', 'i', 'n', 'true'),
      edge('4', 'i', 's', 'false'),
    ]);
    expect(figures(scoreCase(branching, swapped))).toEqual({
      nodePrecision: 1,
      nodeRecall: 1,
      nodeF1: 1,
      edgePrecision: 0.5,
      edgeRecall: 0.5,
      edgeF1: 0.5,
    });
  });

  it('scores an extra node in the middle by hand', () => {
    // Reference manual -> http -> set; candidate manual -> http -> code -> set.
    // Nodes: 3 matched of 4 predicted and 3 expected: P 3/4, R 1, F1 6/7.
    // Edges: only manual->http is right (http->code and code->set touch the unmatched code node): P 1/3, R 1/2, F1 2/5.
    const reference = doc(
      [
        { id: 't', type: 'trigger.manual' },
        { id: 'h', type: 'http.request' },
        { id: 's', type: 'data.set' },
      ],
      [edge('1', 't', 'h'), edge('2', 'h', 's')],
    );
    const candidate = doc(
      [
        { id: 'a', type: 'trigger.manual' },
        { id: 'b', type: 'http.request' },
        { id: 'c', type: 'code.javascript' },
        { id: 'd', type: 'data.set' },
      ],
      [edge('1', 'a', 'b'), edge('2', 'b', 'c'), edge('3', 'c', 'd')],
    );
    const score = scoreCase(reference, candidate);
    expect(score.nodePrecision).toBe(3 / 4);
    expect(score.nodeRecall).toBe(1);
    expect(score.nodeF1).toBeCloseTo(6 / 7, 12);
    expect(score.edgePrecision).toBe(1 / 3);
    expect(score.edgeRecall).toBe(1 / 2);
    expect(score.edgeF1).toBeCloseTo(2 / 5, 12);
  });

  it('pairs same-type nodes by where they sit, whatever their order in the document', () => {
    // Two HTTP nodes in a chain, listed in the other order in the candidate: the fetch (after the trigger) pairs
    // with the fetch, so every edge is right.
    const reference = doc(
      [
        { id: 't', type: 'trigger.schedule' },
        { id: 'fetch', type: 'http.request' },
        { id: 'post', type: 'http.request' },
      ],
      [edge('1', 't', 'fetch'), edge('2', 'fetch', 'post')],
    );
    const candidate = doc(
      [
        { id: 'start', type: 'trigger.schedule' },
        { id: 'b', type: 'http.request' },
        { id: 'a', type: 'http.request' },
      ],
      [edge('1', 'start', 'a'), edge('2', 'a', 'b')],
    );
    const score = scoreCase(reference, candidate);
    expect(score.matched.map((m) => [m.reference, m.candidate])).toEqual([
      ['t', 'start'],
      ['fetch', 'a'],
      ['post', 'b'],
    ]);
    expect(score.edgeF1).toBe(1);
  });

  it('pairs nodes that sit alike by their settings and names', () => {
    const reference = doc(
      [
        { id: 't', type: 'trigger.manual' },
        { id: 'orders', type: 'http.request', name: 'Fetch orders', config: { url: 'https://api.example.com/orders' } },
        { id: 'users', type: 'http.request', name: 'Fetch users', config: { url: 'https://api.example.com/users' } },
      ],
      [edge('1', 't', 'orders'), edge('2', 't', 'users')],
    );
    const candidate = doc(
      [
        { id: 't', type: 'trigger.manual' },
        { id: 'x', type: 'http.request', name: 'Get users', config: { url: 'https://api.example.com/users', method: 'GET' } },
        { id: 'y', type: 'http.request', name: 'Get orders', config: { url: 'https://api.example.com/orders', method: 'GET' } },
      ],
      [edge('1', 't', 'x'), edge('2', 't', 'y')],
    );
    expect(scoreCase(reference, candidate).matched.map((m) => [m.reference, m.candidate])).toEqual([
      ['t', 't'],
      ['orders', 'y'],
      ['users', 'x'],
    ]);
  });

  it('compares Switch branches by rule position, not by the key a model chose', () => {
    const switchDoc = (keys: [string, string]) =>
      doc(
        [
          { id: 't', type: 'trigger.webhook' },
          {
            id: 's',
            type: 'logic.switch',
            config: { rules: keys.map((key) => ({ key, conditions: [{ left: '{{ $json.p }}', operator: 'equals', right: key }] })) },
          },
          { id: 'a', type: 'http.request' },
          { id: 'b', type: 'flow.noop' },
          { id: 'c', type: 'data.set' },
        ],
        [edge('1', 't', 's'), edge('2', 's', 'a', keys[0]), edge('3', 's', 'b', keys[1]), edge('4', 's', 'c', 'default')],
      );
    expect(scoreCase(switchDoc(['urgent', 'high']), switchDoc(['p1', 'p2'])).edgeF1).toBe(1);
  });

  it('counts a repeated edge once and ignores edges to nodes that do not exist', () => {
    const candidate = doc(branching.nodes, [...branching.edges, edge('5', 't', 'h'), edge('6', 'h', 'ghost')]);
    expect(figures(scoreCase(branching, candidate))).toMatchObject({ edgePrecision: 1, edgeRecall: 1 });
  });

  it('treats two empty documents as equal', () => {
    expect(figures(scoreCase(doc([], []), doc([], [])))).toMatchObject({ nodeF1: 1, edgeF1: 1 });
  });
});

const TYPES = ['trigger.manual', 'http.request', 'logic.if', 'data.set', 'flow.noop'];
const HANDLES = ['out', 'true', 'false', 'error'];

/** Random documents: a few node types (so matching has choices), random edges, optional names and configs. */
const documents = fc
  .array(
    fc.record({
      type: fc.constantFrom(...TYPES),
      name: fc.option(fc.constantFrom('Fetch', 'Send', 'Check', 'Set'), { nil: undefined }),
      url: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .chain((specs) =>
    fc.array(fc.tuple(fc.nat(specs.length - 1), fc.nat(specs.length - 1), fc.constantFrom(...HANDLES)), { maxLength: 12 }).map((pairs) =>
      doc(
        specs.map((s, i) => ({
          id: `n${i}`,
          type: s.type,
          ...(s.name ? { name: s.name } : {}),
          ...(s.url ? { config: { url: s.url } } : {}),
        })),
        pairs.map(([from, to, handle], i) => edge(`e${i}`, `n${from}`, `n${to}`, handle)),
      ),
    ),
  );

/** Renames every node id (a bijection), keeping the order of nodes and edges. */
function renamed(d: ReturnType<typeof doc>, seed: number) {
  const name = (id: string) => `node_${(Number(id.slice(1)) * 7919 + seed) % 100_003}_${id}`;
  return doc(
    d.nodes.map((n) => ({ ...n, id: name(n.id) })),
    d.edges.map((e) => ({ ...e, source: name(e.source), target: name(e.target) })),
  );
}

describe('scoreCase properties', () => {
  it('scores any document against itself 1', () => {
    fc.assert(
      fc.property(documents, (d) => {
        const s = scoreCase(d, d);
        expect([s.nodeF1, s.edgeF1]).toEqual([1, 1]);
      }),
    );
  });

  it('gives the same figures whatever the node ids are called', () => {
    fc.assert(
      fc.property(documents, documents, fc.nat(1000), (reference, candidate, seed) => {
        const base = figures(scoreCase(reference, candidate));
        expect(figures(scoreCase(reference, renamed(candidate, seed)))).toEqual(base);
        expect(figures(scoreCase(renamed(reference, seed + 1), candidate))).toEqual(base);
      }),
    );
  });

  it('swaps precision and recall when reference and candidate swap roles; node F1 is unchanged', () => {
    fc.assert(
      fc.property(documents, documents, (a, b) => {
        const ab = scoreCase(a, b);
        const ba = scoreCase(b, a);
        expect(ba.nodePrecision).toBe(ab.nodeRecall);
        expect(ba.nodeRecall).toBe(ab.nodePrecision);
        expect(ba.nodeF1).toBeCloseTo(ab.nodeF1, 12);
      }),
    );
  });
});

describe('maxWeightAssignment', () => {
  it('finds the best total, not the greedy one', () => {
    // Greedy takes 0.9 (row 0 -> column 0) and is left with 0.1; the best pairs 0.8 + 0.8.
    expect(
      maxWeightAssignment([
        [0.9, 0.8],
        [0.8, 0.1],
      ]),
    ).toEqual([1, 0]);
  });

  it('pairs as many as possible when the sides differ in size', () => {
    expect(maxWeightAssignment([[0.1, 0.9, 0.5]])).toEqual([1]);
    expect(maxWeightAssignment([[0.2], [0.7], [0.4]])).toEqual([-1, 0, -1]);
    expect(maxWeightAssignment([])).toEqual([]);
    expect(maxWeightAssignment([[], []])).toEqual([-1, -1]);
  });

  it('matches a brute-force search on small matrices', () => {
    const best = (w: number[][]): number => {
      const go = (row: number, used: Set<number>): number => {
        if (row === w.length) return 0;
        let top = go(row + 1, used); // a row may stay unpaired only when columns run out; exact totals compare below
        (w[row] ?? []).forEach((x, c) => {
          if (!used.has(c)) top = Math.max(top, x + go(row + 1, new Set([...used, c])));
        });
        return top;
      };
      return go(0, new Set());
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((cols) =>
          fc.array(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: cols, maxLength: cols }), {
            minLength: 1,
            maxLength: 5,
          }),
        ),
        (w) => {
          const assignment = maxWeightAssignment(w);
          const total = assignment.reduce((sum, c, r) => sum + (c >= 0 ? (w[r]?.[c] ?? 0) : 0), 0);
          expect(total).toBeCloseTo(best(w), 9);
          expect(assignment.filter((c) => c >= 0).length).toBe(Math.min(w.length, w[0]?.length ?? 0));
        },
      ),
    );
  });
});
