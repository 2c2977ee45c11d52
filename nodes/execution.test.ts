// Which built-in nodes run as local activities: decided at compile time from the node type's declaration (its
// config and resolved timeout) or the document node's own `execution`, and written to the plan only when local.
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/compile.js';
import { expandPlan } from '../compiler/plan.js';
import { createNodeRegistry } from './registry.js';
import { localWithin } from './sdk/node.js';

const { catalog } = createNodeRegistry();

/** The execution setting of each node after compiling a chain of them behind a manual trigger. */
function executions(nodes: object[]): Record<string, string | undefined> {
  const all = [{ id: 'start', type: 'trigger.manual' }, ...nodes];
  const edges = all.slice(1).map((n, i) => ({ id: `e${i}`, source: (all[i] as { id: string }).id, target: (n as { id: string }).id }));
  const result = compile({ name: 'x', nodes: all, edges }, { catalog, credentials: [] });
  if (!result.plan) throw new Error(JSON.stringify(result.errors));
  return Object.fromEntries(expandPlan(result.plan).nodes.map((n) => [n.id, n.settings.execution]));
}

const url = 'https://api.example.com/items';

describe('node execution', () => {
  it('runs short reads as local activities and everything else as regular ones', () => {
    expect(
      executions([
        { id: 'getShort', type: 'http.request', config: { url, timeoutMs: 5_000 } },
        { id: 'getNodeShort', type: 'http.request', config: { url }, timeoutMs: 10_000 },
        { id: 'getDefault', type: 'http.request', config: { url } },
        { id: 'getLong', type: 'http.request', config: { url, timeoutMs: 10_001 } },
        { id: 'post', type: 'http.request', config: { url, method: 'POST', timeoutMs: 1_000 } },
        { id: 'js', type: 'code.javascript', config: { code: 'return 1' } },
        { id: 'jsLong', type: 'code.javascript', config: { code: 'return 1', timeoutMs: 20_000 } },
        { id: 'py', type: 'code.python', config: { code: 'return 1' } },
        { id: 'set', type: 'data.set', config: { assignments: [] } },
      ]),
    ).toEqual({
      start: undefined,
      getShort: 'local',
      getNodeShort: 'local',
      getDefault: undefined,
      getLong: undefined,
      post: undefined,
      js: 'local',
      jsLong: undefined,
      py: 'local',
      set: undefined,
    });
  });

  it("lets a document node override its type's choice either way", () => {
    expect(
      executions([
        { id: 'forcedLocal', type: 'http.request', config: { url, method: 'POST' }, execution: 'local' },
        { id: 'forcedRegular', type: 'code.javascript', config: { code: 'return 1' }, execution: 'activity' },
      ]),
    ).toEqual({ start: undefined, forcedLocal: 'local', forcedRegular: undefined });
  });

  it('counts only the bounds known before the run', () => {
    expect(localWithin('{{ $json.timeout }}', 60_000)).toBe('activity');
    expect(localWithin('{{ $json.timeout }}', 2_000)).toBe('local');
    expect(localWithin()).toBe('activity');
  });
});
