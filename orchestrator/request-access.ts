// Who may answer a request. Pure rules over the stored request, the run and the person answering, so every channel
// (REST, WebSocket, signed link) applies the same ones.
import { audienceKeys } from '../db/request-store.js';
import type { HumanRequestRow, RunRow } from '../db/schema.js';

export type Answerer =
  | { kind: 'user'; userId: string; groups: readonly string[] }
  /** A signed answer link: it proves access to one request, not who clicked it. */
  | { kind: 'link' };

export type AccessRefusal = { code: 'FORBIDDEN'; message: string };

export function isAssignee(request: HumanRequestRow, answerer: Answerer): boolean {
  if (answerer.kind !== 'user') return false;
  const keys = audienceKeys(answerer);
  return request.assignees.some((a) => keys.includes(a));
}

/** Undefined when the answer may go ahead; otherwise why not. Visibility (404) is decided before this. */
export function refuseAnswer(request: HumanRequestRow, run: RunRow, answerer: Answerer, answer: string): AccessRefusal | undefined {
  const named = request.assignees.length > 0 || request.requiredApprovals > 1 || request.forbidSelfApproval === 1;
  if (answerer.kind === 'link') {
    return named ? { code: 'FORBIDDEN', message: 'This request must be answered by named people: sign in to answer it' } : undefined;
  }
  if (request.assignees.length > 0 && !isAssignee(request, answerer)) {
    return { code: 'FORBIDDEN', message: 'You are not one of the people who may answer this request' };
  }
  if (request.assignees.length === 0 && request.ownerId !== answerer.userId) {
    return { code: 'FORBIDDEN', message: 'Only the owner of the run may answer this request' };
  }
  if (request.kind === 'approval' && answer === 'approve' && request.forbidSelfApproval === 1 && run.startedBy === answerer.userId) {
    return { code: 'FORBIDDEN', message: 'You started this run, so someone else must approve it' };
  }
  return undefined;
}
