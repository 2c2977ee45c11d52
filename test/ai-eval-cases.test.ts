// Every case in eval/generate/ is a well-formed request with a reference the real compiler accepts: with no errors
// and no warnings once the open credential slots get stand-ins (orchestrator/ai/eval-case.ts, compileForEval).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileForEval, EvalCaseSchema, STAND_IN_PREFIX } from '../orchestrator/ai/eval-case.js';
import { createNodeRegistry } from '../nodes/registry.js';

const DIR = path.join(import.meta.dirname, '..', 'eval', 'generate');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const registry = createNodeRegistry();
const cases = files.map((file) => ({ file, raw: JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as unknown }));

describe('eval/generate cases', () => {
  it('has at least 32 cases with unique names matching their files', () => {
    expect(files.length).toBeGreaterThanOrEqual(32);
    const names = cases.map(({ raw }) => EvalCaseSchema.parse(raw).name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.map((n) => `${n}.json`)).toEqual(files);
  });

  it.each(cases)('$file: the shape holds and the reference compiles cleanly', ({ raw }) => {
    const parsed = EvalCaseSchema.safeParse(raw);
    expect(parsed.error?.issues ?? []).toEqual([]);
    const result = compileForEval(parsed.data?.reference, registry.catalog);
    expect([...result.errors, ...result.warnings].map((d) => `${d.code} ${d.nodeId ?? ''}: ${d.message}`)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('together use every built-in node type, human steps, error routes and loops', () => {
    const nodes = cases.flatMap(({ raw }) => EvalCaseSchema.parse(raw).reference.nodes);
    const used = new Set(nodes.map((n) => n.type));
    expect(
      registry
        .all()
        .filter((d) => !used.has(d.type))
        .map((d) => d.type),
    ).toEqual([]);
    expect(nodes.filter((n) => n.onError === 'route').length).toBeGreaterThanOrEqual(3);
    expect(nodes.filter((n) => n.parent !== undefined).length).toBeGreaterThanOrEqual(3);
    expect(nodes.filter((n) => n.type.startsWith('human.')).length).toBeGreaterThanOrEqual(6);
  });

  it('give every required credential slot a stand-in, and refuse an id the model invented', () => {
    const reference = EvalCaseSchema.parse(cases.find(({ file }) => file === 'daily-revenue-report.json')?.raw).reference;
    const plan = compileForEval(reference, registry.catalog).plan;
    const revenue = plan?.nodes.find((n) => n.id === 'revenue');
    expect(revenue?.credentials).toEqual({ postgres: `${STAND_IN_PREFIX}postgres` });

    const invented = {
      ...reference,
      nodes: reference.nodes.map((n) => (n.id === 'revenue' ? { ...n, credentials: { postgres: 'cred_123' } } : n)),
    };
    const refused = compileForEval(invented, registry.catalog);
    expect(refused.errors.map((d) => [d.code, d.nodeId])).toEqual([['MISSING_CREDENTIAL', 'revenue']]);
  });

  it('refuses a reference that names a credential', () => {
    const reference = {
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'q', type: 'db.postgres', config: { query: 'select 1' }, credentials: { postgres: 'c1' } },
      ],
      edges: [{ id: 'e', source: 'start', target: 'q' }],
    };
    const parsed = EvalCaseSchema.safeParse({ name: 'named-credential', prompt: 'Run select 1 on our database', reference });
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['reference.nodes.1.credentials']);
  });
});
