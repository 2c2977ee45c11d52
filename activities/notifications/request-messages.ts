// What people are told when a run asks them something: the Slack-compatible webhook message and the email, both
// from one notice. Pure: the request activity decides who is told and stores the messages in the outbox.
import type { RequestKind } from '../../db/schema.js';
import type { OpenRequest } from '../contracts.js';

const TITLE = {
  approval: 'Approval needed',
  question: 'A question for you',
  recovery: 'A step failed: what now?',
} as const satisfies Record<RequestKind, string>;

/** The machine-readable part of every message, so a receiving bot can answer without parsing text. */
export interface RequestNotice {
  requestId: string;
  runId: string;
  nodeId: string;
  kind: RequestKind;
  question: string;
  options: OpenRequest['options'];
  /** ISO time. */
  expiresAt: string;
  answerUrl: string;
}

export function requestNotice(
  request: Pick<OpenRequest, 'id' | 'runId' | 'nodeId' | 'kind' | 'question' | 'options' | 'expiresAt'>,
  answerUrl: string,
): RequestNotice {
  const { id, runId, nodeId, kind, question, options } = request;
  return { requestId: id, runId, nodeId, kind, question, options, expiresAt: new Date(request.expiresAt).toISOString(), answerUrl };
}

function lines(notice: RequestNotice): string[] {
  return [
    notice.question,
    `Options: ${notice.options.map((o) => o.label).join(' / ') || 'a typed answer'}`,
    `Answer: ${notice.answerUrl}`,
    `Expires: ${notice.expiresAt}`,
  ];
}

/** A Slack-compatible webhook body: the title in bold, one line per fact. */
export function webhookMessage(notice: RequestNotice): { text: string; loom: RequestNotice } {
  return { text: `*${TITLE[notice.kind]}*\n${lines(notice).join('\n')}`, loom: notice };
}

/** An email: the title and the start of the question as the subject, one paragraph per fact. */
export function emailMessage(notice: RequestNotice): { subject: string; text: string; loom: RequestNotice } {
  return { subject: `[Loom] ${TITLE[notice.kind]}: ${notice.question.slice(0, 120)}`, text: lines(notice).join('\n\n'), loom: notice };
}
