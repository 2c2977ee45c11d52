// The protocol of the WebSocket /v1/ws: what a client may send (one zod union) and a session per socket that carries
// it out: run subscriptions, the inbox of requests, a webhook's test deliveries, and commands. Commands that change something (pause, resume,
// stop, answer) call the REST routes' own handlers (handlers/), so scopes, lookups and refusals are the routes',
// and a refusal goes back as {type: 'error', runId? | requestId?, error: {code, message}} with the API's code
// (errors.ts), exactly what the route would have answered.
import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { Database } from '../../../db/client.js';
import { listRequests, requestVisibleTo } from '../../../db/request-store.js';
import { findRun } from '../../../db/run-store.js';
import { findWebhook } from '../../../db/webhook-store.js';
import { hasScope, type Principal } from '../../../identity/principal.js';
import { requireScope } from '../auth/authenticate.js';
import { API_ERRORS, ApiError, apiErrorOf, type ApiErrorCode } from '../errors.js';
import { answerAsUser } from '../handlers/requests.js';
import { ownRun, superviseOwnRun } from '../handlers/runs.js';
import { findProblem } from '../../../platform/json-guard.js';
import { refusalOf } from '../request-guard.js';
import { requestView } from '../views.js';
import { RunEventCursor, type RunEventView } from './cursor.js';
import type { EventHub } from './event-hub.js';
import type { LiveGrant } from './reauthorization.js';

const Id = z.string().min(1).max(100);
export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), runId: Id, after: z.number().int().min(0).default(0) }),
  z.object({ type: z.literal('unsubscribe'), runId: Id }),
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.enum(['pause', 'resume', 'stop']), runId: Id }),
  z.object({ type: z.literal('answer'), requestId: Id, answer: z.string().min(1).max(10_000) }),
  // The live inbox: every request this user may answer, now and as they open, gain approvals and close.
  z.object({ type: z.literal('subscribe_inbox') }),
  z.object({ type: z.literal('unsubscribe_inbox') }),
  // The editor testing a webhook: every delivery to its test URL (armed by POST .../hooks/:hookId/listen).
  z.object({ type: z.literal('subscribe_hook'), hookId: Id }),
  z.object({ type: z.literal('unsubscribe_hook'), hookId: Id }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

type RequestView = ReturnType<typeof requestView>;

/** Everything the server sends; an error carries the API's code and names the run or request it is about. */
export type ServerMessage =
  | { type: 'error'; runId?: string; requestId?: string; hookId?: string; error: { code: ApiErrorCode; message: string } }
  | { type: 'pong' }
  | { type: 'subscribed'; runId: string; after: number }
  | { type: 'unsubscribed'; runId: string }
  | { type: 'event'; runId: string; event: RunEventView }
  | {
      type: 'control';
      action: 'pause' | 'resume' | 'stop';
      runId: string;
      state?: NonNullable<Awaited<ReturnType<typeof superviseOwnRun>>>;
    }
  | { type: 'answered'; requestId: string }
  | { type: 'approval_counted'; requestId: string; approvals: number; required: number }
  | { type: 'inbox'; items: RequestView[] }
  | { type: 'inbox_unsubscribed' }
  | { type: 'request'; request: RequestView }
  | { type: 'hook_subscribed'; hookId: string }
  | { type: 'hook_unsubscribed'; hookId: string }
  /** A test delivery arrived: the run it started (subscribe to follow it) and the request as the trigger saw it. */
  | { type: 'hook_request'; hookId: string; runId: string; request: unknown };

/** How many open requests a fresh inbox subscription is sent before the live ones. */
const INBOX_BACKLOG = 200;

export interface WsSessionDeps {
  db: Database;
  client: Client;
  hub: EventHub;
  /** The socket's principal, established again before every message (live/reauthorization.ts). */
  grant: LiveGrant;
  send: (message: ServerMessage) => void;
  log: FastifyBaseLogger;
}

export interface WsSession {
  /** One message from the client; never rejects for a refusal, which is answered as an error message. */
  receive(data: Buffer): Promise<void>;
  /** The socket closed: end every subscription. */
  close(): void;
}

/** What an error message names, so a client can tell which of its commands failed. */
const subjectOf = (message: ClientMessage) =>
  'runId' in message
    ? { runId: message.runId }
    : 'requestId' in message
      ? { requestId: message.requestId }
      : 'hookId' in message
        ? { hookId: message.hookId }
        : {};

function parse(data: Buffer): { ok: true; message: ClientMessage } | { ok: false; error: { code: ApiErrorCode; message: string } } {
  try {
    const message: unknown = JSON.parse(data.toString());
    // The same refusal as the HTTP routes' (request-guard.ts): NUL, unpaired surrogates, runaway nesting.
    const problem = findProblem(message, 'message');
    if (problem) return { ok: false, error: refusalOf(problem) };
    return { ok: true, message: ClientMessageSchema.parse(message) };
  } catch {
    return {
      ok: false,
      error: {
        code: 'VALIDATION_FAILED',
        message:
          'Expected {type: "subscribe"|"unsubscribe"|"subscribe_inbox"|"unsubscribe_inbox"|"subscribe_hook"|"unsubscribe_hook"|"pause"|"resume"|"stop"|"answer"|"ping", ...}',
      },
    };
  }
}

export function createWsSession(deps: WsSessionDeps): WsSession {
  const { db, grant, send } = deps;
  const handlerDeps = { db, client: deps.client };
  const cursors = new Map<string, { cursor: RunEventCursor; unsubscribe: () => void }>();
  let inbox: (() => void) | undefined;
  const hooks = new Map<string, () => void>();
  const dropHook = (hookId: string) => {
    hooks.get(hookId)?.();
    hooks.delete(hookId);
  };
  const drop = (runId: string) => {
    const sub = cursors.get(runId);
    sub?.cursor.stop();
    sub?.unsubscribe();
    cursors.delete(runId);
  };
  const dropInbox = () => {
    inbox?.();
    inbox = undefined;
  };
  const viewerOf = (p: Principal) => ({ userId: p.userId, groups: p.groups });

  async function carryOut(message: ClientMessage, principal: Principal): Promise<void> {
    switch (message.type) {
      case 'ping':
        return send({ type: 'pong' });
      case 'pause':
      case 'resume':
      case 'stop': {
        const state = await superviseOwnRun(handlerDeps, principal, { runId: message.runId, action: message.type, via: 'websocket' });
        return send({ type: 'control', action: message.type, runId: message.runId, ...(state ? { state } : {}) });
      }
      case 'answer': {
        const outcome = await answerAsUser(handlerDeps, principal, {
          requestId: message.requestId,
          answer: message.answer,
          via: 'websocket',
        });
        if (outcome.status === 'awaiting_approvals')
          return send({ type: 'approval_counted', requestId: message.requestId, approvals: outcome.approvals, required: outcome.required });
        return send({ type: 'answered', requestId: message.requestId });
      }
      case 'unsubscribe':
        drop(message.runId);
        return send({ type: 'unsubscribed', runId: message.runId });
      case 'unsubscribe_inbox':
        dropInbox();
        return send({ type: 'inbox_unsubscribed' });
      case 'subscribe_inbox': {
        requireScope(principal, 'requests:read');
        dropInbox();
        // Subscribed before the backlog is read, so nothing that opens in between is missed (it may come twice:
        // every message carries the request's whole state, keyed by its id).
        // Each delivery is filtered by the principal as last re-established (groups may have changed since).
        const backlog = async () => {
          const open = await listRequests(db, viewerOf(grant.current()), { status: 'open', limit: INBOX_BACKLOG });
          send({ type: 'inbox', items: open.map(requestView) });
        };
        inbox = deps.hub.subscribeRequests(
          (row) => {
            if (hasScope(grant.current(), 'requests:read') && requestVisibleTo(row, viewerOf(grant.current())))
              send({ type: 'request', request: requestView(row) });
          },
          // Changes missed while the gateway's LISTEN was down: the whole open list again, as on subscribing.
          () => {
            if (hasScope(grant.current(), 'requests:read'))
              backlog().catch((err: unknown) => deps.log.warn({ err }, 'inbox backlog read failed'));
          },
        );
        return backlog();
      }
      case 'unsubscribe_hook':
        dropHook(message.hookId);
        return send({ type: 'hook_unsubscribed', hookId: message.hookId });
      case 'subscribe_hook': {
        requireScope(principal, 'workflows:read');
        const found = await findWebhook(db, message.hookId);
        if (!found || found.workflow.ownerId !== principal.userId) throw new ApiError('NOT_FOUND', `No webhook ${message.hookId}`);
        dropHook(message.hookId);
        // The run row says whose it is: only the owner's runs reach the owner (re-checked as the principal is now).
        hooks.set(
          message.hookId,
          deps.hub.subscribeHookTests(message.hookId, (runId) => {
            findRun(db, runId, grant.current().userId)
              .then((run) => run && send({ type: 'hook_request', hookId: message.hookId, runId, request: run.input }))
              .catch((err: unknown) => deps.log.warn({ err }, 'hook test delivery read failed'));
          }),
        );
        return send({ type: 'hook_subscribed', hookId: message.hookId });
      }
      case 'subscribe': {
        const run = await ownRun(db, principal, message.runId);
        drop(run.id);
        const cursor = new RunEventCursor(
          db,
          run.id,
          message.after,
          (event) => send({ type: 'event', runId: run.id, event }),
          (err) => deps.log.warn({ err }, 'event stream read failed'),
        );
        cursors.set(run.id, { cursor, unsubscribe: deps.hub.subscribe(run.id, cursor.pump) });
        send({ type: 'subscribed', runId: run.id, after: message.after });
        return cursor.pump();
      }
    }
  }

  return {
    async receive(data) {
      const parsed = parse(data);
      if (!parsed.ok) return send({ type: 'error', error: parsed.error });
      // Every action is authorized when it happens, by the principal as it is now (its key, session, user, role).
      let principal: Principal;
      try {
        principal = await grant.check();
      } catch (err) {
        // Revoked: the grant has closed the socket, saying why. Anything else is answered as a failed message.
        if (err instanceof ApiError) return;
        throw err;
      }
      try {
        await carryOut(parsed.message, principal);
      } catch (err) {
        const refusal = apiErrorOf(err);
        if (!refusal) deps.log.error({ err }, 'WebSocket command failed');
        send({
          type: 'error',
          ...subjectOf(parsed.message),
          error: refusal ? { code: refusal.code, message: refusal.message } : { code: 'INTERNAL', message: API_ERRORS.INTERNAL.message },
        });
      }
    },
    close() {
      dropInbox();
      for (const hookId of [...hooks.keys()]) dropHook(hookId);
      for (const runId of [...cursors.keys()]) drop(runId);
    },
  };
}
