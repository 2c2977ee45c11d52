// A flow.for_each over 10,000 items on a real Temporal dev server and PGlite, worker in this process: the body is
// one activity node (bench.echo, whose work is nothing), 50 items at a time. Measured: wall time, items per second,
// the longest history of any one workflow execution (the run's and every chunk's), and the process's peak RSS
// (worker, PGlite and client together: the worker's share is an upper bound).
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureWorkflowBundle } from '../apps/worker/bundle.js';
import { startLoomWorker } from '../apps/worker/worker.js';
import { compile } from '../compiler/compile.js';
import { openDatabase } from '../db/client.js';
import { insertWorkflow } from '../db/workflow-store.js';
import { BUILTIN_NODES, createNodeRegistry } from '../nodes/registry.js';
import { defineNode } from '../nodes/sdk/node.js';
import { startRun } from '../orchestrator/runs.js';
import { createLogger } from '../platform/logger.js';
import { locateTemporalCli } from '../platform/temporal/cli-binary.js';
import { createPayloadCodec } from '../platform/temporal/codec.js';
import { connectTemporal } from '../platform/temporal/connection.js';
import { startDevServer } from '../platform/temporal/dev-server.js';
import { installTemporalRuntime } from '../platform/temporal/runtime.js';
import { freePort } from '../test/support/ports.js';
import { LOOM_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import type { BenchSuite, Measurement } from './harness.js';

const ITEMS = Number(process.env.LOOM_BENCH_ITEMS ?? 10_000);
const CONCURRENCY = 50;

const echo = defineNode({
  type: 'bench.echo',
  version: 1,
  displayName: 'Echo',
  category: 'flow',
  description: 'Returns its input (benchmarks only).',
  kind: 'activity',
  fields: {},
  inputs: [{ name: 'in', dataType: 'any' }],
  outputs: [{ name: 'out', dataType: 'json' }],
  operations: () => ['pure'],
  execute: async (input) => input,
});

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
    const log = createLogger({ level: 'error' });
    installTemporalRuntime(log);
    const binary = await locateTemporalCli({ progress: (m) => console.error(m) });
    const server = await startDevServer({
      binary,
      ip: '127.0.0.1',
      port: await freePort(),
      uiPort: undefined,
      dbFilename: undefined,
      namespace: 'default',
      searchAttributes: LOOM_SEARCH_ATTRIBUTES,
      logFile: path.join(await mkdtemp(path.join(tmpdir(), 'loom-bench-')), 'temporal.log'),
    });
    const database = await openDatabase({ kind: 'pglite', dataDir: undefined });
    const payloadCodec = createPayloadCodec(randomBytes(32));
    const temporal = await connectTemporal({ address: server.address, namespace: 'default', codec: payloadCodec });
    const nodes = createNodeRegistry({ nodes: [...BUILTIN_NODES, echo] });
    const taskQueue = 'bench-for-each';
    const bundle = await ensureWorkflowBundle(path.resolve('.data/cache'), (m) => console.error(m));
    const worker = await startLoomWorker({
      address: server.address,
      namespace: 'default',
      taskQueue,
      workflowBundlePath: bundle,
      payloadCodec,
      db: database.db,
      nodes,
      log,
      httpPolicy: { allowedHosts: [] },
    });
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    try {
      const compiled = compile(document, { catalog: nodes.catalog, credentials: [] });
      if (!compiled.plan) throw new Error(`bench document does not compile: ${JSON.stringify(compiled.errors)}`);
      const workflow = await insertWorkflow(database.db, { ownerId: 'usr_bench', name: 'bench', document });
      const items = Array.from({ length: ITEMS }, (_, i) => i);
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();
      const run = await startRun(
        { db: database.db, client: temporal.client, taskQueue },
        { workflow, plan: compiled.plan, input: { items }, trigger: 'bench' },
      );
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
      await worker.shutdown();
      await temporal.close();
      await database.close();
      await server.stop();
    }
  },
};
