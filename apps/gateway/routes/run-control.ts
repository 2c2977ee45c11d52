// Supervision of a run under way: its live state from the workflow, pause, resume, stop and terminate.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findRun } from '../../../db/run-store.js';
import { liveState, RunControlError, superviseRun } from '../../../orchestrator/control.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, ApiErrorBodySchema } from '../errors.js';
import { principalOf } from '../auth/authenticate.js';
import type { FastifyRequest } from 'fastify';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const LiveStateSchema = z.object({
  status: z.enum(['running', 'paused', 'completed', 'failed', 'cancelled']),
  paused: z.boolean(),
  activeMs: z.number(),
  budgetMs: z.number(),
  nodes: z.record(z.string(), z.string()),
});
const errors = { 400: ApiErrorBodySchema, 401: ApiErrorBodySchema, 403: ApiErrorBodySchema, 404: ApiErrorBodySchema, 409: ApiErrorBodySchema };
const read = { access: 'user', scope: 'runs:read' } as const;
const write = { access: 'user', scope: 'runs:write' } as const;

export const runControlRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { client } = deps.temporal;

  async function withRun<T>(req: FastifyRequest, id: string, act: (run: NonNullable<Awaited<ReturnType<typeof findRun>>>) => Promise<T>): Promise<T> {
    const run = await findRun(deps.database.db, id, principalOf(req).userId);
    if (!run) throw new ApiError('NOT_FOUND', `Run ${id} not found`);
    try {
      return await act(run);
    } catch (err) {
      if (err instanceof RunControlError) throw new ApiError(err.code, err.message);
      throw err;
    }
  }

  r.get('/v1/runs/:id/live', { config: read, schema: { params: IdParams, response: { 200: LiveStateSchema, ...errors } } }, (req) => withRun(req, req.params.id, (run) => liveState(client, run)));
  const supervise = { db: deps.database.db, client };
  // The audit trail names the user who acted.
  const who = (req: FastifyRequest) => ({ by: principalOf(req).userId, via: 'api' as const });
  r.post('/v1/runs/:id/pause', { config: write, schema: { params: IdParams, response: { 200: LiveStateSchema, ...errors } } }, (req) => withRun(req, req.params.id, async (run) => (await superviseRun(supervise, run, 'pause', who(req)))!));
  r.post('/v1/runs/:id/resume', { config: write, schema: { params: IdParams, response: { 200: LiveStateSchema, ...errors } } }, (req) => withRun(req, req.params.id, async (run) => (await superviseRun(supervise, run, 'resume', who(req)))!));
  r.post('/v1/runs/:id/stop', { config: write, schema: { params: IdParams, response: { 202: z.object({ id: z.string(), stopping: z.literal(true) }), ...errors } } }, async (req, reply) => {
    await withRun(req, req.params.id, (run) => superviseRun(supervise, run, 'stop', who(req)));
    return reply.status(202).send({ id: req.params.id, stopping: true as const });
  });
  r.post(
    '/v1/runs/:id/terminate',
    { config: write, schema: { params: IdParams, body: z.object({ reason: z.string().min(1).max(500) }), response: { 202: z.object({ id: z.string(), terminated: z.literal(true) }), ...errors } } },
    async (req, reply) => {
      await withRun(req, req.params.id, (run) => superviseRun(supervise, run, 'terminate', { ...who(req), reason: req.body.reason }));
      return reply.status(202).send({ id: req.params.id, terminated: true as const });
    },
  );
};
