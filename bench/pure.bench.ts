// Pure nodes (issue #13): what one costs evaluated in the workflow, end to end on a real Temporal dev server and
// PGlite (runs of 200 nodes minus a trigger-only run), and what one expression costs in this process on the fast
// evaluator against JSONata, bare and under a promise hook like the one the workflow sandbox installs.
import { promiseHooks } from 'node:v8';
import { resolveString, resolveStringByJsonata, type ExpressionScope } from '../nodes/expressions/evaluate.js';
import { measure, type BenchSuite, type Measurement } from './harness.js';
import { chain, startBenchStack } from './loom-stack.js';

const EXPRESSION = '{{ $json.x + 1 }}';
const SET_CONFIG = {
  assignments: [
    { name: 'step', value: EXPRESSION },
    { name: 'x', value: EXPRESSION },
  ],
};
const NODES = 200;
const GOAL_MS = 0.5;

/** Operations per millisecond turned into microseconds per operation, over a batch large enough to time. */
async function perOperation(name: string, operation: () => unknown, batch: number): Promise<Measurement> {
  const m = await measure(
    name,
    async () => {
      for (let i = 0; i < batch; i++) await operation();
    },
    { iterations: 15, warmup: 3 },
  );
  return { ...m, extra: { 'µs/op': ((m.medianMs * 1000) / batch).toFixed(2) } };
}

/** Runs `work` while every promise created captures a stack trace, as the Temporal SDK's hook does in workflow code. */
async function underPromiseHook<T>(work: () => Promise<T>): Promise<T> {
  const stop = promiseHooks.createHook({ init: () => void new Error().stack });
  try {
    return await work();
  } finally {
    stop();
  }
}

async function micro(): Promise<Measurement[]> {
  const scope: ExpressionScope = { json: { x: 1 }, node: {}, run: { id: 'run_bench' }, vars: {} };
  const fast = () => resolveString(EXPRESSION, scope);
  const jsonata = () => resolveStringByJsonata(EXPRESSION, scope);
  const results = [
    await perOperation('`$json.x + 1`, fast evaluator', fast, 2_000),
    await perOperation('`$json.x + 1`, JSONata (with the guards)', jsonata, 2_000),
  ];
  results.push(
    ...(await underPromiseHook(async () => [
      await perOperation('  same, fast evaluator, stack per promise', fast, 500),
      await perOperation('  same, JSONata, stack per promise', jsonata, 500),
    ])),
  );
  return results;
}

export const suite: BenchSuite = {
  name: 'pure',
  async run() {
    const expressions = await micro();
    const stack = await startBenchStack();
    try {
      const empty = await stack.prepare(chain('flow.noop', 0));
      const noops = await stack.prepare(chain('flow.noop', NODES));
      const sets = await stack.prepare(chain('data.set', NODES, SET_CONFIG));
      const options = { iterations: 10, warmup: 2 };
      const base = await measure('Loom run, trigger only', () => stack.run(empty, { x: 1 }), options);
      const noop = await measure(`Loom run, ${NODES} flow.noop`, () => stack.run(noops, { x: 1 }), options);
      const set = await measure(`Loom run, ${NODES} data.set (2 expressions each)`, () => stack.run(sets, { x: 1 }), options);
      const perNode = (m: Measurement) => (m.medianMs - base.medianMs) / NODES;
      const verdict = (what: string, ms: number) =>
        `per pure node, ${what} (run minus trigger-only, /${NODES}): ${ms.toFixed(3)} ms (goal < ${GOAL_MS} ms: ${ms < GOAL_MS ? 'met' : 'NOT met'})`;
      const [fast, alone, fastHooked, aloneHooked] = expressions.map((m) => Number(m.extra?.['µs/op']));
      return {
        suite: 'pure nodes (Temporal dev server + PGlite, one worker, this process)',
        measurements: [...expressions, base, noop, set],
        verdicts: [
          `expression \`$json.x + 1\`: fast ${fast} µs vs JSONata ${alone} µs; with a stack per promise ${fastHooked} µs vs ${aloneHooked} µs`,
          verdict('flow.noop', perNode(noop)),
          verdict('data.set with two expressions', perNode(set)),
        ],
      };
    } finally {
      await stack.close();
    }
  },
};
