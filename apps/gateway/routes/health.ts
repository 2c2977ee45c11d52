// Probes for load balancers and orchestrators: GET /healthz (liveness: the process answers; restarting it is the
// cure only when it does not) and GET /readyz (readiness: the database, Temporal and, when configured, Redis each
// answer within a deadline; a gateway that is not ready is taken out of rotation, not restarted).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { readiness, ReadinessSchema } from '../../../platform/health.js';
import type { GatewayDeps } from '../deps.js';

const LivenessSchema = z.object({ status: z.literal('ok') });

export const healthRoutes: FastifyPluginAsync<GatewayDeps & { redis?: Redis | undefined }> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/healthz', { config: { access: 'public' }, schema: { response: { 200: LivenessSchema } } }, async () => ({
    status: 'ok' as const,
  }));
  r.get(
    '/readyz',
    { config: { access: 'public' }, schema: { response: { 200: ReadinessSchema, 503: ReadinessSchema } } },
    async (_req, reply) => {
      const { redis } = deps;
      const result = await readiness({
        database: () => deps.database.ping(),
        temporal: () => deps.temporal.connection.workflowService.getSystemInfo({}),
        ...(redis ? { redis: () => redis.ping() } : {}),
      });
      return reply.status(result.status === 'ok' ? 200 : 503).send(result);
    },
  );
};
