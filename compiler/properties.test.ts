// Properties that must hold for every graph, checked on random ones (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from './compile.js';
import { parseWorkflowDocument, WorkflowDocumentSchema, workflowDocumentJsonSchema } from './document.js';
import { baseDocument, fixtureContext as ctx } from './fixtures.js';
import { sha256 } from './hash.js';
import { expandPlan, PlanSchema } from './plan.js';

/** A random DAG: node i may only have edges from nodes before it, and every node hangs off the trigger. */
const dag = fc.integer({ min: 1, max: 40 }).chain((size) =>
  fc
    .tuple(
      fc.array(fc.nat(), { minLength: size, maxLength: size }),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: size * 2 }),
      fc.array(fc.constantFrom('flow.noop', 'http.request'), { minLength: size, maxLength: size }),
    )
    .map(([parents, extra, types]) => {
      const id = (i: number) => `n${i}`;
      const nodes: Record<string, unknown>[] = [{ id: id(0), type: 'trigger.manual' }];
      const edges: { id: string; source: string; target: string }[] = [];
      const seen = new Set<string>();
      const add = (from: number, to: number) => {
        const key = `${from}>${to}`;
        if (from === to || seen.has(key)) return;
        seen.add(key);
        edges.push({ id: `e${edges.length}`, source: id(from), target: id(to) });
      };
      for (let i = 1; i <= size; i++) {
        nodes.push(
          types[i - 1] === 'http.request'
            ? { id: id(i), type: 'http.request', config: { url: 'https://x' } }
            : { id: id(i), type: 'flow.noop' },
        );
        add((parents[i - 1] ?? 0) % i, i);
      }
      for (const [a, b] of extra) {
        const from = a % (size + 1);
        const to = b % (size + 1);
        if (from < to) add(from, to);
      }
      return { name: 'random', nodes, edges };
    }),
);

describe('compiler properties', () => {
  it('random DAGs compile, and the plan order respects every edge', () => {
    fc.assert(
      fc.property(dag, (doc) => {
        const result = compile(doc, ctx);
        expect(result.errors).toEqual([]);
        const position = new Map(result.plan!.nodes.map((n, i) => [n.id, i]));
        for (const e of doc.edges) expect(position.get(e.source)!).toBeLessThan(position.get(e.target)!);
        expect(() => PlanSchema.parse(result.plan)).not.toThrow();
        // The compact plan lists each edge once; expanded, every edge is an input of its target again.
        const inputs = expandPlan(result.plan!).nodes.flatMap((n) =>
          n.inputs.flatMap((i) => i.from.map((f) => `${f.nodeId}>${n.id}:${f.edgeId}`)),
        );
        expect(inputs.sort()).toEqual(doc.edges.map((e) => `${e.source}>${e.target}:${e.id}`).sort());
      }),
      { numRuns: 200 },
    );
  });

  it('adding any back edge yields CYCLE naming a real cycle', () => {
    fc.assert(
      fc.property(
        dag.filter((d) => d.edges.some((e) => e.source !== 'n0')),
        fc.nat(),
        (doc, pick) => {
          // A back edge: from the target of some edge back to its source (not the trigger: a trigger takes no input).
          const candidates = doc.edges.filter((e) => e.source !== 'n0');
          const chosen = candidates[pick % candidates.length]!;
          const withBack = { ...doc, edges: [...doc.edges, { id: 'back', source: chosen.target, target: chosen.source }] };
          const cycles = compile(withBack, ctx).errors.filter((d) => d.code === 'CYCLE');
          expect(cycles.length).toBeGreaterThan(0);
          const edgeSet = new Set(withBack.edges.map((e) => `${e.source}>${e.target}`));
          for (const d of cycles) {
            const cycle = (d.details as { cycle: string[] }).cycle;
            for (let i = 0; i < cycle.length; i++) expect(edgeSet.has(`${cycle[i]}>${cycle[(i + 1) % cycle.length]}`)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('shuffling nodes and edges never changes the plan or its hash', () => {
    fc.assert(
      fc.property(dag, fc.func(fc.integer()), (doc, rank) => {
        const shuffle = <T>(list: T[]) =>
          list
            .map((item, i) => ({ item, key: rank(i) }))
            .sort((a, b) => a.key - b.key)
            .map((x) => x.item);
        const a = compile(doc, ctx).plan!;
        const b = compile({ ...doc, nodes: shuffle(doc.nodes), edges: shuffle(doc.edges) }, ctx).plan!;
        expect(b.hash).toBe(a.hash);
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on random JSON or corrupted documents, and always answers with diagnostics', () => {
    const text = JSON.stringify(baseDocument());
    const inputs = fc.oneof(
      fc.jsonValue(),
      fc.nat({ max: text.length }).map((n) => {
        try {
          return JSON.parse(text.slice(0, n)) as unknown;
        } catch {
          return text.slice(0, n);
        }
      }),
      fc.record({ nodes: fc.array(fc.jsonValue(), { maxLength: 5 }), edges: fc.array(fc.jsonValue(), { maxLength: 5 }) }),
      fc.record({
        nodes: fc.array(fc.record({ id: fc.string(), type: fc.constantFrom('flow.noop', 'trigger.manual', 'logic.switch', 'x') }), {
          maxLength: 6,
        }),
        edges: fc.array(fc.record({ id: fc.string(), source: fc.string(), target: fc.string() }), { maxLength: 6 }),
      }),
    );
    fc.assert(
      fc.property(inputs, (input) => {
        const result = compile(input, ctx);
        expect(result.ok).toBe(result.errors.length === 0);
        if (!result.ok) expect(result.plan).toBeUndefined();
      }),
      { numRuns: 1_000 },
    );
  });

  it('the document is read as its schema reads it, lists taken as they are or not', () => {
    const documents = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          schemaVersion: fc.constantFrom(1, 2),
          name: fc.oneof(fc.string(), fc.nat()),
          nodes: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.jsonValue()),
          edges: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), fc.constant(undefined), fc.jsonValue()),
          settings: fc.oneof(fc.record({ timeoutMs: fc.integer() }, { requiredKeys: [] }), fc.jsonValue()),
          extra: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(documents, (input) => {
        const fast = parseWorkflowDocument(input);
        const full = WorkflowDocumentSchema.safeParse(input);
        expect(fast.success).toBe(full.success);
        if (full.success) expect(fast.data).toEqual(full.data);
        else expect(fast.error?.issues).toEqual(full.error.issues);
      }),
      { numRuns: 1_000 },
    );
  });

  it('the hash is the SHA-256 of the plan without its hash', () => {
    fc.assert(
      fc.property(dag, (doc) => {
        const { hash, ...body } = compile(doc, ctx).plan!;
        expect(hash).toBe(sha256(JSON.stringify(body)));
      }),
      { numRuns: 50 },
    );
  });

  it('identical documents give byte-identical plans; a changed config changes the hash', () => {
    const a = compile(baseDocument(), ctx).plan!;
    const doc = baseDocument();
    (doc.nodes[1] as { config: { url: string } }).config.url = 'https://api.example.com/v2';
    expect(JSON.stringify(compile(baseDocument(), ctx).plan)).toBe(JSON.stringify(a));
    expect(compile(doc, ctx).plan!.hash).not.toBe(a.hash);
  });
});

describe('plan contents', () => {
  it('resolves settings from defaults, type defaults and the document', () => {
    const doc = baseDocument();
    doc.nodes.push({
      id: 'w',
      type: 'db.write',
      config: { sql: 'delete from t' },
      credentials: { db: 'cred_pg' },
      retry: { maxAttempts: 5 },
      timeoutMs: 5_000,
      onError: 'continue',
    });
    doc.edges.push({ id: 'e2', source: 'fetch', target: 'w' });
    const plan = expandPlan(compile({ ...doc, settings: { timeoutMs: 1_000, variables: { b: 1, a: 2 } } }, ctx).plan!);
    const fetch = plan.nodes.find((n) => n.id === 'fetch')!;
    const write = plan.nodes.find((n) => n.id === 'w')!;
    expect(fetch.settings).toEqual({
      onError: 'stop',
      requiresApproval: false,
      retry: { backoffCoefficient: 2, initialIntervalMs: 1_000, maxAttempts: 3, maxIntervalMs: 30_000 },
      timeoutMs: 30_000,
    });
    expect(write.settings).toMatchObject({ onError: 'continue', requiresApproval: true, timeoutMs: 5_000, retry: { maxAttempts: 5 } });
    expect(write.operations).toEqual(['database_write']);
    expect(fetch.config).toEqual({ url: 'https://api.example.com', method: 'GET' });
    expect(fetch.outputs).toEqual([{ handle: 'out', to: [{ edgeId: 'e2', handle: 'in', nodeId: 'w' }] }]);
    expect(write.inputs).toEqual([{ from: [{ edgeId: 'e2', handle: 'out', nodeId: 'fetch' }], handle: 'in' }]);
    expect(plan.settings).toEqual({ timeoutMs: 1_000, variables: { a: 2, b: 1 } });
    expect(plan.triggers).toEqual(['start']);
  });

  it('stores only what differs from the defaults, and expanding it restores every edge on both of its ends', () => {
    const doc = baseDocument();
    doc.nodes.push({ id: 'w', type: 'db.write', config: { sql: 'delete from t' }, credentials: { db: 'cred_pg' }, timeoutMs: 60_000 });
    doc.edges.push({ id: 'e2', source: 'fetch', target: 'w' }, { id: 'e1b', source: 'start', target: 'w' });
    const plan = compile(doc, ctx).plan!;
    const compact = (id: string) => plan.nodes.find((n) => n.id === id)!;
    // http.request's type default timeout differs from the plan's; the write's only difference is its approval.
    expect(compact('fetch').settings).toEqual({ timeoutMs: 30_000 });
    expect(compact('w').settings).toEqual({ requiresApproval: true });
    expect(compact('start')).not.toHaveProperty('settings');
    expect(compact('start')).not.toHaveProperty('config');
    expect(compact('w').inputs).toEqual(['in']);
    const expanded = expandPlan(plan);
    expect(expanded.nodes.find((n) => n.id === 'w')!.inputs).toEqual([
      {
        from: [
          { edgeId: 'e1b', handle: 'out', nodeId: 'start' },
          { edgeId: 'e2', handle: 'out', nodeId: 'fetch' },
        ],
        handle: 'in',
      },
    ]);
    expect(expanded.nodes.find((n) => n.id === 'start')!.settings).toEqual(plan.nodeDefaults);
  });

  it('lists the nodes each node references', () => {
    const doc = baseDocument();
    doc.nodes.push({ id: 'use', type: 'http.request', config: { url: '{{ $node.fetch.body.url }}?q={{ $node.start.q }}' } });
    doc.edges.push({ id: 'e2', source: 'fetch', target: 'use' });
    expect(compile(doc, ctx).plan!.nodes.find((n) => n.id === 'use')!.references).toEqual(['fetch', 'start']);
  });
});

describe('JSON Schema for the editor', () => {
  it('describes the document, its nodes and edges', () => {
    const schema = workflowDocumentJsonSchema() as {
      type: string;
      required: string[];
      properties: Record<string, { items?: { required?: string[] } }>;
    };
    expect(schema.type).toBe('object');
    expect(schema.required).toContain('nodes');
    expect(schema.properties.nodes?.items?.required).toEqual(expect.arrayContaining(['id', 'type']));
    expect(schema.properties.edges?.items?.required).toEqual(expect.arrayContaining(['id', 'source', 'target']));
  });
});
