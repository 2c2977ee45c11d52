// Pre-existing diagnostics: matched by code, node, edge and path, counted, and robust to shifted node indexes.
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { diagnostic } from '../../compiler/diagnostics.js';
import { createNodeRegistry } from '../../nodes/registry.js';
import { applyEdits } from './edits.js';
import { ordersDocument } from './fixtures.js';
import { markPreExisting } from './pre-existing.js';

describe('markPreExisting', () => {
  it('marks what was there before, count-aware', () => {
    const a = diagnostic('MISSING_REQUIRED_FIELD', 'url', { nodeId: 'x', path: ['nodes', 1, 'config', 'url'] });
    const b = diagnostic('ORPHAN_NODE', 'orphan', { nodeId: 'y' });
    const marked = markPreExisting([a, a], [a, a, a, b, { ...a, nodeId: 'z' }]);
    expect(marked.map((d) => d.preExisting)).toEqual([true, true, false, false, false]);
    expect(marked[0]).toEqual({ ...a, preExisting: true });
  });

  it('ignores the node index in the path when the node is named', () => {
    const before = diagnostic('INVALID_FIELD_VALUE', 'bad', { nodeId: 'x', path: ['nodes', 3, 'config', 'method'] });
    const after = { ...before, path: ['nodes', 2, 'config', 'method'] };
    expect(markPreExisting([before], [after])[0]?.preExisting).toBe(true);
    expect(markPreExisting([before], [{ ...after, path: ['nodes', 2, 'config', 'url'] }])[0]?.preExisting).toBe(false);
    const unnamed = diagnostic('SCHEMA_INVALID', 'bad', { path: ['nodes', 3] });
    expect(markPreExisting([unnamed], [{ ...unnamed, path: ['nodes', 2] }])[0]?.preExisting).toBe(false);
  });

  it('with the compiler: a broken node stays pre-existing after an unrelated edit that shifts it', () => {
    const ctx = { catalog: createNodeRegistry().catalog, credentials: [] };
    const doc = ordersDocument();
    doc.nodes.push({ id: 'broken', type: 'http.request', config: { url: 'https://x.example.com', method: 'FETCH' } });
    doc.edges.push({ id: 'e4', source: 'big', sourceHandle: 'out', target: 'broken', targetHandle: 'in' });
    const before = compile(doc, ctx).errors;
    const edit = applyEdits(doc, [
      { op: 'remove_node', nodeId: 'start' },
      { op: 'add_node', node: { id: 'start2', type: 'trigger.manual' } },
      { op: 'connect', source: 'start2', target: 'fetch' },
      { op: 'add_node', node: { id: 'dangling', type: 'flow.noop' } },
    ]);
    if (!edit.ok) throw new Error(edit.message);
    const marked = markPreExisting(before, compile(edit.document, ctx).errors);
    expect(marked.filter((d) => d.preExisting).map((d) => d.nodeId)).toEqual(['broken']);
    expect(marked.filter((d) => !d.preExisting).map((d) => d.nodeId)).toEqual(['dangling']);
  });
});
