// A real Loom stack for benchmarks, in this process: a Temporal dev server, PGlite, one worker over the benchmark
// workflow bundle (bench/workflows.ts), and a way to compile a document and run it to the end.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWorkflowBundle } from '../apps/worker/bundle.js';
import { startLoomWorker } from '../apps/worker/worker.js';
import { compile } from '../compiler/compile.js';
import type { Plan } from '../compiler/plan.js';
import { openDatabase } from '../db/client.js';
import { insertWorkflow } from '../db/workflow-store.js';
import { BUILTIN_NODES, createNodeRegistry } from '../nodes/registry.js';
import { startRun } from '../orchestrator/runs.js';
import { createLogger } from '../platform/logger.js';
import { locateTemporalCli } from '../platform/temporal/cli-binary.js';
import { createPayloadCodec } from '../platform/temporal/codec.js';
import { connectTemporal } from '../platform/temporal/connection.js';
import { startDevServer } from '../platform/temporal/dev-server.js';
import { installTemporalRuntime } from '../platform/temporal/runtime.js';
import { freePort } from '../test/support/ports.js';
import { LOOM_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

export interface PreparedWorkflow {
  workflow: Awaited<ReturnType<typeof insertWorkflow>>;
  plan: Plan;
}

export interface BenchStack {
  /** Compiles and stores a workflow document. */
  prepare(document: object): Promise<PreparedWorkflow>;
  /** Starts a run of it and waits for its end. */
  run(prepared: PreparedWorkflow, input: unknown): Promise<void>;
  close(): Promise<void>;
}

/** A linear chain: a manual trigger, then `length` nodes of one type with the same config. */
export function chain(type: string, length: number, config: object = {}) {
  const nodes = [
    { id: 'start', type: 'trigger.manual' },
    ...Array.from({ length }, (_, i) => ({ id: `n${String(i).padStart(3, '0')}`, type, config })),
  ];
  return { name: `${type} x${length}`, nodes, edges: nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id })) };
}

export async function startBenchStack(): Promise<BenchStack> {
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
  const nodes = createNodeRegistry({ nodes: BUILTIN_NODES });
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
  const deps = { db: database.db, client: temporal.client, taskQueue };
  return {
    async prepare(document) {
      const result = compile(document, { catalog: nodes.catalog, credentials: [] });
      if (!result.plan) throw new Error(`bench document does not compile: ${JSON.stringify(result.errors)}`);
      return { workflow: await insertWorkflow(database.db, { ownerId: 'usr_bench', name: 'bench', document }), plan: result.plan };
    },
    async run({ workflow, plan }, input) {
      const run = await startRun(deps, { workflow, plan, input, trigger: 'bench' });
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
