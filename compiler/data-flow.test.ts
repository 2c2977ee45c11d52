// Typed data flow over the real node types: shapes propagate in topological order, expressions are read against
// them, and what only follows from another error is not reported on its own.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../nodes/registry.js';
import { compile } from './compile.js';
import type { Diagnostic } from './diagnostics.js';
import { MAX_ALTERNATIVES, union, type Shape } from './shapes.js';

const ctx = { catalog: createNodeRegistry().catalog, credentials: [] };
const find = (list: Diagnostic[], code: string) => list.filter((d) => d.code === code);

/** A manual trigger whose input is {name: string, count: number} and nothing else, then the given nodes in a chain. */
function chain(...nodes: Record<string, unknown>[]) {
  const all = [
    {
      id: 'start',
      type: 'trigger.manual',
      config: {
        inputSchema: { type: 'object', properties: { name: { type: 'string' }, count: { type: 'number' } }, additionalProperties: false },
      },
    },
    ...nodes,
  ];
  return { nodes: all, edges: all.slice(1).map((n, i) => ({ id: `e${i}`, source: all[i]!.id as string, target: n.id as string })) };
}
const set = (id: string, assignments: Record<string, unknown>, keepInput = true) => ({
  id,
  type: 'data.set',
  config: { assignments: Object.entries(assignments).map(([name, value]) => ({ name, value })), keepInput },
});
const http = (id: string, config: Record<string, unknown> = {}) => ({
  id,
  type: 'http.request',
  config: { url: 'https://api.example.com', ...config },
});

describe('expressions read against upstream shapes', () => {
  it('UNKNOWN_VARIABLE for a misspelt variable, with the suggestion, as an error', () => {
    const result = compile(chain(set('a', { x: '{{ $jsno.name }}' })), ctx);
    expect(find(result.errors, 'UNKNOWN_VARIABLE')).toEqual([
      expect.objectContaining({
        nodeId: 'a',
        path: ['nodes', 1, 'config', 'assignments', 0, 'value'],
        details: expect.objectContaining({ variable: 'jsno', suggestion: '$json' }),
      }),
    ]);
    expect(result.ok).toBe(false);
  });

  it('variables the expression binds itself, and $ and $$, are known', () => {
    const expr =
      '{{ ($t := $json.count; $map([1, 2], function($v, $i) { $v * $t + $i }) ~> $sum()) + $count($$) + $json.name.$length($) }}';
    const result = compile(chain(set('a', { x: expr }), set('b', { y: '{{ $json.items@$it.($it) }}' })), ctx);
    expect(result.errors).toEqual([]);
  });

  it('UNKNOWN_FIELD for a field an upstream output cannot have, with the closest name; a warning, the plan is built', () => {
    const result = compile(chain(http('fetch'), set('a', { x: '{{ $node.fetch.bdy }}', y: '{{ $json.stauts }}' })), ctx);
    expect(find(result.warnings, 'UNKNOWN_FIELD')).toEqual([
      expect.objectContaining({ nodeId: 'a', details: expect.objectContaining({ path: '$node.fetch.bdy', suggestion: 'body' }) }),
      expect.objectContaining({ nodeId: 'a', details: expect.objectContaining({ path: '$json.stauts', suggestion: 'status' }) }),
    ]);
    expect(result.warnings[0]?.message).toContain('did you mean `body`?');
    expect(result.ok).toBe(true);
  });

  it('fields of an open or unknown shape are never refused', () => {
    // The HTTP body is the remote API's (unknown); a trigger without a schema passes anything on.
    const result = compile(
      {
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          http('fetch', { url: 'https://x.example/{{ $json.any.thing }}' }),
          set('a', { x: '{{ $node.fetch.body.deep.field }}' }),
        ],
        edges: [
          { id: 'e1', source: 'start', target: 'fetch' },
          { id: 'e2', source: 'fetch', target: 'a' },
        ],
      },
      ctx,
    );
    expect(result).toMatchObject({ ok: true, errors: [], warnings: [] });
  });

  it('a field of a list reads each item; an unknown field there warns too', () => {
    const doc = chain(
      {
        id: 'ask',
        type: 'human.question',
        config: {
          question: 'Which?',
          form: {
            type: 'object',
            properties: {
              lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } }, additionalProperties: false } },
            },
          },
        },
      },
      set('a', { skus: '{{ $json.answer.lines.sku }}', bad: '{{ $json.answer.lines.skew }}' }),
    );
    expect(find(compile(doc, ctx).warnings, 'UNKNOWN_FIELD').map((d) => d.details?.path)).toEqual(['$json.answer.lines.skew']);
  });

  it('BAD_EXPRESSION for an unknown function and for a wrong number of arguments, counting ~> and the context', () => {
    const result = compile(
      chain(
        set('a', {
          u: '{{ $uppercas($json.name) }}',
          s: '{{ $substring() }}',
          ok: '{{ $json.name ~> $substring(1) }}',
          ctxt: '{{ $json.name.$uppercase() }}',
        }),
      ),
      ctx,
    );
    expect(find(result.errors, 'BAD_EXPRESSION').map((d) => [d.details?.function, d.details?.suggestion])).toEqual([
      ['uppercas', '$uppercase'],
      ['substring', undefined],
    ]);
  });

  it('TYPE_MISMATCH when a field is given an expression whose type cannot fit, with both types', () => {
    const result = compile(
      chain(
        http('fetch', { timeoutMs: '{{ $json.name }}', url: '{{ {"a": 1} }}' }),
        http('ok', { timeoutMs: '{{ $json.status * 1000 }}' }),
      ),
      ctx,
    );
    expect(find(result.errors, 'TYPE_MISMATCH')).toEqual([
      expect.objectContaining({
        nodeId: 'fetch',
        path: ['nodes', 1, 'config', 'url'],
        details: { expected: 'string', actual: ['object'] },
      }),
      expect.objectContaining({
        nodeId: 'fetch',
        path: ['nodes', 1, 'config', 'timeoutMs'],
        details: { expected: 'number', actual: ['string'] },
      }),
    ]);
  });

  it('$vars is checked against the workflow variables; $run has id, workflowId and startedAt', () => {
    const doc = {
      ...chain(set('a', { v: '{{ $vars.region }}', w: '{{ $vars.regoin }}', r: '{{ $run.id & $run.startedt }}' })),
      settings: { variables: { region: 'eu' } },
    };
    expect(find(compile(doc, ctx).warnings, 'UNKNOWN_FIELD').map((d) => [d.details?.path, d.details?.suggestion])).toEqual([
      ['$vars.regoin', 'region'],
      ['$run.startedt', 'startedAt'],
    ]);
  });

  it('a node that fails and goes on may output its error: reading it is no unknown field', () => {
    const fetch = { ...http('fetch'), onError: 'continue' };
    const result = compile(chain(fetch, set('a', { code: '{{ $json.error.code }}', status: '{{ $node.fetch.status }}' })), ctx);
    expect(result.warnings).toEqual([]);
  });
});

describe('shapes', () => {
  it('are recorded per node (input and output), interned, also when the document has errors', () => {
    const result = compile(
      chain(http('fetch'), set('a', { n: '{{ $json.status + 1 }}' }, false), { id: 'pass', type: 'flow.noop' }, { id: 'x', type: 'nope' }),
      ctx,
    );
    const table = result.shapes!;
    const shapeOf = (id: string, which: 'input' | 'output') => table.shapes[table.nodes[id]![which]!];
    expect(shapeOf('fetch', 'output')).toMatchObject({ properties: { status: { type: 'integer' } }, additionalProperties: false });
    expect(shapeOf('a', 'output')).toEqual({ type: 'object', properties: { n: { type: 'number' } }, additionalProperties: false });
    // A pass-through node's output is its input: one entry.
    expect(table.nodes.pass).toEqual({ input: table.nodes.a!.output, output: table.nodes.a!.output });
    expect(result.ok).toBe(false);
  });

  it('data.set without keepInput builds exactly its fields; logic.merge by source keys its sources', () => {
    const doc = chain(set('a', { 'customer.city': 'Berlin', n: 1 }, false));
    doc.nodes.push(
      { id: 'm', type: 'logic.merge', config: { mode: 'bySource' } } as never,
      set('b', { c: '{{ $json.a.customer.city }}', d: '{{ $json.a.customer.zip }}' }) as never,
    );
    doc.edges.push({ id: 'm1', source: 'a', target: 'm' }, { id: 'm2', source: 'm', target: 'b' });
    expect(find(compile(doc, ctx).warnings, 'UNKNOWN_FIELD').map((d) => d.details?.path)).toEqual(['$json.a.customer.zip']);
  });

  it('a union past its bound is unknown, so merges of merges stay small', () => {
    const many: Shape[] = Array.from({ length: MAX_ALTERNATIVES + 1 }, (_, i) => ({ type: 'object', properties: { [`f${i}`]: {} } }));
    expect(union(many.slice(0, MAX_ALTERNATIVES))?.anyOf).toHaveLength(MAX_ALTERNATIVES);
    expect(union(many)).toBeUndefined();
    expect(union([union(many.slice(0, 2)), union(many.slice(1, 3))])?.anyOf).toHaveLength(3);
  });

  it('a hostile JSON Schema (deep nesting, huge property lists) is read within bounds', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 1_000; i++) deep = { type: 'object', properties: { a: deep }, additionalProperties: false };
    const wide = {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`p${i}`, { type: 'string' }])),
    };
    const doc = chain(set('a', { x: `{{ $json${'.a'.repeat(200)}.b }}` }));
    (doc.nodes[0]!.config as Record<string, unknown>).inputSchema = deep;
    const started = performance.now();
    expect(() => compile(doc, ctx)).not.toThrow();
    (doc.nodes[0]!.config as Record<string, unknown>).inputSchema = wide;
    expect(compile(doc, ctx).warnings.map((d) => d.code)).toEqual(['UNKNOWN_FIELD']);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('hostile expressions', () => {
  it('deep nesting and long chains of calls and paths are read within bounds, never overflowing the stack', () => {
    const deepArray = `{{ ${'['.repeat(300)}$json.name${']'.repeat(300)} }}`;
    const deepCalls = `{{ ${'$not('.repeat(300)}$json.nme${')'.repeat(300)} }}`;
    const longPath = `{{ $json${'.a'.repeat(5_000)} }}`;
    const manyCalls = `{{ ${Array.from({ length: 2_000 }, (_, i) => `$uppercase($json.name${i})`).join(' & ')} }}`;
    const started = performance.now();
    for (const value of [deepArray, deepCalls, longPath, manyCalls]) {
      const result = compile(chain(set('a', { x: value })), ctx);
      expect(result.errors.filter((d) => d.code !== 'BAD_EXPRESSION')).toEqual([]);
    }
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('cascades', () => {
  it('a node cut off by a refused edge is not reported as an orphan, nor its output as unused', () => {
    const doc = chain(
      { id: 'if', type: 'logic.if', config: { conditions: [{ left: 1, operator: 'gt', right: 3 }] } },
      { id: 'after', type: 'flow.noop' },
    );
    doc.nodes.push({ id: 'other', type: 'flow.noop' });
    doc.edges[1] = { id: 'e1', source: 'if', sourceHandle: 'true', target: 'after', targetHandle: 'inn' } as never;
    doc.edges.push({ id: 'e2', source: 'if', sourceHandle: 'false', target: 'other' } as never);
    const result = compile(doc, ctx);
    expect(result.errors.map((d) => d.code)).toEqual(['UNKNOWN_HANDLE']);
    expect(result.warnings).toEqual([]);
  });

  it('nodes behind a node with its own error are not orphans, and do not read its shape', () => {
    const doc = chain({ id: 'x', type: 'data.nope' }, set('a', { v: '{{ $node.x.whatever }}' }));
    expect(compile(doc, ctx).errors.map((d) => d.code)).toEqual(['UNKNOWN_NODE_TYPE']);
  });

  it('a reference upstream only through a refused edge is not NOT_UPSTREAM', () => {
    const doc = chain(http('fetch'), set('a', { v: '{{ $node.fetch.status }}' }));
    doc.edges[1] = { id: 'e1', source: 'fetch', sourceHandle: 'nope', target: 'a' } as never;
    expect(compile(doc, ctx).errors.map((d) => d.code)).toEqual(['UNKNOWN_HANDLE']);
  });
});

describe('properties', () => {
  const names = fc.constantFrom('alpha', 'beta', 'gamma', 'delta', 'status', 'total');
  /** A random DAG of data.set nodes over a closed trigger input; each reads only fields its upstream nodes assign. */
  const flow = fc.integer({ min: 1, max: 12 }).chain((size) =>
    fc.tuple(
      fc.array(fc.tuple(fc.nat(), fc.uniqueArray(names, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.nat(), fc.nat()), {
        minLength: size,
        maxLength: size,
      }),
    ),
  );

  it('a document whose expressions only use fields present upstream never gets UNKNOWN_FIELD', () => {
    fc.assert(
      fc.property(flow, ([specs]) => {
        const assigned: string[][] = [[]];
        const nodes: Record<string, unknown>[] = [];
        const edges: { id: string; source: string; target: string }[] = [];
        const own: string[][] = [[]];
        specs.forEach(([parentSeed, fields, keepInput, readSeed, fieldSeed], i) => {
          const n = i + 1;
          const parent = parentSeed % n;
          // Read a field of an ancestor on the chain of parents (its $node output), and one of the parent's ($json).
          const ancestors: number[] = [];
          for (let a = parent; a > 0; a = Number((nodes[a - 1] as { parent: number }).parent)) ancestors.push(a);
          const reads: Record<string, string> = {};
          const from = ancestors.length > 0 ? ancestors[readSeed % ancestors.length]! : undefined;
          if (from !== undefined) reads.r1 = `{{ $node.n${from}.${own[from]![fieldSeed % own[from]!.length]} }}`;
          const visible = assigned[parent]!;
          if (visible.length > 0) reads.r2 = `{{ $json.${visible[readSeed % visible.length]} }}`;
          const values = Object.fromEntries(fields.map((f) => [f, f.length]));
          nodes.push({ ...set(`n${n}`, { ...values, ...reads }, keepInput), parent });
          own.push([...fields, ...Object.keys(reads)]);
          assigned.push([...(keepInput ? visible : []), ...fields, ...Object.keys(reads)]);
          edges.push({ id: `e${n}`, source: parent === 0 ? 'start' : `n${parent}`, target: `n${n}` });
        });
        const doc = {
          nodes: [
            {
              id: 'start',
              type: 'trigger.manual',
              config: { inputSchema: { type: 'object', properties: {}, additionalProperties: false } },
            },
            ...nodes.map(({ parent: _p, ...n }) => n),
          ],
          edges,
        };
        const result = compile(doc, ctx);
        expect(result.errors).toEqual([]);
        expect(find(result.warnings, 'UNKNOWN_FIELD')).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('renaming a field in a data.set makes every downstream reader of the old name warn', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 15 }), fc.array(fc.boolean(), { minLength: 15, maxLength: 15 }), (length, byNode) => {
        const build = (name: string) => {
          const readers: string[] = [];
          const nodes = [set('source', { [name]: 1 })];
          for (let i = 0; i < length; i++) {
            // Every node keeps its input, so the field travels down the chain; readers use $json or $node.source.
            const reads = i % 3 === 0 ? { r: byNode[i] ? '{{ $json.total }}' : '{{ $node.source.total }}' } : { other: i };
            if ('r' in reads) readers.push(`c${i}`);
            nodes.push(set(`c${i}`, reads));
          }
          return { doc: chain(...nodes), readers };
        };
        const before = build('total');
        expect(find(compile(before.doc, ctx).warnings, 'UNKNOWN_FIELD')).toEqual([]);
        const after = build('totl');
        const warned = find(compile(after.doc, ctx).warnings, 'UNKNOWN_FIELD');
        expect(warned.map((d) => d.nodeId)).toEqual(after.readers);
        for (const w of warned) expect(w.details?.suggestion).toBe('totl');
      }),
      { numRuns: 100 },
    );
  });
});
