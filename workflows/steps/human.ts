// Human steps. A human node (approval or question) waits for a person; so do the approval before a sensitive node
// and the recovery after a node's retries are spent, which the activity step asks through ask(). Each is turned into
// an AskSpec for HumanWaits, and the answer back into a decision.
import { patched } from '@temporalio/workflow';
import type { NodeErrorInfo } from '../../activities/contracts.js';
import type { PlanNode } from '../../compiler/plan.js';
import { resolveConfig, type ExpressionScope } from '../../nodes/expressions/evaluate.js';
import { approvalNode, AUTOMATIC_WAIT_MS, normaliseOptions, questionNode } from '../../nodes/human.js';
import { WORKFLOW_STEPS_PER_NODE } from '../../nodes/runtime/evaluate-pure.js';
import { containsPayloadRef } from '../../nodes/runtime/payload-ref.js';
import { NodeError } from '../../nodes/sdk/errors.js';
import type { ConfigOf, Fields } from '../../nodes/sdk/fields.js';
import { configInvalid, parseConfig, type NodeDefinition } from '../../nodes/sdk/node.js';
import { bookkeeping } from '../bookkeeping.js';
import type { AskSpec, HumanAnswer, HumanWaits } from '../human-waits.js';
import type { NodeScope } from '../run-state.js';
import type { NodeOutcome, StepContext, StepInput } from './outcome.js';

export type HumanStep = { kind: 'node' } | { kind: 'approval' } | { kind: 'recovery'; error: NodeErrorInfo };

export type HumanOutcome =
  { proceed: true; output: unknown; decision: string } | { proceed: false; reason: NodeErrorInfo; decision: string };

export async function humanStep(ctx: StepContext, { node, input, scope, ref }: StepInput): Promise<NodeOutcome> {
  const outcome = await ask(ctx, node, { kind: 'node' }, { scope, ref, input });
  return outcome.proceed ? { kind: 'completed', output: outcome.output, fired: ['out'] } : { kind: 'refused', reason: outcome.reason };
}

/** Waits for a person; the node counts as waiting (no budget spent) meanwhile. */
export function ask(
  ctx: StepContext,
  node: PlanNode,
  step: HumanStep,
  at: { scope: ExpressionScope; ref: NodeScope; input: unknown },
): Promise<HumanOutcome> {
  const { runId } = ctx;
  const { scope, ref, input } = at;
  return ctx.state.whileWaiting(node, () => {
    // Offloaded data is not in the workflow: a question or approval that reads it is resolved in an activity.
    // Patched: runs recorded before resolved it here, from the references themselves, and must replay that way.
    const resolve = async (config: Record<string, unknown>) =>
      (containsPayloadRef(input) || containsPayloadRef(scope.node)) && patched('human-config-reads-payloads')
        ? bookkeeping.resolveNodeConfig({ runId, config, input, scope: ref })
        : // Bounded as pure nodes are (see nodes/runtime/evaluate-pure.ts): past the allowance the node fails with EXPRESSION_LIMIT.
          // The fast evaluator is patched too: runs recorded before it resolved with JSONata, promises settling as they did.
          resolveConfig(config, scope, {
            ...(patched('pure-nodes-workflow-step-budget') ? { allowance: { remaining: WORKFLOW_STEPS_PER_NODE } } : {}),
            fastEvaluator: patched('expressions-fast-evaluator'),
          });
    return askPerson(ctx.human, step, { runId, node, ref, input, resolve });
  });
}

interface AskContext {
  runId: string;
  node: PlanNode;
  ref: NodeScope;
  input: unknown;
  /** Resolves the node's config: here from scope, or in an activity where offloaded data can be read. */
  resolve(config: Record<string, unknown>): Promise<unknown>;
}

const APPROVE = [
  { value: 'approve', label: 'Approve' },
  { value: 'cancel', label: 'Cancel' },
];
const RECOVER = [
  { value: 'retry', label: 'Retry' },
  { value: 'skip', label: 'Skip this step' },
  { value: 'stop', label: 'Stop the run' },
];

/** "45 s", "3 min", "2 h": how long a person is told a retry will wait. */
export function formatWait(ms: number): string {
  if (ms < 120_000) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

async function parsed<F extends Fields>(definition: NodeDefinition<F>, node: PlanNode, ctx: AskContext): Promise<ConfigOf<F>> {
  const result = parseConfig(definition, await ctx.resolve(node.config));
  // Human steps report the issues' messages alone (see configInvalid).
  if (!result.ok) throw configInvalid(result.issues, { paths: false });
  return result.config;
}

async function askPerson(waits: HumanWaits, step: HumanStep, ctx: AskContext): Promise<HumanOutcome> {
  // A request carried over from the run's previous execution (continue-as-new) is waited on again as it was sent.
  const carried = waits.adopt(ctx.node.id, step.kind === 'recovery');
  const spec = carried?.spec ?? (await specOf(step, ctx));
  const answer = carried ? await waits.await(carried) : await waits.ask(spec);
  return decide(step, spec, answer, ctx);
}

async function specOf(step: HumanStep, ctx: AskContext): Promise<AskSpec> {
  const { node, runId } = ctx;
  const base = { runId, nodeId: node.id, allowFreeText: false };
  let spec: AskSpec;
  if (step.kind === 'recovery') {
    const wait = step.error.retryAfterMs;
    // The server said when to come back (Retry-After): the retry offered is a retry after that wait.
    const options = wait ? RECOVER.map((o) => (o.value === 'retry' ? { ...o, label: `Retry after ${formatWait(wait)}` } : o)) : RECOVER;
    spec = {
      ...base,
      kind: 'recovery',
      question: `"${node.name}" failed: ${step.error.message}. What should happen now?`,
      options,
      details: { error: step.error },
      timeoutMs: AUTOMATIC_WAIT_MS,
      timeoutAnswer: 'stop',
      timeoutAction: 'stop',
    };
  } else if (step.kind === 'approval') {
    const described = await bookkeeping.describeNode({ runId, node, input: ctx.input, scope: ctx.ref });
    spec = {
      ...base,
      kind: 'approval',
      question: `Approve "${node.name}"? ${described.summary}`,
      options: APPROVE,
      details: { summary: described.summary, ...described.details, operations: node.operations },
      timeoutMs: AUTOMATIC_WAIT_MS,
      timeoutAnswer: 'cancel',
      timeoutAction: 'cancel',
    };
  } else if (node.type === approvalNode.type) {
    const c = await parsed(approvalNode, node, ctx);
    // The schema applies the defaults ([] both); field.json's derived type does not say so.
    const approvers = c.approvers ?? [];
    const audience =
      approvers.length > 0 || c.requiredApprovals > 1 || c.forbidSelfApproval
        ? { assignees: approvers, requiredApprovals: c.requiredApprovals, forbidSelfApproval: c.forbidSelfApproval }
        : undefined;
    spec = {
      ...base,
      kind: 'approval',
      question: c.message,
      options: APPROVE,
      timeoutMs: c.timeoutMs,
      timeoutAnswer: c.timeoutAction,
      timeoutAction: c.timeoutAction,
      audience,
    };
  } else if (node.type === questionNode.type) {
    const c = await parsed(questionNode, node, ctx);
    spec = {
      ...base,
      kind: 'question',
      question: c.question,
      options: normaliseOptions(c.options ?? []),
      allowFreeText: c.allowFreeText,
      ...(c.form ? { form: c.form } : {}),
      timeoutMs: c.timeoutMs,
      timeoutAnswer: c.timeoutAction === 'default' ? (c.defaultOption ?? '') : '',
      timeoutAction: c.timeoutAction,
    };
  } else {
    throw new NodeError('UNKNOWN_NODE_TYPE', `No human step for ${node.type}`);
  }
  return spec;
}

function decide(step: HumanStep, spec: AskSpec, answer: HumanAnswer & { requestId: string }, ctx: AskContext): HumanOutcome {
  const { node } = ctx;
  // A form answer reaches downstream nodes as the JSON document it is, not as text.
  const value = spec.form && !answer.expired ? (JSON.parse(answer.answer) as unknown) : answer.answer;
  const output = { answer: value, by: answer.by, via: answer.via, requestId: answer.requestId, expired: answer.expired };
  if (spec.kind === 'recovery') return { proceed: true, output, decision: answer.answer };
  if (spec.kind === 'question') {
    if (answer.expired && spec.timeoutAction === 'cancel')
      return {
        proceed: false,
        reason: { code: 'REQUEST_EXPIRED', message: `Nobody answered "${spec.question}" in time` },
        decision: 'cancel',
      };
    return { proceed: true, output, decision: answer.answer };
  }
  if (answer.answer === 'approve') return { proceed: true, output: step.kind === 'node' ? ctx.input : output, decision: 'approve' };
  const reason: NodeErrorInfo = answer.expired
    ? { code: 'REQUEST_EXPIRED', message: `Nobody approved "${node.name}" in time` }
    : { code: 'APPROVAL_REJECTED', message: `${answer.by} cancelled "${node.name}"` };
  return { proceed: false, reason, decision: 'cancel' };
}
