// Workflow documents: save (compiled first: an invalid document is a 422 with every diagnostic), list, read, update.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findWorkflow, insertWorkflow, listWorkflows, updateWorkflow } from '../../../db/workflow-store.js';
import { principalOf } from '../auth/authenticate.js';
import { compileOrThrow } from '../compile.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { WorkflowViewSchema, workflowView } from '../views.js';

/** The document's own shape is the compiler's business; here it only has to be a JSON object. */
export const DocumentBodySchema = z.record(z.string(), z.unknown());
const IdParams = z.object({ id: z.string().min(1).max(100) });
const SavedSchema = WorkflowViewSchema.extend({ warnings: z.array(z.unknown()) });

function documentName(document: Record<string, unknown>): string {
  return typeof document.name === 'string' && document.name.trim() ? document.name.trim() : 'Untitled workflow';
}

export const workflowRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const errors = errorResponses(400, 401, 403, 404, 422, 429);
  const read = { access: 'user', scope: 'workflows:read' } as const;
  const write = { access: 'user', scope: 'workflows:write', limit: 'compile' } as const;

  r.post(
    '/v1/workflows',
    { config: write, schema: { body: DocumentBodySchema, response: { 201: SavedSchema, ...errors } } },
    async (req, reply) => {
      const ownerId = principalOf(req).userId;
      const { result } = await compileOrThrow(deps, ownerId, req.body);
      const row = await insertWorkflow(db, { ownerId, name: documentName(req.body), document: req.body });
      return reply.status(201).send({ ...workflowView(row), warnings: result.warnings });
    },
  );

  r.get(
    '/v1/workflows',
    {
      config: read,
      schema: {
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: z.object({ items: z.array(WorkflowViewSchema), limit: z.number(), offset: z.number() }), ...errors },
      },
    },
    async (req) => {
      const rows = await listWorkflows(db, principalOf(req).userId, req.query);
      return { items: rows.map(workflowView), limit: req.query.limit, offset: req.query.offset };
    },
  );

  r.get(
    '/v1/workflows/:id',
    { config: read, schema: { params: IdParams, response: { 200: WorkflowViewSchema, ...errors } } },
    async (req) => {
      const row = await findWorkflow(db, principalOf(req).userId, req.params.id);
      if (!row) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} not found`);
      return workflowView(row);
    },
  );

  r.put(
    '/v1/workflows/:id',
    { config: write, schema: { params: IdParams, body: DocumentBodySchema, response: { 200: SavedSchema, ...errors } } },
    async (req) => {
      const ownerId = principalOf(req).userId;
      if (!(await findWorkflow(db, ownerId, req.params.id))) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} not found`);
      const { result } = await compileOrThrow(deps, ownerId, req.body);
      const row = await updateWorkflow(db, ownerId, req.params.id, { name: documentName(req.body), document: req.body });
      if (!row) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} not found`);
      return { ...workflowView(row), warnings: result.warnings };
    },
  );
};
