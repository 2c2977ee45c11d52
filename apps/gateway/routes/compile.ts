// POST /v1/compile: validate a document without saving it; the editor calls this on every change. GET
// /v1/workflows/:id/shapes: the inferred input and output shape of each node of a saved workflow, for completing
// `{{ }}` expressions in the editor.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../auth/authenticate.js';
import { compileDocument } from '../compile.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { findWorkflow } from '../../../db/workflow-store.js';
import { ShapeTableSchema } from '../../../compiler/shape-table.js';

const CompileResponse = z.object({
  ok: z.boolean(),
  errors: z.array(z.unknown()),
  warnings: z.array(z.unknown()),
  plan: z.unknown().optional(),
  /** compiler/shape-table.ts; not validated again on the way out (the compiler built it). */
  shapes: z.unknown().optional(),
});

const ShapesResponse = ShapeTableSchema.extend({
  workflowId: z.string(),
  version: z.number().int(),
  /** Whether the saved version compiles without errors (its shapes are known up to the first error anyway). */
  ok: z.boolean(),
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

  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/workflows/:id/shapes',
    {
      config: { access: 'user', scope: 'workflows:read', limit: 'compile' },
      schema: {
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 200: ShapesResponse, ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (req) => {
      const userId = principalOf(req).userId;
      const workflow = await findWorkflow(deps.database.db, userId, req.params.id);
      if (!workflow) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} not found`);
      const result = await compileDocument(deps, userId, workflow.document);
      const shapes = result.shapes ?? { shapes: [], nodes: {} };
      return { workflowId: workflow.id, version: workflow.version, ok: result.ok, ...shapes };
    },
  );
};
