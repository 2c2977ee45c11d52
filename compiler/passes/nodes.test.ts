// Pass 1's shortcuts must give what zod gives: an empty config is parsed once per node type, and each node still
// gets a config of its own.
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/registry.js';
import type { Diagnostic } from '../diagnostics.js';
import { resolveNodes } from './nodes.js';

const ctx = { catalog: createNodeRegistry().catalog, credentials: [] };

describe('resolving nodes', () => {
  it('gives every node with an empty config what zod parses from {}, as an object of its own', () => {
    const out: Diagnostic[] = [];
    const types = ['logic.merge', 'flow.noop', 'trigger.manual', 'flow.for_each'];
    const raw = types.flatMap((type, i) => [
      { id: `a${i}`, type },
      { id: `b${i}`, type, config: {} },
    ]);
    const { resolved } = resolveNodes(raw, ctx, out);
    expect(out).toEqual([]);
    for (const [i, type] of types.entries()) {
      const a = resolved.get(`a${i}`)!.config;
      const b = resolved.get(`b${i}`)!.config;
      expect(a).toEqual(ctx.catalog.get(type)!.configSchema.parse({}));
      expect(Object.keys(a)).toEqual(Object.keys(ctx.catalog.get(type)!.configSchema.parse({}) as object));
      expect(b).toEqual(a);
      expect(b).not.toBe(a);
    }
  });

  it('still reports an empty config that is not valid, every time', () => {
    const out: Diagnostic[] = [];
    resolveNodes(
      [
        { id: 'a', type: 'data.set' },
        { id: 'b', type: 'data.set', config: {} },
      ],
      ctx,
      out,
    );
    expect(out.map((d) => [d.code, d.nodeId])).toEqual([
      ['MISSING_REQUIRED_FIELD', 'a'],
      ['MISSING_REQUIRED_FIELD', 'b'],
    ]);
  });
});
