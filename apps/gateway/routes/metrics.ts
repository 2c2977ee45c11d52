// GET /metrics on the API port, for an operator who set LOOM_METRICS_TOKEN and no port of its own: Prometheus text,
// only for the bearer of that token. Declared public (no user signs in here); the token is checked before anything.
import type { FastifyPluginAsync } from 'fastify';
import { scrapeMetrics, type LoomMetrics } from '../../../platform/metrics.js';
import { metricsAuthorized } from '../../../platform/ops-server.js';
import { ApiError } from '../errors.js';

export const metricsRoutes: FastifyPluginAsync<{ metrics: LoomMetrics; token: string }> = async (app, { metrics, token }) => {
  app.get(
    '/metrics',
    {
      config: { access: 'public' },
      schema: { summary: 'Prometheus metrics (Authorization: Bearer <LOOM_METRICS_TOKEN>)', security: [{ bearer: [] }] },
    },
    async (req, reply) => {
      if (!metricsAuthorized(req.headers.authorization, token))
        throw new ApiError('UNAUTHENTICATED', 'Send "Authorization: Bearer <LOOM_METRICS_TOKEN>"');
      const scraped = await scrapeMetrics(metrics);
      return reply.type(scraped.contentType).send(scraped.body);
    },
  );
};
