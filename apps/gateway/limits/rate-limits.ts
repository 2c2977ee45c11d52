// Per-user rate limits by tier, through @fastify/rate-limit: counters in memory, or in Redis when configured so
// that every gateway shares them. A route joins a bucket by declaring `limit` in its config; routes in one bucket
// share one counter (saving a workflow compiles it, so it spends the same budget as /v1/compile).
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Tier } from '../../../db/schema.js';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { TIER_LIMITS, type TierLimits } from '../../../identity/tiers.js';
import type { LimitGroup } from '../auth/access.js';
import { ApiError } from '../errors.js';

const MINUTE_MS = 60_000;
/** Password guessing: attempts per minute per client address and email. */
const LOGIN_ATTEMPTS_PER_MINUTE = 10;

export interface RateLimitOptions {
  /** Shared counters; unset: this process's memory. */
  redis?: Redis | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Whose limits a public route spends when nobody signs in: a webhook delivery spends its workflow owner's
     * execution budget. Set by the route's own onRequest hook, which runs before the limit's.
     */
    limitSubject?: { userId: string; tier: Tier };
  }
}

const subjectOf = (req: FastifyRequest) => req.principal ?? req.limitSubject;

function tierLimit(req: FastifyRequest, pick: (l: TierLimits) => number | null): number | null {
  const subject = subjectOf(req);
  return subject ? pick(TIER_LIMITS[subject.tier]) : 0;
}

const PER_GROUP: Record<Exclude<LimitGroup, 'login'>, (l: TierLimits) => number | null> = {
  compile: (l) => l.compilePerMinute,
  execute: (l) => l.executePerMinute,
};

export const rateLimitPlugin = fp<RateLimitOptions>(async (app, options) => {
  await app.register(rateLimit, {
    global: false,
    ...(options.redis ? { redis: options.redis, nameSpace: 'loom:ratelimit:' } : {}),
    // A Redis outage must not take the API down with it; requests pass unlimited until it is back.
    skipOnError: true,
    errorResponseBuilder: (_req, ctx) => new ApiError('RATE_LIMITED', `Limit of ${ctx.max} per minute reached; retry in ${ctx.after}`),
  });

  const hooks = new Map<LimitGroup, onRequestHookHandler>();
  for (const [group, pick] of Object.entries(PER_GROUP) as [keyof typeof PER_GROUP, (typeof PER_GROUP)[keyof typeof PER_GROUP]][]) {
    hooks.set(
      group,
      app.rateLimit({
        timeWindow: MINUTE_MS,
        keyGenerator: (req) => `${group}:${subjectOf(req)?.userId ?? req.ip}`,
        max: (req) => tierLimit(req, pick) ?? Number.MAX_SAFE_INTEGER,
        allowList: (req) => tierLimit(req, pick) === null,
      }),
    );
  }
  hooks.set(
    'login',
    app.rateLimit({
      timeWindow: MINUTE_MS,
      max: LOGIN_ATTEMPTS_PER_MINUTE,
      keyGenerator: (req) => {
        const email = (req.body as { email?: unknown } | undefined)?.email;
        return `login:${req.ip}:${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
      },
    }),
  );

  // Added per route after the authentication hook (route hooks run after app hooks), so the limit knows the user.
  // Login is limited once its body is parsed, since the key includes the email.
  app.addHook('onRoute', (route) => {
    const group = route.config?.limit;
    if (!group) return;
    const hook = hooks.get(group);
    if (!hook) throw new Error(`Unknown rate-limit group ${group}`);
    const stage = group === 'login' ? 'preValidation' : 'onRequest';
    route[stage] = [...[route[stage] ?? []].flat(), hook] as never;
  });
});
