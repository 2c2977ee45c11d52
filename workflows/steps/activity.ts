// Activity nodes: side effects in a Temporal activity, never more time than the run has left. A sensitive node
// waits for approval first; a node with onError 'ask' whose retries are spent asks a person what to do.
import { isCancellation, patched, sleep } from '@temporalio/workflow';
import { activitySummary, errorInfo, nodeActivities } from '../node-activities.js';
import { ask } from './human.js';
import type { NodeErrorInfo } from '../../activities/contracts.js';
import type { NodeOutcome, StepContext, StepInput } from './outcome.js';

export async function activityStep(ctx: StepContext, { node, input, scope, ref, item }: StepInput): Promise<NodeOutcome> {
  const at = { scope, ref, input };
  // A recovery question carried over (continue-as-new) is asked again about the failure it was about: the node
  // was approved and has run, and runs again only if the answer says so.
  let carried = ctx.human.carriedFailure(node.id);
  if (node.settings.requiresApproval && !carried) {
    const outcome = await ask(ctx, node, { kind: 'approval' }, at);
    if (!outcome.proceed) return { kind: 'refused', reason: outcome.reason };
  }
  for (let round = 1; ; round++) {
    const attempt = carried ? { error: carried } : await execute(ctx, { node, input, ref, item }, round);
    carried = undefined;
    if ('output' in attempt) return { kind: 'completed', output: attempt.output, fired: ['out'] };
    // Retries are spent: ask what to do. "retry" runs the node again with a fresh set of attempts.
    const { error } = attempt;
    const outcome = await ask(ctx, node, { kind: 'recovery', error }, at);
    if (outcome.decision === 'retry') {
      // Honour the server's Retry-After before calling again; the wait, like any wait, spends no budget.
      const wait = error.retryAfterMs;
      if (wait && patched('recovery-honours-retry-after')) await ctx.state.whileWaiting(node, () => sleep(wait));
      continue;
    }
    if (outcome.decision === 'skip') return { kind: 'completed', output: { skipped: true, error }, fired: ['out'] };
    return { kind: 'failed', error };
  }
}

/** One execution with its retries: the output, or (onError 'ask') the failure to ask about; other failures throw. */
async function execute(
  ctx: StepContext,
  { node, input, ref, item }: Pick<StepInput, 'node' | 'input' | 'ref' | 'item'>,
  round: number,
): Promise<{ output: unknown } | { error: NodeErrorInfo }> {
  try {
    // A node never gets more time than the run has left. A local node runs as a local activity; runs started
    // before local nodes existed keep scheduling regular ones (their plans never say 'local', and the marker).
    const local = node.settings.execution === 'local' && patched('local-activity-nodes');
    // The Web UI names the node (user metadata on the scheduling command; runs before it keep the bare type).
    const summary = patched('activity-summaries') ? activitySummary(node, round, item) : undefined;
    const output = await nodeActivities(node, Math.max(1_000, ctx.state.budgetLeftMs), local, summary).executeNode({
      runId: ctx.runId,
      node,
      input,
      scope: ref,
      ...(item !== undefined ? { item } : {}),
    });
    return { output };
  } catch (err) {
    if (isCancellation(err) || node.settings.onError !== 'ask') throw err;
    return { error: errorInfo(err) };
  }
}
