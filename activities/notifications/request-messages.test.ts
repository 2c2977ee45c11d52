import { describe, expect, it } from 'vitest';
import { emailMessage, requestNotice, webhookMessage } from './request-messages.js';

const request = {
  id: 'req_1',
  runId: 'run_1',
  nodeId: 'ask',
  kind: 'approval' as const,
  question: 'Delete 500 rows?',
  options: [
    { value: 'approve', label: 'Approve' },
    { value: 'cancel', label: 'Cancel' },
  ],
  expiresAt: Date.parse('2026-12-03T12:00:00Z'),
};
const notice = requestNotice(request, 'https://loom.example/v1/answer-links/tok');

describe('request messages', () => {
  it('carry the request as data, with its expiry as an ISO time', () => {
    expect(notice).toEqual({
      requestId: 'req_1',
      runId: 'run_1',
      nodeId: 'ask',
      kind: 'approval',
      question: 'Delete 500 rows?',
      options: request.options,
      expiresAt: '2026-12-03T12:00:00.000Z',
      answerUrl: 'https://loom.example/v1/answer-links/tok',
    });
  });

  it('tell a webhook the title in bold and one fact per line', () => {
    expect(webhookMessage(notice)).toEqual({
      text: '*Approval needed*\nDelete 500 rows?\nOptions: Approve / Cancel\nAnswer: https://loom.example/v1/answer-links/tok\nExpires: 2026-12-03T12:00:00.000Z',
      loom: notice,
    });
  });

  it('mail a subject with the start of the question, and one paragraph per fact', () => {
    const long = requestNotice({ ...request, kind: 'question', question: 'x'.repeat(200), options: [] }, 'https://loom.example/a');
    const mail = emailMessage(long);
    expect(mail.subject).toBe(`[Loom] A question for you: ${'x'.repeat(120)}`);
    expect(mail.text).toBe(
      `${'x'.repeat(200)}\n\nOptions: a typed answer\n\nAnswer: https://loom.example/a\n\nExpires: 2026-12-03T12:00:00.000Z`,
    );
    expect(mail.loom).toBe(long);
  });
});
