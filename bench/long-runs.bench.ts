// Long runs: a 2,000-node sequential run (activity and pure nodes alternating) on a real Temporal dev server and
// PGlite, continuing as new whenever its history nears the budget (workflows/carry-over.ts). Reports the wall time,
// the executions in the chain and the longest history, and checks the run reads as one run: every node completed
// once, events numbered without gap or duplicate, the run started once, the output as computed.
import { listRunEvents } from '../db/event-store.js';
import { findRun, listNodeExecutions } from '../db/run-store.js';
import type { BenchSuite, Measurement } from './harness.js';
import { startBenchStack } from './loom-stack.js';

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
    const stack = await startBenchStack();
    const { temporal, database } = stack;
    const document = chain();
    const prepared = await stack.prepare(document);

    /** One run with this history budget: its figures, after checking it reads as one run. */
    async function longRun(runHistoryEvents: number): Promise<Measurement> {
      const started = performance.now();
      const run = await stack.start(prepared, { x: 0 }, { runHistoryEvents });
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
      await stack.close();
    }
  },
};
