// Answering a person's request: checked against the stored request first (clear 404/403/409/400), then delivered
// to the run as a Temporal update whose validator is the final word, so two answers can never both take effect.
// An approval that needs N approvers collects them in the database; the run hears once, when the Nth arrives.
import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import { addApproval, appendAudit, findRequest, findVisibleRequest } from '../db/request-store.js';
import { findRun } from '../db/run-store.js';
import type { HumanRequestRow } from '../db/schema.js';
import { checkFormAnswer, type FormSchema } from '../workflows/form-answer.js';
import { answerUpdate, type AnswerInput } from '../workflows/human-waits.js';
import { OrchestratorError, temporalVerdict } from './errors.js';
import { refuseAnswer, type Answerer } from './request-access.js';

export type AnswerOutcome = { status: 'answered' } | { status: 'awaiting_approvals'; approvals: number; required: number };

function checkAnswerShape(request: HumanRequestRow, answer: string): void {
  const form = (request.details as { form?: FormSchema } | null)?.form;
  if (form) {
    const checked = checkFormAnswer(form, answer);
    if (!checked.ok) throw new OrchestratorError('INVALID_ANSWER', `The answer does not fit the form: ${checked.problems.join('; ')}`);
    return;
  }
  const options = request.options as { value: string }[];
  if (!options.some((o) => o.value === answer) && !(request.allowFreeText && answer.trim())) {
    throw new OrchestratorError('INVALID_ANSWER', `Answer with one of: ${options.map((o) => o.value).join(', ')}`);
  }
}

export async function answerRequest(
  deps: { db: Database; client: Client },
  args: { requestId: string; answer: string; answerer: Answerer; via: AnswerInput['via'] },
): Promise<AnswerOutcome> {
  const { answerer } = args;
  // A signed link already proved access to this one request; a user sees only requests of their runs or naming them.
  const request =
    answerer.kind === 'link' ? await findRequest(deps.db, args.requestId) : await findVisibleRequest(deps.db, answerer, args.requestId);
  if (!request) throw new OrchestratorError('NOT_FOUND', `Request ${args.requestId} not found`);
  if (request.status !== 'open') throw new OrchestratorError('REQUEST_CLOSED', `Request ${args.requestId} is already ${request.status}`);
  checkAnswerShape(request, args.answer);
  const run = await findRun(deps.db, request.runId);
  if (!run) throw new OrchestratorError('NOT_FOUND', `Run ${request.runId} not found`);
  const refusal = refuseAnswer(request, run, answerer, args.answer);
  if (refusal) throw new OrchestratorError(refusal.code, refusal.message);

  let by = answerer.kind === 'user' ? answerer.userId : 'answer link';
  if (answerer.kind === 'user' && request.kind === 'approval' && args.answer === 'approve' && request.requiredApprovals > 1) {
    const approvals = await addApproval(deps.db, request.id, answerer.userId, new Date());
    if (!approvals) throw new OrchestratorError('ALREADY_APPROVED', 'You have already approved this request, or it is no longer open');
    await appendAudit(deps.db, {
      requestId: request.id,
      runId: run.id,
      action: 'approval_given',
      question: request.question,
      answer: 'approve',
      actor: answerer.userId,
      channel: args.via,
      latencyMs: Date.now() - request.createdAt.getTime(),
    });
    if (approvals.length < request.requiredApprovals)
      return { status: 'awaiting_approvals', approvals: approvals.length, required: request.requiredApprovals };
    by = approvals.map((a) => a.userId).join(', ');
  }

  try {
    await deps.client.workflow
      .getHandle(run.temporalWorkflowId)
      .executeUpdate(answerUpdate, { args: [{ requestId: request.id, answer: args.answer, by, via: args.via }] });
  } catch (err) {
    const verdict = temporalVerdict(err);
    if (verdict?.kind === 'refused')
      throw new OrchestratorError('REQUEST_CLOSED', verdict.reason ?? 'The request is no longer open', { cause: err });
    if (verdict?.kind === 'closed')
      throw new OrchestratorError('REQUEST_CLOSED', 'The run is no longer waiting for this answer', { cause: err });
    throw err;
  }
  return { status: 'answered' };
}
