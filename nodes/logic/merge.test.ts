import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/compile.js';
import { createNodeRegistry } from '../registry.js';

describe('logic.merge', () => {
  it('declares join all when it requires every input, so the plan (not the interpreter) says so', () => {
    const { catalog } = createNodeRegistry();
    const plan = (config: object) =>
      compile(
        {
          name: 'merge',
          nodes: [
            { id: 'start', type: 'trigger.manual' },
            { id: 'a', type: 'flow.noop' },
            { id: 'm', type: 'logic.merge', config },
          ],
          edges: [
            { id: 'e1', source: 'start', target: 'a' },
            { id: 'e2', source: 'start', target: 'm' },
            { id: 'e3', source: 'a', target: 'm' },
          ],
        },
        { catalog, credentials: [] },
      ).plan?.nodes.find((n) => n.id === 'm')?.join;
    expect(plan({ requireAll: true })).toBe('all');
    expect(plan({ requireAll: false })).toBe('any');
    expect(plan({})).toBe('any');
    // An expression is decided at run time, too late for scheduling: such a merge joins as any, as it always did.
    expect(plan({ requireAll: '{{ true }}' })).toBe('any');
  });
});
