// Long runs: a 2,000-node sequential run (activity and pure nodes alternating) on a real Temporal dev server and
// PGlite, continuing as new whenever its history nears the budget (workflows/carry-over.ts). Reports the wall time,
// the executions in the chain and the longest history, and checks the run reads as one run: every node completed
// once, events numbered without gap or duplicate, the run started once, the output as computed.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWorkflowBundle } from '../apps/worker/bundle.js';
import { startLoomWorker } from '../apps/worker/worker.js';
import { compile } from '../compiler/compile.js';
import { openDatabase } from '../db/client.js';
import { listRunEvents } from '../db/event-store.js';
import { findRun, listNodeExecutions } from '../db/run-store.js';
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

const NODES = 2_000;

/** trigger → (echo → data.set x+1) × NODES/2. */
function chain() {
  const steps = Array.from({ length: NODES / 2 }, (_, i) => [
    { id: `a${i}`, type: 'bench.echo' },
    { id: `p${i}`, type: 'data.set', config: { assignments: [{ name: 'x', value: '{{ $json.x + 1 }}' }] } },
  ]).flat();
  const nodes = [{ id: 'start', type: 'trigger.manual' }, ...steps];
  return { name: `long ${NODES}`, nodes, edges: nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id })) };
}

export const suite: BenchSuite = {
  name: 'long-runs',
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
    const taskQueue = 'bench-long';
    const entry = fileURLToPath(new URL('./workflows.ts', import.meta.url));
    const bundle = await ensureWorkflowBundle(path.resolve('.data/cache'), (m) => console.error(m), entry);
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

    const document = chain();
    const compiled = compile(document, { catalog: nodes.catalog, credentials: [] });
    if (!compiled.plan) throw new Error(`bench document does not compile: ${JSON.stringify(compiled.errors)}`);
    const plan = compiled.plan;
    const workflow = await insertWorkflow(database.db, { ownerId: 'usr_bench', name: 'long', document });

    /** One run with this history budget: its figures, after checking it reads as one run. */
    async function longRun(runHistoryEvents: number): Promise<Measurement> {
      const started = performance.now();
      const run = await startRun(
        { db: database.db, client: temporal.client, taskQueue, runHistoryEvents },
        { workflow, plan, input: { x: 0 }, trigger: 'bench' },
      );
      await temporal.client.workflow.getHandle(run.temporalWorkflowId).result();
      const ms = performance.now() - started;

      const histories: number[] = [];
      for await (const e of temporal.client.workflow.list({ query: `WorkflowId = "${run.temporalWorkflowId}"` }))
        histories.push((await temporal.client.workflow.getHandle(e.workflowId, e.runId).fetchHistory()).events?.length ?? 0);
      const row = await findRun(database.db, run.id);
      const rows = await listNodeExecutions(database.db, run.id);
      const events = await listRunEvents(database.db, run.id, 0, 100_000);
      const problems = [
        row?.status !== 'completed' && `status ${row?.status}`,
        JSON.stringify(row?.output) !== JSON.stringify({ [`p${NODES / 2 - 1}`]: { x: NODES / 2 } }) && 'output',
        (rows.length !== NODES + 1 || rows.some((r) => r.status !== 'completed')) && 'node rows',
        events.some((e, i) => e.seq !== i + 1) && 'event gaps',
        new Set(events.map((e) => e.key)).size !== events.length && 'duplicate events',
        events.filter((e) => e.type === 'run_started').length !== 1 && 'run_started twice',
        events.filter((e) => e.type === 'node_completed').length !== NODES + 1 && 'node_completed count',
      ].filter(Boolean);
      if (problems.length > 0) throw new Error(`the ${NODES}-node run does not read as one run: ${problems.join(', ')}`);
      return {
        name: `${NODES}-node sequential run, history budget ${runHistoryEvents} events`,
        medianMs: ms,
        p95Ms: ms,
        iterations: 1,
        extra: {
          executions: histories.length,
          longestHistory: Math.max(...histories),
          events: events.length,
          msPerNode: (ms / NODES).toFixed(2),
        },
      };
    }

    try {
      // The configured default (LOOM_RUN_HISTORY_EVENTS), where Temporal's own suggestion usually comes first; then low.
      const standard = await longRun(10_000);
      const low = await longRun(1_000);
      return {
        suite: 'long runs (Temporal dev server + PGlite, one worker, this process)',
        measurements: [standard, low],
        verdicts: [
          `${NODES} nodes completed with continue-as-new: ${standard.extra?.executions} executions, longest history ${standard.extra?.longestHistory} events (limit 51,200)`,
          `budget 1,000: ${low.extra?.executions} executions, longest history ${low.extra?.longestHistory} events; same node rows, events and output`,
        ],
      };
    } finally {
      await worker.shutdown();
      await temporal.close();
      await database.close();
      await server.stop();
    }
  },
};
