// Executor benchmarks on a real Temporal dev server and PGlite, all in this process:
// per-node overhead of Loom's interpreter against a hand-written workflow calling the same activity,
// the cost of pure nodes evaluated in the workflow, and runs completed per second by one worker.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ensureWorkflowBundle } from '../apps/worker/bundle.js';
import { startLoomWorker } from '../apps/worker/worker.js';
import { compile } from '../compiler/compile.js';
import type { Plan } from '../compiler/plan.js';
import { openDatabase } from '../db/client.js';
import { appendRunEvents, type NewRunEvent } from '../db/event-store.js';
import { recordNodeExecution } from '../db/node-record-store.js';
import { insertRun, upsertNodeExecution } from '../db/run-store.js';
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
import { measure, type BenchSuite, type Measurement } from './harness.js';
import type { RawActivities } from './raw-workflows.js';

/** The cheapest side-effecting node: the activity machinery is what is measured, not the node's work. */
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

const CONFIGS: Record<string, object> = {
  'data.set': {
    assignments: [
      { name: 'step', value: '{{ $json.x + 1 }}' },
      { name: 'x', value: '{{ $json.x + 1 }}' },
    ],
  },
};

/** A trigger and `length` nodes of one type in a line; `execution` set on each node overrides its type's choice. */
function chain(type: string, length: number, execution?: 'local' | 'activity') {
  const nodes = [
    { id: 'start', type: 'trigger.manual' },
    ...Array.from({ length }, (_, i) => ({
      id: `n${String(i).padStart(3, '0')}`,
      type,
      config: CONFIGS[type] ?? {},
      ...(execution ? { execution } : {}),
    })),
  ];
  return { name: `${type} x${length}`, nodes, edges: nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id })) };
}

export const suite: BenchSuite = {
  name: 'executor',
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
    // Raw Temporal on the same server, no Loom code: a plain worker and client (no codec) on their own task queue.
    const rawConnection = await NativeConnection.connect({ address: server.address });
    const rawActivities: RawActivities = { noop: async (v) => v + 1 };
    const rawWorker = await Worker.create({
      connection: rawConnection,
      taskQueue: 'raw',
      workflowBundle: { codePath: bundle },
      activities: rawActivities,
    });
    const rawRunning = rawWorker.run();
    const rawClientConnection = await Connection.connect({ address: server.address });
    const rawClient = new Client({ connection: rawClientConnection });
    const rawChain =
      (local: boolean, steps = 20) =>
      () =>
        rawClient.workflow.execute('rawChain', { taskQueue: 'raw', workflowId: `raw-${crypto.randomUUID()}`, args: [{ steps, local }] });

    async function prepare(document: object): Promise<{ workflow: Awaited<ReturnType<typeof insertWorkflow>>; plan: Plan }> {
      const result = compile(document, { catalog: nodes.catalog, credentials: [] });
      if (!result.plan) throw new Error(`bench document does not compile: ${JSON.stringify(result.errors)}`);
      return { workflow: await insertWorkflow(database.db, { ownerId: 'usr_bench', name: 'bench', document }), plan: result.plan };
    }
    const loom = async (p: { workflow: Awaited<ReturnType<typeof insertWorkflow>>; plan: Plan }) => {
      const run = await startRun(deps, { workflow: p.workflow, plan: p.plan, input: { x: 1 }, trigger: 'bench' });
      await temporal.client.workflow.getHandle(run.temporalWorkflowId).result();
    };
    const handWritten = async (p: { workflow: Awaited<ReturnType<typeof insertWorkflow>>; plan: Plan }) => {
      const run = await insertRun(database.db, {
        ownerId: 'usr_bench',
        workflowId: p.workflow.id,
        plan: p.plan,
        planHash: p.plan.hash,
        trigger: 'bench',
        input: { x: 1 },
      });
      await temporal.client.workflow.execute('handWrittenChain', {
        workflowId: run.temporalWorkflowId,
        taskQueue,
        args: [{ runId: run.id, plan: p.plan, input: { x: 1 } }],
      });
    };

    /** One node's bookkeeping on PGlite, as executeNode did it before (four calls) and as it does now (one). */
    async function bookkeeping(p: { workflow: Awaited<ReturnType<typeof insertWorkflow>>; plan: Plan }) {
      const run = await insertRun(database.db, {
        ownerId: 'usr_bench',
        workflowId: p.workflow.id,
        plan: p.plan,
        planHash: p.plan.hash,
        trigger: 'bench',
        input: {},
      });
      let n = 0;
      const node = () => {
        const nodeId = `n${++n}`;
        const started: NewRunEvent = {
          key: `node_started:${nodeId}:1`,
          type: 'node_started',
          nodeId,
          data: { attempt: 1, input: { x: 1 } },
        };
        const completed: NewRunEvent = {
          key: `node_completed:${nodeId}`,
          type: 'node_completed',
          nodeId,
          data: { output: { x: 1 }, durationMs: 1 },
        };
        const row = { runId: run.id, nodeId, nodeType: 'bench.echo', attempt: 1, input: { x: 1 }, startedAt: new Date() };
        return { started, completed, row };
      };
      return {
        before: async () => {
          const { started, completed, row } = node();
          await upsertNodeExecution(database.db, { ...row, status: 'running' });
          await appendRunEvents(database.db, run.id, [started]);
          await upsertNodeExecution(database.db, { ...row, status: 'completed', output: { x: 1 }, finishedAt: new Date() });
          await appendRunEvents(database.db, run.id, [completed]);
        },
        now: async () => {
          const { started, completed, row } = node();
          await recordNodeExecution(database.db, { ...row, status: 'completed', output: { x: 1 }, finishedAt: new Date() }, [
            started,
            completed,
          ]);
        },
      };
    }

    try {
      const echo20 = await prepare(chain('bench.echo', 20));
      const echo20Local = await prepare(chain('bench.echo', 20, 'local'));
      const pure20 = await prepare(chain('flow.noop', 20));
      const pure200 = await prepare(chain('data.set', 200));
      const empty = await prepare(chain('flow.noop', 0));
      const echo3 = await prepare(chain('bench.echo', 3));
      const iterations = 10;

      const books = await bookkeeping(echo20);
      const booksBefore = await measure('node bookkeeping on PGlite, before (4 calls)', books.before, { iterations: 100, warmup: 10 });
      const booksNow = await measure('node bookkeeping on PGlite, one statement', books.now, { iterations: 100, warmup: 10 });
      const rawEmpty = await measure('raw Temporal, no activity', rawChain(false, 0), { iterations, warmup: 2 });
      const rawRegular = await measure('raw Temporal, 20 activities', rawChain(false), { iterations, warmup: 2 });
      const rawLocal = await measure('raw Temporal, 20 local activities', rawChain(true), { iterations, warmup: 2 });
      const hand = await measure('hand-written workflow, 20 activities', () => handWritten(echo20), { iterations, warmup: 2 });
      const ours = await measure('Loom run, 20 activity nodes', () => loom(echo20), { iterations, warmup: 2 });
      const oursLocal = await measure('Loom run, 20 local activity nodes', () => loom(echo20Local), { iterations, warmup: 2 });
      const base = await measure('Loom run, trigger only', () => loom(empty), { iterations, warmup: 2 });
      const pure = await measure('Loom run, 20 pure nodes (flow.noop)', () => loom(pure20), { iterations, warmup: 2 });
      const pureMany = await measure('Loom run, 200 pure nodes (data.set)', () => loom(pure200), { iterations, warmup: 2 });

      const concurrent = 40;
      const started = performance.now();
      await Promise.all(Array.from({ length: concurrent }, () => loom(echo3)));
      const seconds = (performance.now() - started) / 1000;
      const throughput: Measurement = {
        name: `${concurrent} concurrent runs of 3 activity nodes`,
        medianMs: (seconds * 1000) / concurrent,
        p95Ms: seconds * 1000,
        iterations: concurrent,
        extra: { runsPerSecond: (concurrent / seconds).toFixed(1) },
      };

      const overhead = ours.medianMs / hand.medianMs;
      // Per node: the run minus a trigger-only run (the run's own bookkeeping), over 20; per raw step likewise, the
      // chain minus a workflow with no activity (its start and completion).
      const perNode = (m: Measurement) => (m.medianMs - base.medianMs) / 20;
      const perRawStep = (m: Measurement) => (m.medianMs - rawEmpty.medianMs) / 20;
      const perPureNode = (pure.medianMs - base.medianMs) / 20;
      const perPureNodeMany = (pureMany.medianMs - base.medianMs) / 200;
      return {
        suite: 'executor (Temporal dev server + PGlite, one worker, this process)',
        measurements: [booksBefore, booksNow, rawEmpty, rawRegular, rawLocal, hand, ours, oursLocal, base, pure, pureMany, throughput],
        verdicts: [
          `per node, Loom local: ${perNode(oursLocal).toFixed(2)} ms, Loom regular: ${perNode(ours).toFixed(2)} ms; per step, raw local: ${perRawStep(rawLocal).toFixed(2)} ms, raw regular: ${perRawStep(rawRegular).toFixed(2)} ms`,
          `node bookkeeping: ${booksBefore.medianMs.toFixed(2)} ms before, ${booksNow.medianMs.toFixed(2)} ms now (${(booksBefore.medianMs / booksNow.medianMs).toFixed(1)}x)`,
          `Loom local node vs raw local activity step: ${(perNode(oursLocal) / perRawStep(rawLocal)).toFixed(2)}x (goal <= 2x)`,
          `Loom local node vs Loom regular node (today's path): ${(perNode(ours) / perNode(oursLocal)).toFixed(2)}x faster (goal >= 5x)`,
          `Loom vs hand-written, 20 activity nodes: ${overhead.toFixed(2)}x (goal <= 1.2x)`,
          `per activity node: Loom ${(ours.medianMs / 20).toFixed(2)} ms, hand-written ${(hand.medianMs / 20).toFixed(2)} ms`,
          `per pure node (20-node run minus trigger-only run, /20): ${perPureNode.toFixed(3)} ms (goal < 1 ms)`,
          `per pure node incl. expression and bookkeeping (200-node data.set run minus trigger-only, /200): ${perPureNodeMany.toFixed(3)} ms`,
          `throughput: ${(concurrent / seconds).toFixed(1)} runs/s with one worker`,
        ],
      };
    } finally {
      await worker.shutdown();
      rawWorker.shutdown();
      await rawRunning;
      await rawClientConnection.close();
      await rawConnection.close();
      await temporal.close();
      await database.close();
      await server.stop();
    }
  },
};
