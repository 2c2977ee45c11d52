// Live run events: SSE per run (honours Last-Event-ID, so a reconnect resumes without gap or duplicate) and a
// WebSocket that subscribes to several runs at once and to the user's inbox of requests. Both read what they send
// from the database (the event log, the request rows); the hub only wakes them. Neither trusts the principal of
// the request that opened it for longer than a few seconds: every WebSocket action establishes it again, and a sweep
// closes any stream whose key, session or user no longer holds (live/reauthorization.ts).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listRequests, requestVisibleTo } from '../../../db/request-store.js';
import { findRun } from '../../../db/run-store.js';
import { RunControlError, superviseRun } from '../../../orchestrator/control.js';
import { answerRequest, RequestAnswerError } from '../../../orchestrator/requests.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, ApiErrorBodySchema } from '../errors.js';
import { RunEventCursor, type RunEventView } from '../live/cursor.js';
import type { EventHub } from '../live/event-hub.js';
import { hasScope, type Principal } from '../../../identity/principal.js';
import { TIER_LIMITS } from '../../../identity/tiers.js';
import { principalOf } from '../auth/authenticate.js';
import type { StreamSlots } from '../limits/stream-slots.js';
import { createLiveAuthority } from '../live/reauthorization.js';
import { findProblem, refusalOf } from '../request-guard.js';
import { requestView } from '../views.js';

const HEARTBEAT_MS = 15_000;

const Id = z.string().min(1).max(100);
const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), runId: Id, after: z.number().int().min(0).default(0) }),
  z.object({ type: z.literal('unsubscribe'), runId: Id }),
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.enum(['pause', 'resume', 'stop']), runId: Id }),
  z.object({ type: z.literal('answer'), requestId: Id, answer: z.string().min(1).max(10_000) }),
  // The live inbox: every request this user may answer, now and as they open, gain approvals and close.
  z.object({ type: z.literal('subscribe_inbox') }),
  z.object({ type: z.literal('unsubscribe_inbox') }),
]);

/** How many open requests a fresh inbox subscription is sent before the live ones. */
const INBOX_BACKLOG = 200;

function sseFrame(event: RunEventView): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export const eventRoutes: FastifyPluginAsync<GatewayDeps & { hub: EventHub; streams: StreamSlots }> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  // Each open stream holds one of its user's slots (a tier limit) until it closes.
  const slots = new WeakMap<FastifyRequest, () => void>();
  const takeSlot = async (req: FastifyRequest) => {
    // A plain GET to the WebSocket route is refused by the plugin and opens nothing.
    if (req.routeOptions.url === '/v1/ws' && req.headers.upgrade?.toLowerCase() !== 'websocket') return;
    const p = principalOf(req);
    const release = await deps.streams.acquire(p.userId, TIER_LIMITS[p.tier].concurrentStreams);
    if (!release) throw new ApiError('STREAM_LIMIT', `Your plan allows ${TIER_LIMITS[p.tier].concurrentStreams} live streams at once; close one first`);
    slots.set(req, release);
  };
  const releaseSlot = (req: FastifyRequest) => {
    slots.get(req)?.();
    slots.delete(req);
  };
  const closers = new Set<() => void>();
  const authority = createLiveAuthority(db, (err) => app.log.warn({ err }, 'live re-authorization failed'));
  // Open streams would otherwise hold the server open at shutdown: they end before the server waits for connections.
  app.addHook('preClose', async () => {
    authority.close();
    for (const close of closers) close();
  });

  r.get(
    '/v1/runs/:id/events',
    {
      config: { access: 'user', scope: 'runs:read', tokenInQuery: true },
      schema: {
        params: z.object({ id: z.string().min(1).max(100) }),
        querystring: z.object({ after: z.coerce.number().int().min(0).optional() }),
        headers: z.object({ 'last-event-id': z.coerce.number().int().min(0).optional() }).passthrough(),
        response: { 400: ApiErrorBodySchema, 401: ApiErrorBodySchema, 404: ApiErrorBodySchema, 429: ApiErrorBodySchema },
      },
    },
    async (req, reply) => {
      const run = await findRun(db, req.params.id, principalOf(req).userId);
      if (!run) throw new ApiError('NOT_FOUND', `Run ${req.params.id} not found`);
      await takeSlot(req);
      const after = req.headers['last-event-id'] ?? req.query.after ?? 0;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      raw.write('retry: 2000\n\n');
      const cursor = new RunEventCursor(db, run.id, after, (e) => raw.write(sseFrame(e)), (err) => req.log.warn({ err }, 'event stream read failed'));
      const unsubscribe = deps.hub.subscribe(run.id, cursor.pump);
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
      // A revoked credential ends the stream with a last frame saying why (EventSource's reconnect then gets a 401).
      const grant = authority.watch(principalOf(req), 'runs:read', (refusal) => {
        raw.write(`event: revoked\ndata: ${JSON.stringify({ error: { code: refusal.code, message: refusal.message } })}\n\n`);
        close();
      });
      const close = () => {
        grant.release();
        clearInterval(heartbeat);
        cursor.stop();
        unsubscribe();
        closers.delete(close);
        releaseSlot(req);
        raw.end();
      };
      closers.add(close);
      req.raw.on('close', close);
      cursor.pump();
    },
  );

  app.get('/v1/ws', { websocket: true, config: { access: 'user', scope: 'runs:read', tokenInQuery: true }, preHandler: takeSlot }, (socket, req) => {
    const cursors = new Map<string, { cursor: RunEventCursor; unsubscribe: () => void }>();
    const send = (message: unknown) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(message));
    const drop = (runId: string) => {
      const sub = cursors.get(runId);
      sub?.cursor.stop();
      sub?.unsubscribe();
      cursors.delete(runId);
    };
    let inbox: (() => void) | undefined;
    const dropInbox = () => {
      inbox?.();
      inbox = undefined;
    };
    const teardown = () => {
      grant.release();
      dropInbox();
      for (const runId of [...cursors.keys()]) drop(runId);
      closers.delete(close);
      releaseSlot(req);
    };
    const close = () => {
      teardown();
      socket.close(1001, 'server shutting down');
    };
    closers.add(close);
    // Revoked (key deleted or expired, user disabled, signed out): say why, then close (1008: policy violation).
    const grant = authority.watch(principalOf(req), 'runs:read', (refusal) => {
      send({ type: 'error', error: { code: refusal.code, message: refusal.message } });
      teardown();
      socket.close(1008, refusal.code);
    });
    socket.on('close', teardown);
    const viewerOf = (p: Principal) => ({ userId: p.userId, groups: p.groups });
    const refuse = (scope: Parameters<typeof hasScope>[1], extra: Record<string, string>) =>
      send({ type: 'error', ...extra, error: { code: 'FORBIDDEN', message: `This API key lacks the scope ${scope}` } });
    const handle = async (data: Buffer) => {
      let parsed: z.infer<typeof ClientMessage>;
      try {
        const message: unknown = JSON.parse(data.toString());
        // The same refusal as the HTTP routes' (request-guard.ts): NUL, unpaired surrogates, runaway nesting.
        const problem = findProblem(message, 'message');
        if (problem) return send({ type: 'error', error: refusalOf(problem) });
        parsed = ClientMessage.parse(message);
      } catch {
        return send({ type: 'error', error: { code: 'VALIDATION_FAILED', message: 'Expected {type: "subscribe"|"unsubscribe"|"subscribe_inbox"|"unsubscribe_inbox"|"pause"|"resume"|"stop"|"answer"|"ping", ...}' } });
      }
      // Every action is authorized when it happens, by the principal as it is now (its key, session, user, role).
      let principal: Principal;
      try {
        principal = await grant.check();
      } catch (err) {
        // Revoked: the grant has closed the socket, saying why. Anything else is answered as a failed message.
        if (err instanceof ApiError) return;
        throw err;
      }
      if (parsed.type === 'ping') return send({ type: 'pong' });
      if (parsed.type === 'pause' || parsed.type === 'resume' || parsed.type === 'stop') {
        if (!hasScope(principal, 'runs:write')) return refuse('runs:write', { runId: parsed.runId });
        const run = await findRun(db, parsed.runId, principal.userId);
        if (!run) return send({ type: 'error', runId: parsed.runId, error: { code: 'NOT_FOUND', message: `Run ${parsed.runId} not found` } });
        try {
          const state = await superviseRun({ db, client: deps.temporal.client }, run, parsed.type, { by: principal.userId, via: 'websocket' });
          return send({ type: 'control', action: parsed.type, runId: run.id, ...(state ? { state } : {}) });
        } catch (err) {
          if (err instanceof RunControlError) return send({ type: 'error', runId: run.id, error: { code: err.code, message: err.message } });
          throw err;
        }
      }
      if (parsed.type === 'answer') {
        if (!hasScope(principal, 'requests:answer')) return refuse('requests:answer', { requestId: parsed.requestId });
        try {
          const answerer = { kind: 'user' as const, userId: principal.userId, groups: principal.groups };
          const outcome = await answerRequest({ db, client: deps.temporal.client }, { requestId: parsed.requestId, answer: parsed.answer, answerer, via: 'websocket' });
          if (outcome.status === 'awaiting_approvals') return send({ type: 'approval_counted', requestId: parsed.requestId, approvals: outcome.approvals, required: outcome.required });
          return send({ type: 'answered', requestId: parsed.requestId });
        } catch (err) {
          if (err instanceof RequestAnswerError) return send({ type: 'error', requestId: parsed.requestId, error: { code: err.code, message: err.message } });
          req.log.error({ err }, 'answer over WebSocket failed');
          return send({ type: 'error', requestId: parsed.requestId, error: { code: 'INTERNAL', message: 'Something went wrong on our side' } });
        }
      }
      if (parsed.type === 'unsubscribe') {
        drop(parsed.runId);
        return send({ type: 'unsubscribed', runId: parsed.runId });
      }
      if (parsed.type === 'unsubscribe_inbox') {
        dropInbox();
        return send({ type: 'inbox_unsubscribed' });
      }
      if (parsed.type === 'subscribe_inbox') {
        if (!hasScope(principal, 'requests:read')) return refuse('requests:read', {});
        dropInbox();
        // Subscribed before the backlog is read, so nothing that opens in between is missed (it may come twice:
        // every message carries the request's whole state, keyed by its id).
        // Each delivery is filtered by the principal as last re-established (groups may have changed since).
        inbox = deps.hub.subscribeRequests((row) => {
          if (hasScope(grant.current(), 'requests:read') && requestVisibleTo(row, viewerOf(grant.current()))) send({ type: 'request', request: requestView(row) });
        });
        const open = await listRequests(db, viewerOf(principal), { status: 'open', limit: INBOX_BACKLOG });
        return send({ type: 'inbox', items: open.map(requestView) });
      }
      // TypeScript cannot narrow away a member whose discriminant is itself a union (pause|resume|stop).
      if (parsed.type !== 'subscribe') return;
      const run = await findRun(db, parsed.runId, principal.userId);
      if (!run) return send({ type: 'error', runId: parsed.runId, error: { code: 'NOT_FOUND', message: `Run ${parsed.runId} not found` } });
      drop(run.id);
      const cursor = new RunEventCursor(db, run.id, parsed.after, (event) => send({ type: 'event', runId: run.id, event }), (err) => req.log.warn({ err }, 'event stream read failed'));
      cursors.set(run.id, { cursor, unsubscribe: deps.hub.subscribe(run.id, cursor.pump) });
      send({ type: 'subscribed', runId: run.id, after: parsed.after });
      cursor.pump();
    };
    // A message that fails unexpectedly answers with an error; it must never become an unhandled rejection.
    socket.on('message', (data: Buffer) => {
      handle(data).catch((err: unknown) => {
        req.log.error({ err }, 'WebSocket message failed');
        send({ type: 'error', error: { code: 'INTERNAL', message: 'Something went wrong on our side' } });
      });
    });
  });
};
