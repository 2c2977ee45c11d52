import { describe, expect, it } from 'vitest';
import { compile } from '../../../compiler/compile.js';
import { fixtureContext } from '../../../compiler/fixtures.js';
import { expandPlan } from '../../../compiler/plan.js';
import { planEdges, renderGraph } from './graph.js';

describe('run graph', () => {
  it('draws every node with its status and every edge, and escapes node names', () => {
    const result = compile(
      {
        name: 'g',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          { id: 'a', type: 'flow.noop', name: '<script>x</script>' },
          { id: 'b', type: 'flow.noop' },
        ],
        edges: [
          { id: 'e1', source: 'start', target: 'a' },
          { id: 'e2', source: 'a', target: 'b' },
        ],
      },
      fixtureContext,
    );
    if (!result.plan) throw new Error(JSON.stringify(result));
    const plan = expandPlan(result.plan);
    expect(planEdges(plan).map((e) => `${e.source}>${e.target}`)).toEqual(['start>a', 'a>b']);
    const svg = renderGraph(
      plan,
      new Map([
        ['a', 'completed' as const],
        ['b', 'waiting' as const],
      ]),
    ).value.replace(/\s+/g, ' ');
    expect(svg.match(/<g class="node/g)).toHaveLength(3);
    expect(svg.match(/<path class="edge"/g)).toHaveLength(2);
    expect(svg).toContain('class="node status-completed" data-node="a"');
    expect(svg).toContain('class="node status-waiting" data-node="b"');
    expect(svg).toContain('class="node status-pending" data-node="start"');
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;x&lt;/script&gt;');
  });
});
