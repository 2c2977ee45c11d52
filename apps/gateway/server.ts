// Builds the gateway: a Fastify app with zod-validated routes, one error shape, and injected dependencies.
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from '../../platform/logger.js';
import type { GatewayDeps } from './deps.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { createEventHub } from './live/event-hub.js';
import { compileRoutes } from './routes/compile.js';
import { credentialRoutes } from './routes/credentials.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { paletteRoutes } from './routes/palette.js';
import { requestRoutes } from './routes/requests.js';
import { runControlRoutes } from './routes/run-control.js';
import { runRoutes } from './routes/runs.js';
import { workflowRoutes } from './routes/workflows.js';

export interface GatewayOptions {
  logger: Logger;
  /** Largest accepted request body; workflow documents of 100k nodes fit in the default. */
  bodyLimitBytes?: number;
}

export async function buildGateway(deps: GatewayDeps, options: GatewayOptions): Promise<FastifyInstance> {
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

  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const hub = await createEventHub(deps.database);
  app.addHook('onClose', () => hub.close());

  await app.register(healthRoutes, deps);
  await app.register(compileRoutes, deps);
  await app.register(paletteRoutes, deps);
  await app.register(workflowRoutes, deps);
  await app.register(credentialRoutes, deps);
  await app.register(runRoutes, deps);
  await app.register(runControlRoutes, deps);
  await app.register(requestRoutes, deps);
  await app.register(eventRoutes, { ...deps, hub });
  return app;
}
