// Builds the gateway: a Fastify app with zod-validated routes, one error shape, and injected dependencies.
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import type { Redis } from 'ioredis';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { createOwnerNodes } from '../../db/custom-node-registry.js';
import { sandboxRuntime } from '../../nodes/custom/runtime.js';
import type { Logger } from '../../platform/logger.js';
import type { GatewayDeps } from './deps.js';
import { apiErrorOf, errorHandler, notFoundHandler } from './errors.js';
import { createMetrics, type LoomMetrics } from '../../platform/metrics.js';
import { metricsRoutes } from './routes/metrics.js';
import { guardRequest } from './request-guard.js';
import { aiRoutes } from './routes/ai.js';
import { hookRoutes } from './routes/hooks.js';
import { knowledgeRoutes } from './routes/knowledge.js';
import { lifecycleRoutes } from './routes/lifecycle.js';
import { authPlugin } from './auth/authenticate.js';
import { createEventHub } from './live/event-hub.js';
import { rateLimitPlugin } from './limits/rate-limits.js';
import { countedStreams, memoryStreamSlots, redisStreamSlots } from './limits/stream-slots.js';
import { adminRoutes } from './routes/admin.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { authRoutes } from './routes/auth.js';
import { codecRoutes } from './routes/codec.js';
import { usageRoutes } from './routes/usage.js';
import { compileRoutes } from './routes/compile.js';
import { consolePlugin } from './console/plugin.js';
import { credentialRoutes } from './routes/credentials.js';
import { customNodeRoutes } from './routes/custom-nodes.js';
import { fileRoutes } from './routes/files.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { docsRoutes } from './routes/docs.js';
import { openApiOptions } from './openapi.js';
import { paletteRoutes } from './routes/palette.js';
import { requestRoutes } from './routes/requests.js';
import { runControlRoutes } from './routes/run-control.js';
import { nodeTestRoutes } from './routes/node-tests.js';
import { runRoutes } from './routes/runs.js';
import { scheduleRoutes } from './routes/schedules.js';
import { workflowRoutes } from './routes/workflows.js';

export interface GatewayOptions {
  logger: Logger;
  /** Largest accepted request body; workflow documents of 100k nodes fit in the default. */
  bodyLimitBytes?: number;
  /** Origins a browser may call the API from (the editor's). Empty: no cross-origin access. */
  corsOrigins?: string[];
  /** Shared rate-limit and stream counters for several gateways; unset: this process's memory. */
  redis?: Redis | undefined;
  /** Origins of the Temporal Web UI, which calls the codec endpoint (routes/codec.ts) from the browser. */
  temporalUiOrigins?: string[];
  /** The process's metrics; unset: the gateway keeps its own (app.metrics). */
  metrics?: LoomMetrics | undefined;
  /** Set: GET /metrics on the API port, for the bearer of this token (LOOM_METRICS_TOKEN without LOOM_METRICS_PORT). */
  metricsToken?: string | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** HTTP requests, rate-limit refusals and live streams of this gateway. */
    metrics: LoomMetrics;
  }
}

const API_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** The document's `info.version`: the API's, which changes when a route's contract does. */
const API_VERSION = '1.0.0';

/** What a caller must give; custom nodes default to the built-ins' registry, this database and the sandboxes. */
export type GatewayInput = Omit<GatewayDeps, 'customNodes'> & Partial<Pick<GatewayDeps, 'customNodes'>>;

export async function buildGateway(input: GatewayInput, options: GatewayOptions): Promise<FastifyInstance> {
  const deps: GatewayDeps = {
    ...input,
    customNodes: input.customNodes ?? {
      owners: createOwnerNodes(input.database.db, input.nodes, sandboxRuntime.run),
      runtime: sandboxRuntime,
    },
  };
  const app = Fastify({
    // Upcast: Fastify would otherwise carry pino's full Logger type through every route generic.
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes ?? 20 * 1024 * 1024,
    requestTimeout: 60_000,
    // Runs and workflows are addressed by opaque ids; trailing slashes and case must not create aliases.
    // Signed answer links travel as one path parameter.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2_048 },
    // Errors raised by the router itself (bad URLs, oversized parameters) get the same shape as every other.
    frameworkErrors: (err, req, reply) => errorHandler(err, req, reply),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addHook('preValidation', guardRequest);
  const metrics = options.metrics ?? createMetrics('gateway');
  app.decorate('metrics', metrics);
  // By route pattern, never the raw URL: ids in paths would make a series per run.
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
  app.addHook('onError', async (_req, _reply, err) => {
    const code = apiErrorOf(err)?.code;
    if (code === 'RATE_LIMITED' || code === 'STREAM_LIMIT' || code === 'AI_LIMIT') metrics.rateLimited.inc({ limit: code });
  });

  // Security headers on every answer; the API serves JSON only, so the strictest content policy costs nothing.
  await app.register(helmet, {
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  const allowed = new Set(options.corsOrigins ?? []);
  await app.register(cors, {
    // An origin outside the allowlist gets no CORS headers at all, so the browser refuses to expose the answer.
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: API_METHODS,
    allowedHeaders: ['authorization', 'content-type', 'last-event-id', 'x-api-key'],
    exposedHeaders: ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600,
  });
  // Before authentication: the WebSocket plugin's own onRequest hook marks upgrade requests, and only a marked
  // request has its socket destroyed when it is refused (a 401 would otherwise leave the socket open for good).
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(authPlugin, { db: deps.database.db, settings: deps.auth });
  await app.register(rateLimitPlugin, { redis: options.redis });
  const hub = await createEventHub(deps.database, (err) => app.log.warn({ err }, 'live inbox read failed'));
  const streams = options.redis ? redisStreamSlots(options.redis) : memoryStreamSlots();
  app.addHook('onClose', async () => {
    await hub.close();
    await streams.close();
  });

  // Before every route: the plugin collects them as they are added (onRoute), so none is left out of the document.
  await app.register(swagger, openApiOptions({ version: API_VERSION }));
  await app.register(healthRoutes, { ...deps, redis: options.redis });
  await app.register(docsRoutes);
  if (options.metricsToken) await app.register(metricsRoutes, { metrics, token: options.metricsToken });
  await app.register(authRoutes, deps);
  await app.register(apiKeyRoutes, deps);
  await app.register(adminRoutes, deps);
  await app.register(codecRoutes, { ...deps, uiOrigins: options.temporalUiOrigins ?? [] });
  await app.register(usageRoutes, deps);
  await app.register(compileRoutes, deps);
  await app.register(paletteRoutes, deps);
  await app.register(customNodeRoutes, deps);
  await app.register(workflowRoutes, deps);
  await app.register(lifecycleRoutes, deps);
  await app.register(hookRoutes, deps);
  await app.register(scheduleRoutes, deps);
  await app.register(aiRoutes, deps);
  await app.register(credentialRoutes, deps);
  await app.register(fileRoutes, deps);
  await app.register(knowledgeRoutes, deps);
  await app.register(runRoutes, deps);
  await app.register(nodeTestRoutes, deps);
  await app.register(runControlRoutes, deps);
  await app.register(requestRoutes, deps);
  await app.register(eventRoutes, { ...deps, hub, streams: countedStreams(streams, metrics) });
  // The web console (answer pages, inbox, runs): HTML with its own content policy, see console/plugin.ts.
  await app.register(consolePlugin, deps);
  return app;
}
