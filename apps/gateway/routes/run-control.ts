// Supervision of a run under way: its live state from the workflow, pause, resume, stop and terminate.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findRun } from '../../../db/run-store.js';
import { liveState, RunControlError, superviseRun } from '../../../orchestrator/control.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, ApiErrorBodySchema } from '../errors.js';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const LiveStateSchema = z.object({
  status: z.enum(['running', 'paused', 'completed', 'failed', 'cancelled']),
  paused: z.boolean(),
  activeMs: z.number(),
  budgetMs: z.number(),
  nodes: z.record(z.string(), z.string()),
});
const errors = { 404: ApiErrorBodySchema, 409: ApiErrorBodySchema, 400: ApiErrorBodySchema };

export const runControlRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { client } = deps.temporal;

  async function withRun<T>(id: string, act: (run: NonNullable<Awaited<ReturnType<typeof findRun>>>) => Promise<T>): Promise<T> {
    const run = await findRun(deps.database.db, id);
    if (!run) throw new ApiError('NOT_FOUND', `Run ${id} not found`);
    try {
      return await act(run);
    } catch (err) {
      if (err instanceof RunControlError) throw new ApiError(err.code, err.message);
      throw err;
    }
  }

  r.get('/v1/runs/:id/live', { schema: { params: IdParams, response: { 200: LiveStateSchema, ...errors } } }, (req) => withRun(req.params.id, (run) => liveState(client, run)));
  const supervise = { db: deps.database.db, client };
  const who = { by: 'api', via: 'api' as const };
  r.post('/v1/runs/:id/pause', { schema: { params: IdParams, response: { 200: LiveStateSchema, ...errors } } }, (req) => withRun(req.params.id, async (run) => (await superviseRun(supervise, run, 'pause', who))!));
  r.post('/v1/runs/:id/resume', { schema: { params: IdParams, response: { 200: LiveStateSchema, ...errors } } }, (req) => withRun(req.params.id, async (run) => (await superviseRun(supervise, run, 'resume', who))!));
  r.post('/v1/runs/:id/stop', { schema: { params: IdParams, response: { 202: z.object({ id: z.string(), stopping: z.literal(true) }), ...errors } } }, async (req, reply) => {
    await withRun(req.params.id, (run) => superviseRun(supervise, run, 'stop', who));
    return reply.status(202).send({ id: req.params.id, stopping: true as const });
  });
  r.post(
    '/v1/runs/:id/terminate',
    { schema: { params: IdParams, body: z.object({ reason: z.string().min(1).max(500) }), response: { 202: z.object({ id: z.string(), terminated: z.literal(true) }), ...errors } } },
    async (req, reply) => {
      await withRun(req.params.id, (run) => superviseRun(supervise, run, 'terminate', { ...who, reason: req.body.reason }));
      return reply.status(202).send({ id: req.params.id, terminated: true as const });
    },
  );
};
