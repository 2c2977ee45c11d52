// GET /healthz: is this gateway able to serve? Checks the database and Temporal, each with a deadline.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayDeps } from '../deps.js';

const CheckSchema = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
const HealthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({ database: CheckSchema, temporal: CheckSchema }),
});

const CHECK_TIMEOUT_MS = 3_000;

async function check(probe: () => Promise<unknown>): Promise<z.infer<typeof CheckSchema>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)),
      ),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  app
    .withTypeProvider<ZodTypeProvider>()
    .get(
      '/healthz',
      { config: { access: 'public' }, schema: { response: { 200: HealthSchema, 503: HealthSchema } } },
      async (_req, reply) => {
        const [database, temporal] = await Promise.all([
          check(() => deps.database.ping()),
          check(() => deps.temporal.connection.workflowService.getSystemInfo({})),
        ]);
        const ok = database.ok && temporal.ok;
        return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks: { database, temporal } });
      },
    );
};
