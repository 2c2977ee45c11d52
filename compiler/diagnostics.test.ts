// Every diagnostic code, each asserted with the node, edge or path it points at.
import { describe, expect, it } from 'vitest';
import { compile } from './compile.js';
import type { Diagnostic } from './diagnostics.js';
import { baseDocument, fixtureContext as ctx } from './fixtures.js';
import { hostAllowed } from './request-host.js';
import { expandPlan } from './plan.js';

const run = (doc: unknown) => compile(doc, ctx);
const find = (list: Diagnostic[], code: string) => list.filter((d) => d.code === code);

describe('a valid document', () => {
  it('compiles with no diagnostics', () => {
    const result = run(baseDocument());
    expect(result).toMatchObject({ ok: true, errors: [], warnings: [] });
    expect(result.plan?.nodes.map((n) => n.id)).toEqual(['start', 'fetch']);
  });
});

describe('error codes', () => {
  it('SCHEMA_INVALID with the JSON path, for the document and for one bad node', () => {
    expect(run({ nodes: 'x' }).errors).toEqual([expect.objectContaining({ code: 'SCHEMA_INVALID', path: ['nodes'] })]);
    expect(run(42).errors[0]?.code).toBe('SCHEMA_INVALID');
    const doc = baseDocument();
    doc.nodes.push({ id: 'bad', type: 'flow.noop', retry: { maxAttempts: 0 } });
    const errors = find(run(doc).errors, 'SCHEMA_INVALID');
    expect(errors).toEqual([expect.objectContaining({ nodeId: 'bad', path: ['nodes', 2, 'retry', 'maxAttempts'] })]);
  });

  it('DUPLICATE_ID for nodes and for edges', () => {
    const doc = baseDocument();
    doc.nodes.push({ id: 'fetch', type: 'flow.noop' });
    doc.edges.push({ id: 'e1', source: 'start', target: 'fetch' });
    const errors = find(run(doc).errors, 'DUPLICATE_ID');
    expect(errors).toEqual([
      expect.objectContaining({ nodeId: 'fetch', path: ['nodes', 2, 'id'] }),
      expect.objectContaining({ edgeId: 'e1', path: ['edges', 1, 'id'] }),
    ]);
  });

  it('UNKNOWN_NODE_TYPE for an unknown type and for an unknown version', () => {
    const doc = baseDocument();
    doc.nodes.push({ id: 'x', type: 'no.such' }, { id: 'y', type: 'file.read', version: 7 });
    doc.edges.push({ id: 'e2', source: 'fetch', target: 'x' }, { id: 'e3', source: 'fetch', target: 'y' });
    const errors = find(run(doc).errors, 'UNKNOWN_NODE_TYPE');
    expect(errors.map((e) => [e.nodeId, e.path?.at(-1)])).toEqual([
      ['x', 'type'],
      ['y', 'version'],
    ]);
  });

  it('DANGLING_EDGE names the missing end', () => {
    const doc = baseDocument();
    doc.edges.push({ id: 'e2', source: 'fetch', target: 'ghost' });
    expect(find(run(doc).errors, 'DANGLING_EDGE')).toEqual([expect.objectContaining({ edgeId: 'e2', path: ['edges', 1, 'target'] })]);
  });

  it('UNKNOWN_HANDLE on either end', () => {
    const doc = baseDocument();
    doc.nodes.push({ id: 'n', type: 'flow.noop' });
    doc.edges.push(
      { id: 'e2', source: 'fetch', sourceHandle: 'nope', target: 'n' },
      { id: 'e3', source: 'fetch', target: 'n', targetHandle: 'side' },
    );
    expect(find(run(doc).errors, 'UNKNOWN_HANDLE').map((d) => [d.edgeId, d.path?.at(-1)])).toEqual([
      ['e2', 'sourceHandle'],
      ['e3', 'targetHandle'],
    ]);
  });

  it('knows the handles of IF, Switch rules, and the error route', () => {
    const doc = baseDocument();
    doc.nodes.push(
      { id: 'if', type: 'logic.if', config: {} },
      { id: 'sw', type: 'logic.switch', config: { rules: [{ key: 'vip' }] } },
      { id: 'risky', type: 'http.request', config: { url: 'https://x' }, onError: 'route' },
      { id: 'a', type: 'flow.noop' },
      { id: 'b', type: 'flow.noop' },
      { id: 'c', type: 'flow.noop' },
      { id: 'd', type: 'flow.noop' },
    );
    doc.edges.push(
      { id: 'e2', source: 'fetch', target: 'if' },
      { id: 'e3', source: 'if', sourceHandle: 'true', target: 'sw' },
      { id: 'e4', source: 'if', sourceHandle: 'false', target: 'risky' },
      { id: 'e5', source: 'sw', sourceHandle: 'vip', target: 'a' },
      { id: 'e6', source: 'sw', sourceHandle: 'default', target: 'b' },
      { id: 'e7', source: 'risky', sourceHandle: 'error', target: 'c' },
      { id: 'e8', source: 'risky', target: 'd' },
    );
    expect(run(doc)).toMatchObject({ ok: true, errors: [], warnings: [] });
  });

  it('CYCLE names the nodes of the cycle in order', () => {
    const doc = baseDocument();
    doc.nodes.push({ id: 'a', type: 'flow.noop' }, { id: 'b', type: 'flow.noop' }, { id: 'c', type: 'flow.noop' });
    doc.edges.push(
      { id: 'e2', source: 'fetch', target: 'a' },
      { id: 'e3', source: 'a', target: 'b' },
      { id: 'e4', source: 'b', target: 'c' },
      { id: 'e5', source: 'c', target: 'a' },
    );
    expect(find(run(doc).errors, 'CYCLE')).toEqual([expect.objectContaining({ nodeId: 'a', details: { cycle: ['a', 'b', 'c'] } })]);
  });

  it('CYCLE for a self-loop, and one per separate cycle', () => {
    const doc = baseDocument();
    doc.nodes.push({ id: 'a', type: 'flow.noop' }, { id: 'x', type: 'flow.noop' }, { id: 'y', type: 'flow.noop' });
    doc.edges.push(
      { id: 'e2', source: 'fetch', target: 'a' },
      { id: 'e3', source: 'a', target: 'a' },
      { id: 'e4', source: 'fetch', target: 'x' },
      { id: 'e5', source: 'x', target: 'y' },
      { id: 'e6', source: 'y', target: 'x' },
    );
    expect(find(run(doc).errors, 'CYCLE').map((d) => d.details?.cycle)).toEqual([['a'], ['x', 'y']]);
  });

  it('NO_TRIGGER', () => {
    expect(find(run({ nodes: [{ id: 'n', type: 'flow.noop' }], edges: [] }).errors, 'NO_TRIGGER')).toHaveLength(1);
    expect(find(run({ nodes: [], edges: [] }).errors, 'NO_TRIGGER')).toHaveLength(1);
  });

  it('TRIGGER_HAS_INPUT', () => {
    const doc = baseDocument();
    doc.edges.push({ id: 'e2', source: 'fetch', target: 'start' });
    expect(find(run(doc).errors, 'TRIGGER_HAS_INPUT')).toEqual([expect.objectContaining({ edgeId: 'e2', nodeId: 'start' })]);
  });

  it('ORPHAN_NODE for nodes no trigger reaches', () => {
    const doc = baseDocument();
    doc.nodes.push({ id: 'island', type: 'flow.noop' }, { id: 'after', type: 'flow.noop' });
    doc.edges.push({ id: 'e2', source: 'island', target: 'after' });
    expect(find(run(doc).errors, 'ORPHAN_NODE').map((d) => d.nodeId)).toEqual(['island', 'after']);
  });

  it('MISSING_REQUIRED_FIELD and INVALID_FIELD_VALUE with the config path', () => {
    const doc = baseDocument();
    doc.nodes.push(
      { id: 'f2', type: 'http.request', config: { method: 'PUT', timeout: -1 } },
      { id: 'f3', type: 'http.request', config: { url: 'x', extra: 1 } },
    );
    doc.edges.push({ id: 'e2', source: 'fetch', target: 'f2' }, { id: 'e3', source: 'fetch', target: 'f3' });
    const errors = run(doc).errors;
    expect(find(errors, 'MISSING_REQUIRED_FIELD')).toEqual([
      expect.objectContaining({ nodeId: 'f2', path: ['nodes', 2, 'config', 'url'] }),
    ]);
    expect(find(errors, 'INVALID_FIELD_VALUE').map((d) => [d.nodeId, d.path])).toEqual([
      ['f2', ['nodes', 2, 'config', 'method']],
      ['f2', ['nodes', 2, 'config', 'timeout']],
      ['f3', ['nodes', 3, 'config']],
    ]);
  });

  it('MISSING_CREDENTIAL when a required slot is empty or names a credential the user lacks; CREDENTIAL_TYPE_MISMATCH', () => {
    const doc = baseDocument();
    doc.nodes.push(
      { id: 'w1', type: 'db.write', config: { sql: 'delete from t' } },
      { id: 'w2', type: 'db.write', config: { sql: 'delete from t' }, credentials: { db: 'cred_someone_elses' } },
      { id: 'w3', type: 'db.write', config: { sql: 'delete from t' }, credentials: { db: 'cred_bearer' } },
    );
    doc.edges.push(
      { id: 'e2', source: 'fetch', target: 'w1' },
      { id: 'e3', source: 'fetch', target: 'w2' },
      { id: 'e4', source: 'fetch', target: 'w3' },
    );
    const errors = run(doc).errors;
    expect(find(errors, 'MISSING_CREDENTIAL').map((d) => [d.nodeId, d.path])).toEqual([
      ['w1', ['nodes', 2, 'credentials', 'db']],
      ['w2', ['nodes', 3, 'credentials', 'db']],
    ]);
    expect(find(errors, 'CREDENTIAL_TYPE_MISMATCH')).toEqual([
      expect.objectContaining({ nodeId: 'w3', path: ['nodes', 4, 'credentials', 'db'] }),
    ]);
  });

  it('TYPE_MISMATCH when an edge joins incompatible data types; any accepts everything', () => {
    const doc = baseDocument();
    doc.nodes.push({ id: 'file', type: 'file.read', version: 1 }, { id: 'up', type: 'text.upper' }, { id: 'ok', type: 'flow.noop' });
    doc.edges.push(
      { id: 'e2', source: 'fetch', target: 'file' },
      { id: 'e3', source: 'file', target: 'up' },
      { id: 'e4', source: 'file', target: 'ok' },
    );
    expect(find(run(doc).errors, 'TYPE_MISMATCH')).toEqual([expect.objectContaining({ edgeId: 'e3' })]);
  });

  it('BAD_EXPRESSION, UNKNOWN_REFERENCE and NOT_UPSTREAM', () => {
    const doc = baseDocument();
    doc.nodes.push(
      { id: 'a', type: 'http.request', config: { url: 'https://x/{{ $json.id + }}' } },
      { id: 'b', type: 'http.request', config: { url: 'https://x/{{ $node.ghost.id }}' } },
      { id: 'c', type: 'http.request', config: { url: 'https://x/{{ $node.d.id }}' } },
      { id: 'd', type: 'http.request', config: { url: 'https://x/{{ $node.fetch.body.id }}' } },
    );
    doc.edges.push(
      { id: 'e2', source: 'fetch', target: 'a' },
      { id: 'e3', source: 'fetch', target: 'b' },
      { id: 'e4', source: 'fetch', target: 'c' },
      { id: 'e5', source: 'fetch', target: 'd' },
    );
    const errors = run(doc).errors;
    expect(find(errors, 'BAD_EXPRESSION')).toEqual([expect.objectContaining({ nodeId: 'a', path: ['nodes', 2, 'config', 'url'] })]);
    expect(find(errors, 'UNKNOWN_REFERENCE')).toEqual([expect.objectContaining({ nodeId: 'b', details: { reference: 'ghost' } })]);
    expect(find(errors, 'NOT_UPSTREAM')).toEqual([expect.objectContaining({ nodeId: 'c', details: { reference: 'd' } })]);
    expect(errors).toHaveLength(3);
  });

  it('reports every problem at once', () => {
    const doc = baseDocument();
    doc.nodes.push(
      { id: 'fetch', type: 'flow.noop' },
      { id: 'x', type: 'nope' },
      { id: 'iso', type: 'flow.noop' },
      { id: 'bad', type: 'http.request', config: {} },
    );
    doc.edges.push({ id: 'e2', source: 'fetch', target: 'ghost' }, { id: 'e3', source: 'start', target: 'bad' });
    const codes = new Set(run(doc).errors.map((d) => d.code));
    expect(codes).toEqual(new Set(['DUPLICATE_ID', 'UNKNOWN_NODE_TYPE', 'DANGLING_EDGE', 'ORPHAN_NODE', 'MISSING_REQUIRED_FIELD']));
  });
});

describe('warnings', () => {
  it('UNUSED_OUTPUT for a branch that goes nowhere, UNUSED_CREDENTIAL for a slot the type lacks; the plan is still built', () => {
    const doc = baseDocument();
    doc.nodes.push({ id: 'if', type: 'logic.if', config: {}, credentials: { extra: 'cred_bearer' } }, { id: 'yes', type: 'flow.noop' });
    doc.edges.push({ id: 'e2', source: 'fetch', target: 'if' }, { id: 'e3', source: 'if', sourceHandle: 'true', target: 'yes' });
    const result = run(doc);
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => [w.code, w.nodeId])).toEqual([
      ['UNUSED_CREDENTIAL', 'if'],
      ['UNUSED_OUTPUT', 'if'],
    ]);
    expect(result.warnings.every((w) => w.severity === 'warning')).toBe(true);
  });
});

describe('approval policy: the workflow allowlist', () => {
  const withCalls = (allowedHosts?: string[]) => {
    const doc = baseDocument();
    doc.nodes.push(
      { id: 'listed', type: 'http.request', config: { url: 'https://eu.api.partner.io/v1/items' } },
      { id: 'dynamic', type: 'http.request', config: { url: '{{ $json.callback }}' } },
      { id: 'trusted', type: 'http.request', config: { url: 'https://evil.example.net' }, approval: false },
    );
    doc.edges.push(
      { id: 'e2', source: 'start', target: 'listed' },
      { id: 'e3', source: 'start', target: 'dynamic' },
      { id: 'e4', source: 'start', target: 'trusted' },
    );
    return run({ ...doc, ...(allowedHosts ? { settings: { allowedHosts } } : {}) });
  };
  const approval = (result: ReturnType<typeof run>, id: string) =>
    expandPlan(result.plan!).nodes.find((n) => n.id === id)!.settings.requiresApproval;

  it('sends a call to an unlisted host, or to one chosen at run time, to approval, and warns with UNLISTED_HOST', () => {
    const result = withCalls(['*.partner.io', 'API.other.com']);
    expect(result.ok).toBe(true);
    expect(find(result.warnings, 'UNLISTED_HOST').map((w) => [w.nodeId, w.details])).toEqual([
      ['fetch', { hosts: ['api.example.com'] }],
      ['dynamic', undefined],
    ]);
    expect(find(result.warnings, 'UNLISTED_HOST')[1]!.message).toContain('a host chosen at run time');
    expect(approval(result, 'fetch')).toBe(true);
    expect(approval(result, 'dynamic')).toBe(true);
    // A wildcard covers subdomains; the node's own setting wins.
    expect(approval(result, 'listed')).toBe(false);
    expect(approval(result, 'trusted')).toBe(false);
    expect(result.plan!.settings.allowedHosts).toEqual(['*.partner.io', 'api.other.com']);
  });

  it('gates nothing without an allowlist, and refuses a malformed host with SCHEMA_INVALID', () => {
    const open = withCalls();
    expect(find(open.warnings, 'UNLISTED_HOST')).toEqual([]);
    expect(['fetch', 'listed', 'dynamic'].map((id) => approval(open, id))).toEqual([false, false, false]);
    const bad = withCalls(['https://api.example.com/path']);
    expect(find(bad.errors, 'SCHEMA_INVALID')[0]?.path).toEqual(['settings', 'allowedHosts', 0]);
  });

  it('a wildcard does not cover the bare domain', () => {
    expect(hostAllowed('partner.io', ['*.partner.io'])).toBe(false);
    expect(hostAllowed('a.b.partner.io', ['*.partner.io'])).toBe(true);
    expect(hostAllowed('evilpartner.io', ['*.partner.io'])).toBe(false);
    expect(hostAllowed('[::1]', ['::1'])).toBe(true);
  });
});
