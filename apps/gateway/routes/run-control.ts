// Supervision of a run under way: its live state from the workflow, pause, resume, stop and terminate.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { errorResponses } from '../errors.js';
import { principalOf } from '../auth/authenticate.js';
import { readLiveState, superviseOwnRun } from '../handlers/runs.js';
import type { Principal } from '../../../identity/principal.js';
import type { ControlAction } from '../../../orchestrator/control.js';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const LiveStateSchema = z.object({
  status: z.enum(['running', 'paused', 'completed', 'failed', 'cancelled']),
  paused: z.boolean(),
  activeMs: z.number(),
  budgetMs: z.number(),
  nodes: z.record(z.string(), z.string()),
});
const errors = errorResponses(400, 401, 403, 404, 409);
const read = { access: 'user', scope: 'runs:read' } as const;
const write = { access: 'user', scope: 'runs:write' } as const;

export const runControlRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // The same handlers as the WebSocket's commands (live/ws-protocol.ts); the error handler maps their refusals.
  const handlerDeps = { db: deps.database.db, client: deps.temporal.client };
  const supervise = (runId: string, principal: Principal, action: ControlAction, reason?: string) =>
    superviseOwnRun(handlerDeps, principal, { runId, action, via: 'api', ...(reason === undefined ? {} : { reason }) });

  r.get('/v1/runs/:id/live', { config: read, schema: { params: IdParams, response: { 200: LiveStateSchema, ...errors } } }, (req) =>
    readLiveState(handlerDeps, principalOf(req), req.params.id),
  );
  r.post(
    '/v1/runs/:id/pause',
    { config: write, schema: { params: IdParams, response: { 200: LiveStateSchema, ...errors } } },
    async (req) => (await supervise(req.params.id, principalOf(req), 'pause'))!,
  );
  r.post(
    '/v1/runs/:id/resume',
    { config: write, schema: { params: IdParams, response: { 200: LiveStateSchema, ...errors } } },
    async (req) => (await supervise(req.params.id, principalOf(req), 'resume'))!,
  );
  r.post(
    '/v1/runs/:id/stop',
    { config: write, schema: { params: IdParams, response: { 202: z.object({ id: z.string(), stopping: z.literal(true) }), ...errors } } },
    async (req, reply) => {
      await supervise(req.params.id, principalOf(req), 'stop');
      return reply.status(202).send({ id: req.params.id, stopping: true as const });
    },
  );
  r.post(
    '/v1/runs/:id/terminate',
    {
      config: write,
      schema: {
        params: IdParams,
        body: z.object({ reason: z.string().min(1).max(500) }),
        response: { 202: z.object({ id: z.string(), terminated: z.literal(true) }), ...errors },
      },
    },
    async (req, reply) => {
      await supervise(req.params.id, principalOf(req), 'terminate', req.body.reason);
      return reply.status(202).send({ id: req.params.id, terminated: true as const });
    },
  );
};
