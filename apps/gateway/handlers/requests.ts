// Answering a request as a signed-in user, written once for the REST route and the WebSocket command: the same scope
// check and the same orchestrator call, so who may answer and what counts as an answer are decided in one place
// (orchestrator/requests.ts). A refusal is an ApiError or an OrchestratorError, mapped by errors.ts.
import type { Client } from '@temporalio/client';
import type { Database } from '../../../db/client.js';
import type { Principal } from '../../../identity/principal.js';
import { answerRequest, type AnswerOutcome } from '../../../orchestrator/requests.js';
import { requireScope } from '../auth/authenticate.js';

export async function answerAsUser(
  deps: { db: Database; client: Client },
  principal: Principal,
  args: { requestId: string; answer: string; via: 'api' | 'websocket' },
): Promise<AnswerOutcome> {
  requireScope(principal, 'requests:answer');
  return answerRequest(deps, {
    requestId: args.requestId,
    answer: args.answer,
    answerer: { kind: 'user', userId: principal.userId, groups: principal.groups },
    via: args.via,
  });
}
