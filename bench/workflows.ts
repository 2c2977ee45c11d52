// Workflow bundle entry for benchmarks: Loom's interpreter and the hand-written baseline it is compared with.
import { proxyActivities } from '@temporalio/workflow';
import type { LoomActivities } from '../activities/index.js';
import { expandPlan, type Plan } from '../compiler/plan.js';

export { loomItems, loomRun } from '../workflows/run.js';
// The raw Temporal chains, run by a plain worker on its own task queue of the same server (executor.bench.ts).
export { rawChain } from './raw-workflows.js';

const { executeNode } = proxyActivities<LoomActivities>({
  startToCloseTimeout: '60 seconds',
  heartbeatTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/** What a developer would write by hand: the same activity, called once per node, in sequence. */
export async function handWrittenChain(args: { runId: string; plan: Plan; input: unknown }): Promise<unknown> {
  let value = args.input;
  for (const node of expandPlan(args.plan).nodes) {
    if (node.kind !== 'activity') continue;
    value = await executeNode({ runId: args.runId, node, input: value });
  }
  return value;
}
