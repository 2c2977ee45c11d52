// A flow.for_each over 10,000 items on a real Temporal dev server and PGlite, worker in this process: the body is
// one activity node (bench.echo, whose work is nothing), 50 items at a time. Measured: wall time, items per second,
// the longest history of any one workflow execution (the run's and every chunk's), and the process's peak RSS
// (worker, PGlite and client together: the worker's share is an upper bound).
import type { BenchSuite, Measurement } from './harness.js';
import { startBenchStack } from './loom-stack.js';

const ITEMS = Number(process.env.LOOM_BENCH_ITEMS ?? 10_000);
const CONCURRENCY = 50;

const document = {
  name: `for_each x${ITEMS}`,
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'loop', type: 'flow.for_each', config: { items: '{{ $json.items }}', concurrency: CONCURRENCY } },
    { id: 'echo', type: 'bench.echo', parent: 'loop' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'loop' },
    { id: 'e2', source: 'loop', sourceHandle: 'item', target: 'echo' },
  ],
};

export const suite: BenchSuite = {
  name: 'for-each',
  async run() {
    const stack = await startBenchStack();
    const { temporal } = stack;
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    try {
      const prepared = await stack.prepare(document);
      const items = Array.from({ length: ITEMS }, (_, i) => i);
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();
      const run = await stack.start(prepared, { items });
      await temporal.client.workflow.getHandle(run.temporalWorkflowId).result();
      const wallMs = performance.now() - started;

      // Every execution the run made: its own and one per chunk (ids derive from the run's, workflows/items.ts).
      const ids = [run.temporalWorkflowId];
      for await (const w of temporal.client.workflow.list({ query: `WorkflowId STARTS_WITH "${run.temporalWorkflowId}-items-"` }))
        ids.push(w.workflowId);
      const lengths = await Promise.all(
        ids.map(async (id) => (await temporal.client.workflow.getHandle(id).fetchHistory()).events?.length ?? 0),
      );
      const longest = Math.max(...lengths);
      const perSecond = ITEMS / (wallMs / 1000);
      const measurement: Measurement = {
        name: `for_each over ${ITEMS} items, bench.echo body, concurrency ${CONCURRENCY}`,
        medianMs: wallMs,
        p95Ms: wallMs,
        iterations: 1,
        extra: {
          itemsPerSecond: perSecond.toFixed(0),
          executions: ids.length,
          longestHistory: longest,
          runHistory: lengths[0] ?? 0,
          peakRssMb: (peakRss / 1e6).toFixed(0),
          rssBeforeMb: (rssBefore / 1e6).toFixed(0),
        },
      };
      return {
        suite: 'for-each (Temporal dev server + PGlite, one worker, this process)',
        measurements: [measurement],
        verdicts: [
          `${ITEMS} items in ${(wallMs / 1000).toFixed(1)} s: ${perSecond.toFixed(0)} items/s`,
          `longest history of any one execution: ${longest} events (of ${ids.length} executions; Temporal's limit is 50,000)`,
          `peak RSS of the process (worker + PGlite + client): ${(peakRss / 1e6).toFixed(0)} MB`,
        ],
      };
    } finally {
      clearInterval(sampler);
      await stack.close();
    }
  },
};
