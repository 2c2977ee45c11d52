// The join is a fact of the plan: the compiler writes what a node type declares, and expandPlan derives it for plans
// compiled before node types declared it (they carry 'any' and the merge's own config.requireAll).
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createCatalog, type NodeTypeInfo } from './catalog.js';
import { compile } from './compile.js';
import { fixtureContext, fixtureTypes } from './fixtures.js';
import { expandPlan, PlanSchema, type Plan } from './plan.js';

const merge: NodeTypeInfo = {
  type: 'logic.merge',
  version: 1,
  kind: 'pure',
  credentials: [],
  operations: () => ['pure'],
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: () => [{ name: 'out', dataType: 'json' }],
  configSchema: z.object({ requireAll: z.boolean().default(false) }).strict(),
  join: (config) => (config.requireAll === true ? 'all' : 'any'),
};
const ctx = { ...fixtureContext, catalog: createCatalog([...fixtureTypes, merge]) };

function compiled(requireAll: boolean): Plan {
  const document = {
    name: 'join',
    nodes: [
      { id: 'start', type: 'trigger.manual' },
      { id: 'a', type: 'flow.noop' },
      { id: 'b', type: 'flow.noop' },
      { id: 'm', type: 'logic.merge', config: { requireAll } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'a' },
      { id: 'e2', source: 'start', target: 'b' },
      { id: 'e3', source: 'a', target: 'm' },
      { id: 'e4', source: 'b', target: 'm' },
    ],
  };
  const result = compile(document, ctx);
  expect(result.errors).toEqual([]);
  return result.plan!;
}
const joins = (nodes: { id: string; join: string }[]) => Object.fromEntries(nodes.map((n) => [n.id, n.join]));

describe('join', () => {
  it('is what the node type declares for its config, and any for types that declare nothing', () => {
    expect(joins(compiled(true).nodes)).toEqual({ start: 'any', a: 'any', b: 'any', m: 'all' });
    expect(joins(compiled(false).nodes)).toEqual({ start: 'any', a: 'any', b: 'any', m: 'any' });
    expect(joins(expandPlan(compiled(true)).nodes)).toMatchObject({ m: 'all' });
  });

  it('is derived from config.requireAll for plans compiled before node types declared it', () => {
    const plan = compiled(true);
    const legacy = PlanSchema.parse({ ...plan, nodes: plan.nodes.map((n) => ({ ...n, join: 'any' })) });
    expect(joins(expandPlan(legacy).nodes)).toEqual({ start: 'any', a: 'any', b: 'any', m: 'all' });
    const expanded = expandPlan(legacy);
    const v1 = { ...expanded, schemaVersion: 1 as const, nodes: expanded.nodes.map((n) => ({ ...n, join: 'any' as const })) };
    expect(joins(expandPlan(v1).nodes)).toEqual({ start: 'any', a: 'any', b: 'any', m: 'all' });
  });

  it('leaves an expanded plan without such nodes as it is', () => {
    const expanded = expandPlan(compiled(false));
    const v1 = { ...expanded, schemaVersion: 1 as const };
    expect(expandPlan(v1)).toBe(v1);
  });
});
