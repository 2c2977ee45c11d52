// Compiler speed on random DAGs of 1k, 10k and 100k nodes (2 edges a node), against a baseline that every
// compile must pay anyway: JSON round-trip of the same document (what the gateway does to receive and send it).
import { compile } from '../compiler/compile.js';
import { createNodeRegistry } from '../nodes/registry.js';
import { formatMs, measure, type BenchSuite, type Measurement } from './harness.js';

/** Deterministic pseudo-random numbers, so every run benchmarks the same graphs. */
function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

export function randomWorkflow(size: number, seed = 42) {
  const rand = lcg(seed);
  const id = (i: number) => `n${i}`;
  const nodes: object[] = [{ id: id(0), type: 'trigger.manual' }];
  const edges: object[] = [];
  for (let i = 1; i < size; i++) {
    const parent = Math.floor(rand() * i);
    // One node in ten reads an ancestor's output through an expression.
    const node =
      i % 10 === 0
        ? { id: id(i), type: 'data.set', config: { assignments: [{ name: 'v', value: `{{ $node.${id(parent)}.v }}` }] } }
        : { id: id(i), type: 'flow.noop' };
    nodes.push(node);
    edges.push({ id: `e${i}a`, source: id(parent), target: id(i) });
    if (i > 1) {
      const other = Math.floor(rand() * i);
      if (other !== parent) edges.push({ id: `e${i}b`, source: id(other), target: id(i) });
    }
  }
  return { name: `random ${size}`, nodes, edges };
}

export const suite: BenchSuite = {
  name: 'compiler',
  async run() {
    const catalog = createNodeRegistry().catalog;
    const measurements: Measurement[] = [];
    const verdicts: string[] = [];
    for (const size of [1_000, 10_000, 100_000]) {
      const document = randomWorkflow(size);
      const edges = document.edges.length;
      const check = compile(document, { catalog, credentials: [] });
      if (!check.ok) throw new Error(`benchmark document of ${size} nodes does not compile: ${JSON.stringify(check.errors.slice(0, 3))}`);
      const iterations = size >= 100_000 ? 3 : 10;
      const baseline = await measure(`JSON round-trip, ${size} nodes`, () => JSON.parse(JSON.stringify(document)), {
        iterations,
        warmup: 1,
      });
      const compiled = await measure(`compile ${size} nodes / ${edges} edges`, () => compile(document, { catalog, credentials: [] }), {
        iterations,
        warmup: 1,
      });
      compiled.extra = {
        perNodeUs: ((compiled.medianMs * 1000) / size).toFixed(1),
        vsJsonRoundTrip: `${(compiled.medianMs / baseline.medianMs).toFixed(1)}x`,
      };
      measurements.push(baseline, compiled);
      if (size === 10_000) verdicts.push(`10k nodes / ${edges} edges: ${formatMs(compiled.medianMs)} (goal < 100 ms)`);
    }
    const [, small, , , , large] = measurements;
    if (small && large)
      verdicts.push(`scaling 1k -> 100k: ${(large.medianMs / small.medianMs).toFixed(0)}x time for 100x nodes (linear = 100x)`);
    return { suite: 'compiler (random DAGs, built-in node types)', measurements, verdicts };
  },
};
