// The three ways a run asks a person, turned into AskSpecs and back into decisions: a human node (approval or
// question), an approval before a sensitive node (described concretely by the node itself), and recovery after
// a node's retries are spent.
import type { NodeErrorInfo } from '../activities/contracts.js';
import type { PlanNode } from '../compiler/plan.js';
import type { ExpressionScope } from '../nodes/expressions/evaluate.js';
import { approvalNode, AUTOMATIC_WAIT_MS, normaliseOptions, questionNode } from '../nodes/human.js';
import { NodeError } from '../nodes/sdk/errors.js';
import { HumanWaits, type AskSpec } from './human-waits.js';

export { HumanWaits };

export type HumanStep = { kind: 'node' } | { kind: 'approval' } | { kind: 'recovery'; error: NodeErrorInfo };

export type HumanOutcome =
  | { proceed: true; output: unknown; decision: string }
  | { proceed: false; reason: NodeErrorInfo; decision: string };

interface AskContext {
  runId: string;
  node: PlanNode;
  scope: ExpressionScope;
  input: unknown;
  describe(args: { runId: string; node: PlanNode; input: unknown; scope: { node: Record<string, unknown>; run: ExpressionScope['run']; vars: Record<string, unknown> } }): Promise<{ summary: string; details?: Record<string, unknown> }>;
  /** Resolves the node's config: here from scope, or in an activity where offloaded data can be read (run.ts). */
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

async function parsed<T>(definition: { configSchema: { safeParse(v: unknown): { success: true; data: unknown } | { success: false; error: { issues: { message: string }[] } } } }, node: PlanNode, ctx: AskContext): Promise<T> {
  const result = definition.configSchema.safeParse(await ctx.resolve(node.config));
  if (!result.success) throw new NodeError('CONFIG_INVALID', result.error.issues.map((i) => i.message).join('; '));
  return result.data as T;
}

export async function askPerson(waits: HumanWaits, step: HumanStep, ctx: AskContext): Promise<HumanOutcome> {
  const { node, runId } = ctx;
  const base = { runId, nodeId: node.id, allowFreeText: false };
  let spec: AskSpec;
  if (step.kind === 'recovery') {
    const wait = step.error.retryAfterMs;
    // The server said when to come back (Retry-After): the retry offered is a retry after that wait.
    const options = wait ? RECOVER.map((o) => (o.value === 'retry' ? { ...o, label: `Retry after ${formatWait(wait)}` } : o)) : RECOVER;
    spec = { ...base, kind: 'recovery', question: `"${node.name}" failed: ${step.error.message}. What should happen now?`, options, details: { error: step.error }, timeoutMs: AUTOMATIC_WAIT_MS, timeoutAnswer: 'stop', timeoutAction: 'stop' };
  } else if (step.kind === 'approval') {
    const described = await ctx.describe({ runId, node, input: ctx.input, scope: { node: ctx.scope.node, run: ctx.scope.run, vars: ctx.scope.vars } });
    spec = { ...base, kind: 'approval', question: `Approve "${node.name}"? ${described.summary}`, options: APPROVE, details: { summary: described.summary, ...described.details, operations: node.operations }, timeoutMs: AUTOMATIC_WAIT_MS, timeoutAnswer: 'cancel', timeoutAction: 'cancel' };
  } else if (node.type === approvalNode.type) {
    const c = await parsed<{ message: string; timeoutMs: number; timeoutAction: 'cancel' | 'approve'; approvers: string[]; requiredApprovals: number; forbidSelfApproval: boolean }>(approvalNode, node, ctx);
    const audience = c.approvers.length > 0 || c.requiredApprovals > 1 || c.forbidSelfApproval ? { assignees: c.approvers, requiredApprovals: c.requiredApprovals, forbidSelfApproval: c.forbidSelfApproval } : undefined;
    spec = { ...base, kind: 'approval', question: c.message, options: APPROVE, timeoutMs: c.timeoutMs, timeoutAnswer: c.timeoutAction, timeoutAction: c.timeoutAction, audience };
  } else if (node.type === questionNode.type) {
    const c = await parsed<{ question: string; options: (string | { value: string; label: string })[]; allowFreeText: boolean; form?: Record<string, unknown>; timeoutMs: number; timeoutAction: 'cancel' | 'default'; defaultOption?: string }>(questionNode, node, ctx);
    spec = { ...base, kind: 'question', question: c.question, options: normaliseOptions(c.options), allowFreeText: c.allowFreeText, ...(c.form ? { form: c.form } : {}), timeoutMs: c.timeoutMs, timeoutAnswer: c.timeoutAction === 'default' ? (c.defaultOption ?? '') : '', timeoutAction: c.timeoutAction };
  } else {
    throw new NodeError('UNKNOWN_NODE_TYPE', `No human step for ${node.type}`);
  }

  const answer = await waits.ask(spec);
  // A form answer reaches downstream nodes as the JSON document it is, not as text.
  const value = spec.form && !answer.expired ? JSON.parse(answer.answer) as unknown : answer.answer;
  const output = { answer: value, by: answer.by, via: answer.via, requestId: answer.requestId, expired: answer.expired };
  if (spec.kind === 'recovery') return { proceed: true, output, decision: answer.answer };
  if (spec.kind === 'question') {
    if (answer.expired && spec.timeoutAction === 'cancel') return { proceed: false, reason: { code: 'REQUEST_EXPIRED', message: `Nobody answered "${spec.question}" in time` }, decision: 'cancel' };
    return { proceed: true, output, decision: answer.answer };
  }
  if (answer.answer === 'approve') return { proceed: true, output: step.kind === 'node' ? ctx.input : output, decision: 'approve' };
  const reason = answer.expired ? { code: 'REQUEST_EXPIRED', message: `Nobody approved "${node.name}" in time` } : { code: 'APPROVAL_REJECTED', message: `${answer.by} cancelled "${node.name}"` };
  return { proceed: false, reason, decision: 'cancel' };
}
