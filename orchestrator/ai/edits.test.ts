// Edit operations: each op, each refusal code with the index of the operation that caused it, all-or-nothing,
// never in place, prototype-safe paths, and the documents they produce compiled by the real compiler and catalog.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import type { WorkflowDocument } from '../../compiler/document.js';
import { createNodeRegistry } from '../../nodes/registry.js';
import { formatConfigPath, parseConfigPath } from './config-path.js';
import { ordersDocument } from './fixtures.js';
import { applyEdits, EditListSchema, editListJsonSchema, type EditErrorCode, type EditOperation } from './edits.js';

const ctx = { catalog: createNodeRegistry().catalog, credentials: [] };

function applied(doc: WorkflowDocument, ops: EditOperation[]): WorkflowDocument {
  const result = applyEdits(doc, ops);
  if (!result.ok) throw new Error(`${result.code} at ${result.index}: ${result.message}`);
  return result.document;
}

describe('applyEdits', () => {
  it('the fixture compiles, and stays compiling through a typical edit', () => {
    const doc = ordersDocument();
    expect(compile(doc, ctx).errors).toEqual([]);
    const after = applied(doc, [
      {
        op: 'add_node',
        node: { id: 'notify', type: 'http.request', name: 'Notify Slack', config: { url: 'https://hooks.slack.com/x', method: 'POST' } },
        after: 'big',
      },
      { op: 'set_config', nodeId: 'filter', path: 'conditions[0].right', value: 500 },
      { op: 'rename', nodeId: 'big', name: 'Mark big' },
    ]);
    expect(compile(after, ctx).errors).toEqual([]);
    expect(after.nodes.find((n) => n.id === 'filter')?.config).toEqual({
      conditions: [{ left: '{{ $json.body.total }}', operator: 'gt', right: 500 }],
    });
    expect(after.edges.at(-1)).toEqual({ id: 'big->notify', source: 'big', sourceHandle: 'out', target: 'notify', targetHandle: 'in' });
    expect(after.nodes.find((n) => n.id === 'big')?.name).toBe('Mark big');
  });

  it('add_node without after adds an unconnected node; with afterHandle connects from that output', () => {
    const after = applied(ordersDocument(), [
      { op: 'add_node', node: { id: 'lonely', type: 'flow.noop' } },
      { op: 'add_node', node: { id: 'small', type: 'flow.noop' }, after: 'filter', afterHandle: 'false' },
    ]);
    expect(after.nodes.find((n) => n.id === 'lonely')).toEqual({ id: 'lonely', type: 'flow.noop', config: {} });
    expect(after.edges.filter((e) => e.target === 'lonely')).toEqual([]);
    expect(after.edges.find((e) => e.target === 'small')).toMatchObject({ source: 'filter', sourceHandle: 'false' });
  });

  it('a node added after a loop body node, or after the loop item output, joins the body', () => {
    const doc = ordersDocument();
    doc.nodes.push(
      { id: 'loop', type: 'flow.for_each', config: { items: '{{ $json.body }}' } },
      { id: 'step', type: 'flow.noop', config: {}, parent: 'loop' },
    );
    const after = applied(doc, [
      { op: 'add_node', node: { id: 'next', type: 'flow.noop' }, after: 'step' },
      { op: 'add_node', node: { id: 'entry', type: 'flow.noop' }, after: 'loop', afterHandle: 'item' },
      { op: 'add_node', node: { id: 'done', type: 'flow.noop' }, after: 'loop', afterHandle: 'done' },
    ]);
    const parent = (id: string) => after.nodes.find((n) => n.id === id)?.parent;
    expect([parent('next'), parent('entry'), parent('done')]).toEqual(['loop', 'loop', undefined]);
  });

  it('remove_node removes its connections', () => {
    const after = applied(ordersDocument(), [{ op: 'remove_node', nodeId: 'filter' }]);
    expect(after.nodes.map((n) => n.id)).toEqual(['start', 'fetch', 'big']);
    expect(after.edges.map((e) => e.id)).toEqual(['e1']);
  });

  it('connect and disconnect, with and without handles', () => {
    const connected = applied(ordersDocument(), [{ op: 'connect', source: 'filter', target: 'big', sourceHandle: 'false' }]);
    expect(connected.edges.at(-1)).toEqual({
      id: 'filter->big',
      source: 'filter',
      sourceHandle: 'false',
      target: 'big',
      targetHandle: 'in',
    });
    const oneGone = applied(connected, [{ op: 'disconnect', source: 'filter', target: 'big', sourceHandle: 'true' }]);
    expect(oneGone.edges.filter((e) => e.source === 'filter').map((e) => e.sourceHandle)).toEqual(['false']);
    const bothGone = applied(connected, [{ op: 'disconnect', source: 'filter', target: 'big' }]);
    expect(bothGone.edges.filter((e) => e.source === 'filter')).toEqual([]);
  });

  it('edge ids are deterministic and never collide with existing ones', () => {
    const doc = ordersDocument();
    doc.edges.push({ id: 'filter->big', source: 'x', sourceHandle: 'out', target: 'y', targetHandle: 'in' });
    const ops: EditOperation[] = [
      { op: 'connect', source: 'filter', target: 'big', sourceHandle: 'false' },
      { op: 'connect', source: 'filter', target: 'big', targetHandle: 'other' },
    ];
    const a = applied(doc, ops);
    expect(a.edges.slice(-2).map((e) => e.id)).toEqual(['filter->big#2', 'filter->big#3']);
    expect(applied(doc, ops)).toEqual(a);
    const long = 'n'.repeat(100);
    const b = applied(ordersDocument(), [
      { op: 'add_node', node: { id: long, type: 'flow.noop' }, after: 'big' },
      { op: 'add_node', node: { id: `${long}2`, type: 'flow.noop' }, after: long },
      { op: 'add_node', node: { id: `${long}3`, type: 'flow.noop' }, after: long },
    ]);
    expect(b.edges.slice(-3).map((e) => e.id)).toEqual([`big->${long}`, 'edge', 'edge#2']);
  });

  it('never mutates its input, and refuses everything when one operation fails', () => {
    const doc = ordersDocument();
    const copy = structuredClone(doc);
    const result = applyEdits(doc, [
      { op: 'set_config', nodeId: 'fetch', path: 'url', value: 'https://other.example.com' },
      { op: 'remove_node', nodeId: 'start' },
      { op: 'rename', nodeId: 'ghost', name: 'x' },
    ]);
    expect(result).toEqual({ ok: false, index: 2, code: 'EDIT_UNKNOWN_NODE', message: 'There is no node "ghost"' });
    expect(doc).toEqual(copy);
    applied(doc, [{ op: 'set_config', nodeId: 'fetch', path: 'headers.Accept', value: 'application/json' }]);
    expect(doc).toEqual(copy);
  });

  const refusals: [string, EditOperation[], EditErrorCode, number][] = [
    ['unknown node in remove', [{ op: 'remove_node', nodeId: 'nope' }], 'EDIT_UNKNOWN_NODE', 0],
    ['unknown after', [{ op: 'add_node', node: { id: 'n', type: 'flow.noop' }, after: 'nope' }], 'EDIT_UNKNOWN_NODE', 0],
    ['unknown connect target', [{ op: 'connect', source: 'start', target: 'nope' }], 'EDIT_UNKNOWN_NODE', 0],
    [
      'node removed earlier in the list',
      [
        { op: 'remove_node', nodeId: 'big' },
        { op: 'rename', nodeId: 'big', name: 'B' },
      ],
      'EDIT_UNKNOWN_NODE',
      1,
    ],
    ['duplicate id', [{ op: 'add_node', node: { id: 'fetch', type: 'flow.noop' } }], 'EDIT_DUPLICATE_ID', 0],
    ['existing edge', [{ op: 'connect', source: 'start', target: 'fetch' }], 'EDIT_EDGE_EXISTS', 0],
    ['missing edge', [{ op: 'disconnect', source: 'start', target: 'big' }], 'EDIT_NO_SUCH_EDGE', 0],
    ['missing edge on that handle', [{ op: 'disconnect', source: 'filter', target: 'big', sourceHandle: 'false' }], 'EDIT_NO_SUCH_EDGE', 0],
    ['malformed path', [{ op: 'set_config', nodeId: 'fetch', path: 'a..b', value: 1 }], 'EDIT_BAD_PATH', 0],
    ['__proto__ path', [{ op: 'set_config', nodeId: 'fetch', path: '__proto__.polluted', value: 1 }], 'EDIT_BAD_PATH', 0],
    [
      'constructor.prototype path',
      [{ op: 'set_config', nodeId: 'fetch', path: 'x.constructor.prototype.polluted', value: 1 }],
      'EDIT_BAD_PATH',
      0,
    ],
    ['quoted __proto__', [{ op: 'set_config', nodeId: 'fetch', path: 'a["__proto__"]', value: 1 }], 'EDIT_BAD_PATH', 0],
    [
      'a path too deep',
      [{ op: 'set_config', nodeId: 'fetch', path: Array.from({ length: 33 }, () => 'a').join('.'), value: 1 }],
      'EDIT_BAD_PATH',
      0,
    ],
    ['through a string', [{ op: 'set_config', nodeId: 'fetch', path: 'url.host', value: 1 }], 'EDIT_BAD_PATH', 0],
    ['index into an object', [{ op: 'set_config', nodeId: 'filter', path: 'conditions[0][1]', value: 1 }], 'EDIT_BAD_PATH', 0],
    ['key into a list', [{ op: 'set_config', nodeId: 'filter', path: 'conditions.first', value: 1 }], 'EDIT_BAD_PATH', 0],
    ['a hole in a list', [{ op: 'set_config', nodeId: 'filter', path: 'conditions[5]', value: 1 }], 'EDIT_BAD_PATH', 0],
    [
      'a value carrying __proto__',
      [{ op: 'set_config', nodeId: 'fetch', path: 'body', value: JSON.parse('{"a":{"__proto__":{"x":1}}}') }],
      'EDIT_BAD_VALUE',
      0,
    ],
    [
      'a config carrying constructor',
      [{ op: 'add_node', node: { id: 'n', type: 'flow.noop', config: { constructor: 1 } } }],
      'EDIT_BAD_VALUE',
      0,
    ],
    ['a huge value', [{ op: 'set_config', nodeId: 'fetch', path: 'body', value: 'x'.repeat(200_000) }], 'EDIT_BAD_VALUE', 0],
    [
      'a deep value',
      [{ op: 'set_config', nodeId: 'fetch', path: 'body', value: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) }],
      'EDIT_BAD_VALUE',
      0,
    ],
    ['an unknown op', [{ op: 'explode' } as unknown as EditOperation], 'EDIT_INVALID', 0],
    ['an extra field', [{ op: 'rename', nodeId: 'big', name: 'B', extra: 1 } as unknown as EditOperation], 'EDIT_INVALID', 0],
  ];
  it.each(refusals)('refuses %s', (_what, ops, code, index) => {
    const result = applyEdits(ordersDocument(), ops);
    expect(result).toMatchObject({ ok: false, code, index });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses more than 100 operations', () => {
    const ops = Array.from({ length: 101 }, (_, i): EditOperation => ({ op: 'add_node', node: { id: `n${i}`, type: 'flow.noop' } }));
    expect(applyEdits(ordersDocument(), ops)).toMatchObject({ ok: false, code: 'EDIT_TOO_MANY' });
    expect(EditListSchema.safeParse(ops).success).toBe(false);
  });

  it('set_config creates missing objects and lists on the way, and may append', () => {
    const after = applied(ordersDocument(), [
      { op: 'set_config', nodeId: 'fetch', path: 'headers["X-Trace"]', value: 'on' },
      { op: 'set_config', nodeId: 'fetch', path: 'body.items[0].sku', value: 'A1' },
      { op: 'set_config', nodeId: 'filter', path: 'conditions[1]', value: { left: 1, operator: 'exists' } },
    ]);
    expect(after.nodes[1]!.config).toEqual({
      url: 'https://api.example.com/orders',
      headers: { 'X-Trace': 'on' },
      body: { items: [{ sku: 'A1' }] },
    });
    expect((after.nodes[2]!.config.conditions as unknown[]).length).toBe(2);
  });

  it('never throws, never mutates, and keeps ids unique, whatever the operations', () => {
    const ids = fc.constantFrom('start', 'fetch', 'filter', 'big', 'new1', 'new2', '__proto__');
    const op: fc.Arbitrary<EditOperation> = fc.oneof(
      fc.record({ op: fc.constant('add_node' as const), node: fc.record({ id: ids, type: fc.constant('flow.noop') }), after: ids }),
      fc.record({ op: fc.constant('remove_node' as const), nodeId: ids }),
      fc.record({
        op: fc.constant('set_config' as const),
        nodeId: ids,
        path: fc.constantFrom('a', 'a.b', 'a[0]', 'url', '__proto__.x', 'x[1]'),
        value: fc.jsonValue(),
      }),
      fc.record({ op: fc.constant('connect' as const), source: ids, target: ids, sourceHandle: fc.constantFrom('out', 'true') }),
      fc.record({ op: fc.constant('disconnect' as const), source: ids, target: ids }),
      fc.record({ op: fc.constant('rename' as const), nodeId: ids, name: fc.string({ minLength: 1 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        const doc = ordersDocument();
        const result = applyEdits(doc, ops);
        expect(doc).toEqual(ordersDocument());
        if (!result.ok) return;
        const nodeIds = result.document.nodes.map((n) => n.id);
        const edgeIds = result.document.edges.map((e) => e.id);
        expect(new Set(nodeIds).size).toBe(nodeIds.length);
        expect(new Set(edgeIds).size).toBe(edgeIds.length);
        for (const e of result.document.edges) expect(nodeIds).toEqual(expect.arrayContaining([e.source, e.target]));
      }),
      { numRuns: 300 },
    );
  });
});

describe('config paths', () => {
  it('parse and format round-trip', () => {
    for (const text of ['url', 'conditions[0].right', 'headers.X-Api-Key', 'headers["Content Type"]', 'a[12][3].b', 'rules["a\\"b"]']) {
      const parsed = parseConfigPath(text);
      expect(parsed.ok, text).toBe(true);
      if (parsed.ok) expect(formatConfigPath(parsed.path)).toBe(text);
    }
    expect(parseConfigPath('conditions[0].right')).toEqual({ ok: true, path: ['conditions', 0, 'right'] });
    for (const bad of ['', '.a', 'a.', 'a[', 'a[01]', 'a[-1]', 'a["x"', 'a b', '[0]', 'x'.repeat(501)])
      expect(parseConfigPath(bad).ok, bad).toBe(false);
  });
});

describe('editListJsonSchema', () => {
  it('describes every operation', () => {
    const schema = editListJsonSchema() as {
      type: string;
      maxItems: number;
      items: { oneOf: { properties: { op: { const: string } } }[] };
    };
    expect(schema.type).toBe('array');
    expect(schema.maxItems).toBe(100);
    expect(schema.items.oneOf.map((s) => s.properties.op.const)).toEqual([
      'add_node',
      'remove_node',
      'set_config',
      'connect',
      'disconnect',
      'rename',
    ]);
  });
});
