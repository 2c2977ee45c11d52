// Usage per day: GET /v1/usage for the caller, GET /v1/admin/usage for everyone (admins).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listUsage, utcDay } from '../../../db/usage-store.js';
import { TIER_LIMITS } from '../../../identity/tiers.js';
import { ADMIN_ROUTE } from '../auth/access.js';
import { principalOf } from '../auth/authenticate.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day, YYYY-MM-DD');
const Range = z.object({ from: Day.optional(), to: Day.optional() });
const UsageDay = z.object({
  day: z.string(),
  userId: z.string(),
  compiles: z.number(),
  runs: z.number(),
  nodeExecutions: z.number(),
  llmTokens: z.number(),
  aiCalls: z.number(),
});
const errors = errorResponses(400, 401, 403);
const MAX_DAYS = 366;

function range(q: z.infer<typeof Range>): { from: string; to: string } {
  const to = q.to ?? utcDay(new Date());
  const from = q.from ?? utcDay(new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000));
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
  if (!(days >= 0 && days <= MAX_DAYS))
    throw new ApiError('VALIDATION_FAILED', `from must be on or before to, at most ${MAX_DAYS} days apart`);
  return { from, to };
}

export const usageRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;

  r.get(
    '/v1/usage',
    {
      config: { access: 'user', scope: 'usage:read' },
      schema: {
        querystring: Range,
        response: {
          200: z.object({ tier: z.string(), limits: z.unknown(), from: z.string(), to: z.string(), days: z.array(UsageDay) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const { from, to } = range(req.query);
      return { tier: p.tier, limits: TIER_LIMITS[p.tier], from, to, days: await listUsage(db, { userId: p.userId, from, to }) };
    },
  );

  r.get(
    '/v1/admin/usage',
    {
      config: ADMIN_ROUTE,
      schema: {
        querystring: Range.extend({ userId: z.string().max(100).optional() }),
        response: { 200: z.object({ from: z.string(), to: z.string(), days: z.array(UsageDay) }), ...errors },
      },
    },
    async (req) => {
      const { from, to } = range(req.query);
      return { from, to, days: await listUsage(db, { userId: req.query.userId, from, to }) };
    },
  );
};
