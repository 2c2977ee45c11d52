// Workflow documents: save (compiled first: an invalid document is a 422 with every diagnostic), list, read, update,
// and their versions: every save keeps one, an update may name the version it was made from (If-Match with the
// workflow's ETag, or ?baseVersion=) and is a 409 when another save came first, and an old version can be restored
// as a new one.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WorkflowRow } from '../../../db/schema.js';
import {
  findWorkflow,
  findWorkflowVersion,
  insertWorkflow,
  listWorkflows,
  listWorkflowVersions,
  updateWorkflow,
} from '../../../db/workflow-store.js';
import { ensureWebhooks } from '../../../db/webhook-store.js';
import { webhookNodesOf } from '../../../orchestrator/webhooks.js';
import { principalOf } from '../auth/authenticate.js';
import { compileOrThrow } from '../compile.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { WorkflowViewSchema, workflowView } from '../views.js';

/** The document's own shape is the compiler's business; here it only has to be a JSON object. */
export const DocumentBodySchema = z.record(z.string(), z.unknown());
const IdParams = z.object({ id: z.string().min(1).max(100) });
const VersionParams = IdParams.extend({ version: z.coerce.number().int().min(1).max(2_147_483_647) });
const SavedSchema = WorkflowViewSchema.extend({ warnings: z.array(z.unknown()) });
const VersionSummarySchema = z.object({ version: z.number().int(), name: z.string(), savedBy: z.string(), createdAt: z.string() });
const VersionSchema = VersionSummarySchema.extend({ document: z.unknown() });
const UpdateQuery = z.object({ baseVersion: z.coerce.number().int().min(1).max(2_147_483_647).optional() });

/** The workflow's entity tag: its version, which every save increments. */
const etagOf = (row: Pick<WorkflowRow, 'version'>) => `"${row.version}"`;

/** The version an If-Match header names (`"3"`, `W/"3"`); `*` and no header name none. Anything else is a 400. */
function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,10})"\s*$/.exec(header);
  const version = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(version) || version < 1)
    throw new ApiError('VALIDATION_FAILED', 'If-Match must be the ETag of a version of this workflow, such as "3"');
  return version;
}

function documentName(document: Record<string, unknown>): string {
  return typeof document.name === 'string' && document.name.trim() ? document.name.trim() : 'Untitled workflow';
}

export const workflowRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const errors = errorResponses(400, 401, 403, 404, 422, 429);
  const read = { access: 'user', scope: 'workflows:read' } as const;
  const write = { access: 'user', scope: 'workflows:write', limit: 'compile' } as const;

  /** Every webhook trigger of a saved version has its address from then on (its URL stays across versions). */
  const ensureHooks = (row: WorkflowRow) =>
    ensureWebhooks(
      db,
      row,
      webhookNodesOf(row.document).map((n) => n.nodeId),
    );

  r.post(
    '/v1/workflows',
    { config: write, schema: { body: DocumentBodySchema, response: { 201: SavedSchema, ...errors } } },
    async (req, reply) => {
      const ownerId = principalOf(req).userId;
      const { result } = await compileOrThrow(deps, ownerId, req.body);
      const row = await insertWorkflow(db, { ownerId, name: documentName(req.body), document: req.body });
      await ensureHooks(row);
      return reply
        .status(201)
        .header('etag', etagOf(row))
        .send({ ...workflowView(row), warnings: result.warnings });
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
    async (req, reply) => {
      const row = await findWorkflow(db, principalOf(req).userId, req.params.id);
      if (!row) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} not found`);
      return reply.header('etag', etagOf(row)).send(workflowView(row));
    },
  );

  /** Compiles and saves a document as the workflow's next version, from `baseVersion` when the caller names one. */
  async function save(ownerId: string, id: string, document: Record<string, unknown>, baseVersion: number | undefined) {
    if (!(await findWorkflow(db, ownerId, id))) throw new ApiError('NOT_FOUND', `Workflow ${id} not found`);
    const { result } = await compileOrThrow(deps, ownerId, document);
    const saved = await updateWorkflow(db, ownerId, id, { name: documentName(document), document, baseVersion });
    if (saved.kind === 'not_found') throw new ApiError('NOT_FOUND', `Workflow ${id} not found`);
    if (saved.kind === 'conflict')
      throw new ApiError('VERSION_CONFLICT', `Workflow ${id} is at version ${saved.current}, not ${baseVersion}`, {
        currentVersion: saved.current,
      });
    await ensureHooks(saved.row);
    return { row: saved.row, warnings: result.warnings };
  }

  r.put(
    '/v1/workflows/:id',
    {
      config: write,
      schema: {
        params: IdParams,
        querystring: UpdateQuery,
        body: DocumentBodySchema,
        response: { 200: SavedSchema, ...errors, ...errorResponses(409) },
      },
    },
    async (req, reply) => {
      const fromHeader = ifMatchVersion(req.headers['if-match']);
      const { baseVersion } = req.query;
      if (fromHeader !== undefined && baseVersion !== undefined && fromHeader !== baseVersion)
        throw new ApiError('VALIDATION_FAILED', 'If-Match and baseVersion name different versions');
      const { row, warnings } = await save(principalOf(req).userId, req.params.id, req.body, fromHeader ?? baseVersion);
      return reply.header('etag', etagOf(row)).send({ ...workflowView(row), warnings });
    },
  );

  r.get(
    '/v1/workflows/:id/versions',
    {
      config: read,
      schema: {
        params: IdParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: z.object({ items: z.array(VersionSummarySchema), limit: z.number(), offset: z.number() }), ...errors },
      },
    },
    async (req) => {
      const ownerId = principalOf(req).userId;
      if (!(await findWorkflow(db, ownerId, req.params.id))) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} not found`);
      const rows = await listWorkflowVersions(db, ownerId, req.params.id, req.query);
      return {
        items: rows.map((v) => ({ version: v.version, name: v.name, savedBy: v.savedBy, createdAt: v.createdAt.toISOString() })),
        limit: req.query.limit,
        offset: req.query.offset,
      };
    },
  );

  r.get(
    '/v1/workflows/:id/versions/:version',
    { config: read, schema: { params: VersionParams, response: { 200: VersionSchema, ...errors } } },
    async (req) => {
      const v = await findWorkflowVersion(db, principalOf(req).userId, req.params.id, req.params.version);
      if (!v) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} has no version ${req.params.version}`);
      return { version: v.version, name: v.name, savedBy: v.savedBy, createdAt: v.createdAt.toISOString(), document: v.document };
    },
  );

  r.post(
    '/v1/workflows/:id/versions/:version/restore',
    {
      config: write,
      schema: { params: VersionParams, querystring: UpdateQuery, response: { 200: SavedSchema, ...errors, ...errorResponses(409) } },
    },
    async (req, reply) => {
      const ownerId = principalOf(req).userId;
      const v = await findWorkflowVersion(db, ownerId, req.params.id, req.params.version);
      if (!v) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} has no version ${req.params.version}`);
      // Restoring saves the old document as the next version (compiled again: node types may have changed since).
      const document = DocumentBodySchema.parse(v.document);
      const base = ifMatchVersion(req.headers['if-match']) ?? req.query.baseVersion;
      const { row, warnings } = await save(ownerId, req.params.id, document, base);
      return reply.header('etag', etagOf(row)).send({ ...workflowView(row), warnings });
    },
  );
};
