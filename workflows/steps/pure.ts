// Pure nodes: evaluated here, in the workflow, within its step budget; in the evaluatePure activity when their
// data was offloaded, their expressions need more steps, or their output would bloat history. A node that asks
// for a durable timer (flow.wait) waits for it before it completes.
// Two entries: pureStepNow, which settles a node without a promise when nothing in it must wait (the scheduler then
// applies it in the same pass, see run.ts), and pureStep, the way runs recorded before it evaluated.
import { patched, sleep } from '@temporalio/workflow';
import { isPending } from '../../nodes/expressions/evaluate.js';
import { evaluatePureNode, evaluatePureNow, needsFullBudget, WORKFLOW_STEPS_PER_NODE } from '../../nodes/runtime/evaluate-pure.js';
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
 * evaluates it). Patched: runs recorded before evaluated every expression here with the full budget. Runs recorded
 * before the fast evaluator resolve with JSONata alone, so their promises settle as they did.
 */
async function evaluateHere(ctx: StepContext, ...args: Parameters<typeof evaluatePureNode>): Promise<PureResult | undefined> {
  if (!patched('pure-nodes-workflow-step-budget')) return evaluatePureNode(args[0], args[1], args[2], args[3], { fastEvaluator: false });
  const allowance = grant(ctx);
  try {
    return await evaluatePureNode(args[0], args[1], args[2], args[3], { allowance: allowance.bounds, fastEvaluator: false });
  } catch (err) {
    if (needsFullBudget(err)) return undefined;
    throw err;
  } finally {
    allowance.settle();
  }
}

/** Steps for one node from what the run has left; settle() gives back what it did not spend. */
function grant(ctx: StepContext): { bounds: { remaining: number }; settle(): void } {
  const steps = ctx.state.workflowSteps;
  const bounds = { remaining: Math.min(WORKFLOW_STEPS_PER_NODE, steps.remaining) };
  const granted = bounds.remaining;
  return { bounds, settle: () => void (steps.remaining -= granted - Math.max(0, bounds.remaining)) };
}

/**
 * The node's outcome, at once when its expressions need no JSONata and it neither waits nor goes to the activity;
 * a promise otherwise. Errors are thrown or rejected, as a step's are (run.ts makes them the node's outcome).
 */
export function pureStepNow(ctx: StepContext, step: StepInput): NodeOutcome | Promise<NodeOutcome> {
  const { node, input, sources, scope, ref } = step;
  if (containsPayloadRef(sources) || containsPayloadRef(ref.node)) return inActivity(ctx, step);
  const allowance = grant(ctx);
  let result: PureResult | Promise<PureResult>;
  try {
    result = evaluatePureNow(node, input, scope, sources, { allowance: allowance.bounds });
  } catch (err) {
    allowance.settle();
    return outOfBudget(ctx, step, err);
  }
  if (!isPending(result)) {
    allowance.settle();
    return conclude(ctx, step, result);
  }
  return result.then(
    (settled) => (allowance.settle(), conclude(ctx, step, settled)),
    (err: unknown) => (allowance.settle(), outOfBudget(ctx, step, err)),
  );
}

/** Past the workflow's allowance the activity finishes the node; any other error is the node's. */
function outOfBudget(ctx: StepContext, step: StepInput, err: unknown): Promise<NodeOutcome> {
  if (needsFullBudget(err)) return inActivity(ctx, step);
  throw err;
}

function conclude(ctx: StepContext, step: StepInput, result: PureResult): NodeOutcome | Promise<NodeOutcome> {
  if (exceedsThreshold(result.output)) return inActivity(ctx, step);
  return result.waitUntil !== undefined && result.waitUntil > Date.now() ? waitFor(ctx, step, result) : completed(result);
}

async function inActivity(ctx: StepContext, { node, input, sources, ref }: StepInput): Promise<NodeOutcome> {
  const result = await bookkeeping.evaluatePure({ runId: ctx.runId, node, input, sources, scope: ref });
  return result.waitUntil !== undefined && result.waitUntil > Date.now() ? waitFor(ctx, { node }, result) : completed(result);
}

async function waitFor(ctx: StepContext, { node }: Pick<StepInput, 'node'>, result: PureResult): Promise<NodeOutcome> {
  const ms = result.waitUntil! - Date.now();
  await ctx.state.whileWaiting(node, () => sleep(ms));
  return completed(result);
}

const completed = (result: PureResult): NodeOutcome => ({ kind: 'completed', output: result.output, fired: result.fire ?? ['out'] });
