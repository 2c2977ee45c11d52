// POST /v1/compile: validate a document without saving it; the editor calls this on every change.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate.js';
import { compileDocument } from '../compile.js';
import type { GatewayDeps } from '../deps.js';
import { errorResponses } from '../errors.js';

const CompileResponse = z.object({
  ok: z.boolean(),
  errors: z.array(z.unknown()),
  warnings: z.array(z.unknown()),
  plan: z.unknown().optional(),
});

export const compileRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/compile',
    // Any JSON value is accepted: a non-object document is a compiler diagnostic (SCHEMA_INVALID), not a 400.
    {
      config: { access: 'user', scope: 'workflows:read', limit: 'compile' },
      schema: {
        body: z.unknown(),
        response: { 200: CompileResponse, ...errorResponses(400, 401, 429) },
      },
    },
    async (req) => compileDocument(deps, principalOf(req).userId, req.body),
  );
};
