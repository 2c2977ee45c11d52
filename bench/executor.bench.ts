// Executor benchmarks on a real Temporal dev server and PGlite, all in this process:
// per-node overhead of Loom's interpreter against a hand-written workflow calling the same activity,
// the cost of pure nodes evaluated in the workflow, and runs completed per second by one worker.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { appendRunEvents, type NewRunEvent } from '../db/event-store.js';
import { recordNodeExecution } from '../db/node-record-store.js';
import { insertRun, upsertNodeExecution } from '../db/run-store.js';
import { measure, type BenchSuite, type Measurement } from './harness.js';
import { chain as lineOf, startBenchStack, type PreparedWorkflow } from './loom-stack.js';
import type { RawActivities } from './raw-workflows.js';

const CONFIGS: Record<string, object> = {
  'data.set': {
    assignments: [
      { name: 'step', value: '{{ $json.x + 1 }}' },
      { name: 'x', value: '{{ $json.x + 1 }}' },
    ],
  },
};

/** A trigger and `length` nodes of one type in a line; `execution` set on each node overrides its type's choice. */
const chain = (type: string, length: number, execution?: 'local' | 'activity') => lineOf(type, length, CONFIGS[type] ?? {}, execution);

export const suite: BenchSuite = {
  name: 'executor',
  async run() {
    const stack = await startBenchStack();
    const { server, database, temporal, taskQueue, bundle } = stack;
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

    const prepare = (document: object) => stack.prepare(document);
    const loom = (p: PreparedWorkflow) => stack.run(p, { x: 1 });
    /** A run row for a baseline that calls Loom's activities without Loom's workflow. */
    const runRow = (p: PreparedWorkflow, input: unknown) =>
      insertRun(database.db, {
        ownerId: 'usr_bench',
        workflowId: p.workflow.id,
        plan: p.plan,
        planHash: p.plan.hash,
        trigger: 'bench',
        input,
      });
    const handWritten = async (p: PreparedWorkflow) => {
      const run = await runRow(p, { x: 1 });
      await temporal.client.workflow.execute('handWrittenChain', {
        workflowId: run.temporalWorkflowId,
        taskQueue,
        args: [{ runId: run.id, plan: p.plan, input: { x: 1 } }],
      });
    };

    /** One node's bookkeeping on PGlite, as executeNode did it before (four calls) and as it does now (one). */
    async function bookkeeping(p: PreparedWorkflow) {
      const run = await runRow(p, {});
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
      rawWorker.shutdown();
      await rawRunning;
      await rawClientConnection.close();
      await rawConnection.close();
      await stack.close();
    }
  },
};
