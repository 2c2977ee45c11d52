// Pure nodes: evaluated here, in the workflow, within its step budget; in the evaluatePure activity when their
// data was offloaded, their expressions need more steps, or their output would bloat history. A node that asks
// for a durable timer (flow.wait) waits for it before it completes.
import { patched, sleep } from '@temporalio/workflow';
import { evaluatePureNode, needsFullBudget, WORKFLOW_STEPS_PER_NODE } from '../../nodes/runtime/evaluate-pure.js';
import { containsPayloadRef, exceedsThreshold } from '../../nodes/runtime/payload-ref.js';
import type { PureResult } from '../../nodes/sdk/node.js';
import { bookkeeping } from '../bookkeeping.js';
import type { NodeOutcome, StepContext, StepInput } from './outcome.js';

export async function pureStep(ctx: StepContext, { node, input, sources, scope, ref }: StepInput): Promise<NodeOutcome> {
  // Offloaded data is not in the workflow: such nodes (and any whose output would bloat history) run in an activity.
  let result =
    containsPayloadRef(sources) || containsPayloadRef(ref.node) ? undefined : await evaluateHere(ctx, node, input, scope, sources);
  if (!result || exceedsThreshold(result.output))
    result = await bookkeeping.evaluatePure({ runId: ctx.runId, node, input, sources, scope: ref });
  if (result.waitUntil !== undefined && result.waitUntil > Date.now()) {
    const ms = result.waitUntil - Date.now();
    await ctx.state.whileWaiting(node, () => sleep(ms));
  }
  return { kind: 'completed', output: result.output, fired: result.fire ?? ['out'] };
}

/**
 * A pure node in the workflow, within the workflow's step budget; undefined when it needs more (the activity then
 * evaluates it). Patched: runs recorded before evaluated every expression here with the full budget.
 */
async function evaluateHere(ctx: StepContext, ...args: Parameters<typeof evaluatePureNode>): Promise<PureResult | undefined> {
  if (!patched('pure-nodes-workflow-step-budget')) return evaluatePureNode(...args);
  const steps = ctx.state.workflowSteps;
  const allowance = { remaining: Math.min(WORKFLOW_STEPS_PER_NODE, steps.remaining) };
  const granted = allowance.remaining;
  try {
    return await evaluatePureNode(args[0], args[1], args[2], args[3], { allowance });
  } catch (err) {
    if (needsFullBudget(err)) return undefined;
    throw err;
  } finally {
    steps.remaining -= granted - Math.max(0, allowance.remaining);
  }
}
