// A real Loom stack for benchmarks, in this process: a Temporal dev server with Loom's settings, PGlite, one worker
// over the benchmark workflow bundle (bench/workflows.ts), and a way to compile a document and run it to the end.
// Every suite that runs Loom starts it here, so they all measure the same stack.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWorkflowBundle } from '../apps/worker/bundle.js';
import { startLoomWorker } from '../apps/worker/worker.js';
import { compile } from '../compiler/compile.js';
import type { Plan } from '../compiler/plan.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import type { RunRow } from '../db/schema.js';
import { insertWorkflow } from '../db/workflow-store.js';
import { BUILTIN_NODES, createNodeRegistry, type NodeRegistry } from '../nodes/registry.js';
import { defineNode, type NodeDefinition } from '../nodes/sdk/node.js';
import { startRun } from '../orchestrator/runs.js';
import { createLogger } from '../platform/logger.js';
import { createPayloadCodec } from '../platform/temporal/codec.js';
import { connectTemporal, type TemporalHandle } from '../platform/temporal/connection.js';
import type { DevServer } from '../platform/temporal/dev-server.js';
import { installTemporalRuntime } from '../platform/temporal/runtime.js';
import { startEphemeralDevServer } from '../test/support/dev-server.js';
import { LOOM_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

/** The cheapest side-effecting node: the activity machinery is what is measured, not the node's work. */
export const benchEcho = defineNode({
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

export interface PreparedWorkflow {
  workflow: Awaited<ReturnType<typeof insertWorkflow>>;
  plan: Plan;
}

export interface BenchStack {
  server: DevServer;
  database: DatabaseHandle;
  temporal: TemporalHandle;
  nodes: NodeRegistry;
  taskQueue: string;
  /** The benchmark workflow bundle the worker runs (Loom's workflow and the hand-written baselines). */
  bundle: string;
  /** Compiles and stores a workflow document. */
  prepare(document: object): Promise<PreparedWorkflow>;
  /** Starts a run of it; `runHistoryEvents` as the operator would configure it. */
  start(prepared: PreparedWorkflow, input: unknown, options?: { runHistoryEvents?: number }): Promise<RunRow>;
  /** Starts a run of it and waits for its end. */
  run(prepared: PreparedWorkflow, input: unknown): Promise<void>;
  close(): Promise<void>;
}

/** A linear chain: a manual trigger, then `length` nodes of one type with the same config (and execution, if given). */
export function chain(type: string, length: number, config: object = {}, execution?: 'local' | 'activity') {
  const nodes = [
    { id: 'start', type: 'trigger.manual' },
    ...Array.from({ length }, (_, i) => ({ id: `n${String(i).padStart(3, '0')}`, type, config, ...(execution ? { execution } : {}) })),
  ];
  return { name: `${type} x${length}`, nodes, edges: nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id })) };
}

export async function startBenchStack(options: { nodes?: NodeDefinition[] } = {}): Promise<BenchStack> {
  const log = createLogger({ level: 'error' });
  installTemporalRuntime(log);
  const server = await startEphemeralDevServer({ searchAttributes: LOOM_SEARCH_ATTRIBUTES });
  const database = await openDatabase({ kind: 'pglite', dataDir: undefined });
  const payloadCodec = createPayloadCodec(randomBytes(32));
  const temporal = await connectTemporal({ address: server.address, namespace: 'default', codec: payloadCodec });
  const nodes = createNodeRegistry({ nodes: [...BUILTIN_NODES, benchEcho, ...(options.nodes ?? [])] });
  const taskQueue = 'bench';
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
  const start: BenchStack['start'] = ({ workflow, plan }, input, extra = {}) =>
    startRun({ db: database.db, client: temporal.client, taskQueue, ...extra }, { workflow, plan, input, trigger: 'bench' });
  return {
    server,
    database,
    temporal,
    nodes,
    taskQueue,
    bundle,
    async prepare(document) {
      const result = compile(document, { catalog: nodes.catalog, credentials: [] });
      if (!result.plan) throw new Error(`bench document does not compile: ${JSON.stringify(result.errors)}`);
      return { workflow: await insertWorkflow(database.db, { ownerId: 'usr_bench', name: 'bench', document }), plan: result.plan };
    },
    start,
    async run(prepared, input) {
      const run = await start(prepared, input);
      await temporal.client.workflow.getHandle(run.temporalWorkflowId).result();
    },
    async close() {
      await worker.shutdown();
      await temporal.close();
      await database.close();
      await server.stop();
    },
  };
}
