// Live run events: SSE per run (honours Last-Event-ID, so a reconnect resumes without gap or duplicate) and the
// WebSocket, whose protocol (subscriptions to several runs, the inbox, commands) is live/ws-protocol.ts. Both read
// what they send from the database (the event log, the request rows); the hub only wakes them. Neither trusts the
// principal of the request that opened it for longer than a few seconds: every WebSocket action establishes it
// again, and a sweep closes any stream whose key, session or user no longer holds (live/reauthorization.ts).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { API_ERRORS, ApiError, errorResponses } from '../errors.js';
import { RunEventCursor, type RunEventView } from '../live/cursor.js';
import type { EventHub } from '../live/event-hub.js';
import { TIER_LIMITS } from '../../../identity/tiers.js';
import { principalOf } from '../auth/authenticate.js';
import { ownRun } from '../handlers/runs.js';
import type { StreamSlots } from '../limits/stream-slots.js';
import { createLiveAuthority } from '../live/reauthorization.js';
import { createWsSession, type ServerMessage } from '../live/ws-protocol.js';

const HEARTBEAT_MS = 15_000;

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
    if (!release)
      throw new ApiError('STREAM_LIMIT', `Your plan allows ${TIER_LIMITS[p.tier].concurrentStreams} live streams at once; close one first`);
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
      config: { access: 'user', scope: 'runs:read', tokenInQuery: true, sessionCookie: true },
      schema: {
        params: z.object({ id: z.string().min(1).max(100) }),
        querystring: z.object({ after: z.coerce.number().int().min(0).optional() }),
        headers: z.object({ 'last-event-id': z.coerce.number().int().min(0).optional() }).passthrough(),
        response: errorResponses(400, 401, 404, 429),
      },
    },
    async (req, reply) => {
      const run = await ownRun(db, principalOf(req), req.params.id);
      await takeSlot(req);
      const after = req.headers['last-event-id'] ?? req.query.after ?? 0;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 2000\n\n');
      const cursor = new RunEventCursor(
        db,
        run.id,
        after,
        (e) => raw.write(sseFrame(e)),
        (err) => req.log.warn({ err }, 'event stream read failed'),
      );
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

  app.get(
    '/v1/ws',
    { websocket: true, config: { access: 'user', scope: 'runs:read', tokenInQuery: true, sessionCookie: true }, preHandler: takeSlot },
    (socket, req) => {
      const send = (message: ServerMessage) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(message));
      const teardown = () => {
        grant.release();
        session.close();
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
      const session = createWsSession({ db, client: deps.temporal.client, hub: deps.hub, grant, send, log: req.log });
      socket.on('close', teardown);
      // A message that fails unexpectedly answers with an error; it must never become an unhandled rejection.
      socket.on('message', (data: Buffer) => {
        session.receive(data).catch((err: unknown) => {
          req.log.error({ err }, 'WebSocket message failed');
          send({ type: 'error', error: { code: 'INTERNAL', message: API_ERRORS.INTERNAL.message } });
        });
      });
    },
  );
};
