// The diff a person reads: computed from the two documents, one sentence per change, in a fixed order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeChanges } from './change-description.js';
import { applyEdits, type EditOperation } from './edits.js';
import { ordersDocument } from './fixtures.js';

function edited(ops: EditOperation[]) {
  const result = applyEdits(ordersDocument(), ops);
  if (!result.ok) throw new Error(result.message);
  return result.document;
}

describe('describeChanges', () => {
  it('says nothing when nothing changed, positions included', () => {
    const after = ordersDocument();
    after.nodes[0]!.position = { x: 10, y: 20 };
    expect(describeChanges(ordersDocument(), after)).toEqual([]);
  });

  it('the issue example: a node added after another, and a config value changed', () => {
    const after = edited([
      {
        op: 'add_node',
        node: { id: 'notify', type: 'http.request', name: 'Notify Slack', config: { url: 'https://hooks.slack.com/x' } },
        after: 'fetch',
      },
      { op: 'set_config', nodeId: 'filter', path: 'conditions[0].right', value: 500 },
    ]);
    expect(describeChanges(ordersDocument(), after)).toEqual([
      "adds node 'Notify Slack' after 'Fetch orders'",
      "changes 'Filter'.conditions[0].right from 100 to 500",
    ]);
  });

  it('every kind of change, in order: removals, additions, node changes, disconnections, connections', () => {
    const after = edited([
      { op: 'connect', source: 'filter', target: 'big', sourceHandle: 'false' },
      { op: 'rename', nodeId: 'fetch', name: 'Load orders' },
      { op: 'remove_node', nodeId: 'start' },
      { op: 'add_node', node: { id: 'go', type: 'trigger.manual' } },
      { op: 'connect', source: 'go', target: 'fetch' },
      { op: 'add_node', node: { id: 'log', type: 'flow.noop', name: 'Log' }, after: 'filter', afterHandle: 'true' },
      { op: 'connect', source: 'log', target: 'big' },
      { op: 'disconnect', source: 'filter', target: 'big', sourceHandle: 'true' },
      { op: 'set_config', nodeId: 'fetch', path: 'headers.Accept', value: 'application/json' },
      { op: 'set_config', nodeId: 'big', path: 'assignments', value: [] },
    ]);
    after.nodes.find((n) => n.id === 'fetch')!.onError = 'continue';
    after.nodes.find((n) => n.id === 'go')!.config = {};
    expect(describeChanges(ordersDocument(), after)).toEqual([
      "removes node 'Start'",
      "adds node 'go'",
      "adds node 'Log' after 'Filter' (true)",
      "renames 'Fetch orders' to 'Load orders'",
      `sets 'Load orders'.headers to {"Accept":"application/json"}`,
      'sets the onError of \'Load orders\' to "continue"',
      "removes 'big'.assignments[0]",
      "disconnects 'Filter' (true) from 'big'",
      "connects 'Filter' (false) to 'big'",
      "connects 'go' to 'Load orders'",
      "connects 'Log' to 'big'",
    ]);
  });

  it('config leaves added, removed and changed, values shortened, a type, the workflow; nodes in document order', () => {
    const before = ordersDocument();
    before.nodes[1]!.config = { url: 'https://a.example.com', method: 'GET', query: { a: '1' } };
    const after = ordersDocument();
    after.nodes[1]!.config = { url: 'https://b.example.com', query: { b: '2' }, body: 'x'.repeat(100) };
    after.nodes[3]!.type = 'flow.noop';
    after.name = 'Orders v2';
    after.settings = { allowedHosts: ['b.example.com'] };
    expect(describeChanges(before, after)).toEqual([
      `changes 'Fetch orders'.url from "https://a.example.com" to "https://b.example.com"`,
      `removes 'Fetch orders'.method`,
      `removes 'Fetch orders'.query.a`,
      `sets 'Fetch orders'.query.b to "2"`,
      `sets 'Fetch orders'.body to "${'x'.repeat(58)}…`,
      `changes the type of 'big' from data.set to flow.noop`,
      `renames the workflow from 'Orders' to 'Orders v2'`,
      `sets settings.allowedHosts to ["b.example.com"]`,
    ]);
  });

  it('sums up a node rewritten wholesale in at most ten sentences', () => {
    const before = ordersDocument();
    before.nodes[1]!.config = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    const after = ordersDocument();
    after.nodes[1]!.config = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i + 1]));
    const sentences = describeChanges(before, after);
    expect(sentences).toHaveLength(10);
    expect(sentences.at(-1)).toBe("and makes 11 more changes to 'Fetch orders'");
  });

  it('says something exactly when an edit changed the document', () => {
    const meaning = (d: ReturnType<typeof ordersDocument>) => ({
      ...d,
      edges: d.edges.map((e) => `${e.source}:${e.sourceHandle ?? 'out'}>${e.target}:${e.targetHandle ?? 'in'}`).sort(),
    });
    const ids = fc.constantFrom('start', 'fetch', 'filter', 'big', 'new1');
    const op: fc.Arbitrary<EditOperation> = fc.oneof(
      fc.record({ op: fc.constant('add_node' as const), node: fc.record({ id: ids, type: fc.constant('flow.noop') }), after: ids }),
      fc.record({ op: fc.constant('remove_node' as const), nodeId: ids }),
      fc.record({
        op: fc.constant('set_config' as const),
        nodeId: ids,
        path: fc.constantFrom('url', 'a.b', 'conditions[0].right'),
        value: fc.jsonValue({ maxDepth: 2 }),
      }),
      fc.record({ op: fc.constant('connect' as const), source: ids, target: ids }),
      fc.record({ op: fc.constant('disconnect' as const), source: ids, target: ids }),
      fc.record({ op: fc.constant('rename' as const), nodeId: ids, name: fc.constantFrom('Start', 'Other', 'big') }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 6 }), (ops) => {
        const result = applyEdits(ordersDocument(), ops);
        if (!result.ok) return;
        const sentences = describeChanges(ordersDocument(), result.document);
        // An edge removed and added again comes back under a new id (and last): the same connection, no change.
        expect(sentences.length > 0, JSON.stringify(ops)).toBe(
          JSON.stringify(meaning(result.document)) !== JSON.stringify(meaning(ordersDocument())),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('key order does not count as a change, and the result is deterministic', () => {
    const before = ordersDocument();
    before.nodes[1]!.retry = { maxAttempts: 3, initialIntervalMs: 100 };
    const after = ordersDocument();
    after.nodes[1]!.retry = { initialIntervalMs: 100, maxAttempts: 3 };
    expect(describeChanges(before, after)).toEqual([]);
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const x = ordersDocument();
        const y = ordersDocument();
        x.nodes[1]!.config = { v: a };
        y.nodes[1]!.config = { v: b };
        const once = describeChanges(x, y);
        expect(describeChanges(x, y)).toEqual(once);
        if (JSON.stringify(a) === JSON.stringify(b)) expect(once).toEqual([]);
      }),
    );
  });
});
