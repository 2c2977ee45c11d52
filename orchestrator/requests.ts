// Answering a person's request: checked against the stored request first (clear 404/409/400), then delivered to
// the run as a Temporal update whose validator is the final word, so two answers can never both take effect.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import { findRequest } from '../db/request-store.js';
import { findRun } from '../db/run-store.js';
import { checkFormAnswer, type FormSchema } from '../workflows/form-answer.js';
import { answerUpdate, type AnswerInput } from '../workflows/human.js';

export class RequestAnswerError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'REQUEST_CLOSED' | 'INVALID_ANSWER',
    message: string,
  ) {
    super(message);
  }
}

export async function answerRequest(deps: { db: Database; client: Client }, args: { requestId: string; answer: string; by: string; via: AnswerInput['via'] }): Promise<void> {
  const request = await findRequest(deps.db, args.requestId);
  if (!request) throw new RequestAnswerError('NOT_FOUND', `Request ${args.requestId} not found`);
  if (request.status !== 'open') throw new RequestAnswerError('REQUEST_CLOSED', `Request ${args.requestId} is already ${request.status}`);
  const form = (request.details as { form?: FormSchema } | null)?.form;
  if (form) {
    const checked = checkFormAnswer(form, args.answer);
    if (!checked.ok) throw new RequestAnswerError('INVALID_ANSWER', `The answer does not fit the form: ${checked.problems.join('; ')}`);
  }
  const options = request.options as { value: string }[];
  if (!form && !options.some((o) => o.value === args.answer) && !(request.allowFreeText && args.answer.trim())) {
    throw new RequestAnswerError('INVALID_ANSWER', `Answer with one of: ${options.map((o) => o.value).join(', ')}`);
  }
  const run = await findRun(deps.db, request.runId);
  if (!run) throw new RequestAnswerError('NOT_FOUND', `Run ${request.runId} not found`);
  try {
    await deps.client.workflow.getHandle(run.temporalWorkflowId).executeUpdate(answerUpdate, { args: [{ requestId: request.id, answer: args.answer, by: args.by, via: args.via }] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new RequestAnswerError('REQUEST_CLOSED', err.cause?.message ?? 'The request is no longer open');
    if (err instanceof WorkflowNotFoundError || (err instanceof Error && /already completed|not found/i.test(err.message))) {
      throw new RequestAnswerError('REQUEST_CLOSED', 'The run is no longer waiting for this answer');
    }
    throw err;
  }
}
