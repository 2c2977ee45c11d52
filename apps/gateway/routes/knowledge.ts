// Knowledge bases: created with one embedding model and dimension, fed with texts and files (each ingested by a
// Temporal workflow), searched by vector and full text fused. Another user's knowledge base is a 404, and every
// query is filtered by owner, so their chunks never appear in a search.
import { findFile } from '../../../db/file-store.js';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findCredential } from '../../../db/credential-store.js';
import {
  countChunksOfKnowledgeBase,
  deleteKnowledgeBase,
  findKnowledgeBase,
  findSource,
  insertKnowledgeBase,
  listKnowledgeBases,
  listSources,
  type KbSourceSummary,
} from '../../../db/knowledge-store.js';
import type { KnowledgeBaseRow } from '../../../db/schema.js';
import { CREDENTIAL_TYPE_OF, EmbeddingSettingsSchema } from '../../../nodes/embeddings/create.js';
import { OFFLINE_MODEL } from '../../../nodes/embeddings/offline.js';
import { KnowledgeError, type KnowledgeErrorCode } from '../../../nodes/knowledge/errors.js';
import { addSource, cancelIngestion, searchKnowledgeBase, type KnowledgeDeps } from '../../../orchestrator/knowledge.js';
import { principalOf } from '../auth/authenticate.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses, type ApiErrorCode } from '../errors.js';

const KnowledgeBaseView = z.object({
  id: z.string(),
  name: z.string(),
  embedding: z.object({ provider: z.string(), model: z.string(), dimensions: z.number(), credentialId: z.string().nullable() }),
  /** How search finds neighbours here: `hnsw` (pgvector) or `exact` (no pgvector, or over 2,000 dimensions). */
  vectorSearch: z.enum(['hnsw', 'exact']),
  createdAt: z.string(),
});
const KnowledgeBaseDetail = KnowledgeBaseView.extend({ chunks: z.number() });
const SourceView = z.object({
  id: z.string(),
  kbId: z.string(),
  kind: z.enum(['file', 'text']),
  fileId: z.string().nullable(),
  title: z.string(),
  status: z.enum(['pending', 'ingesting', 'ready', 'failed', 'cancelled']),
  /** Chunks stored so far, of `totalChunks` once the source has been read: the ingestion's progress. */
  chunks: z.number(),
  totalChunks: z.number().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  workflowId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const CitationView = z.object({
  sourceId: z.string(),
  title: z.string(),
  page: z.number().optional(),
  rows: z.object({ from: z.number(), to: z.number() }).optional(),
  heading: z.string().optional(),
});
const HitView = z.object({
  text: z.string(),
  score: z.number(),
  ranks: z.object({ vector: z.number().optional(), text: z.number().optional() }),
  source: z.object({ id: z.string(), title: z.string(), kind: z.enum(['file', 'text']), fileId: z.string().nullable() }),
  citation: CitationView,
});

const Id = z.string().min(1).max(100);
const KbParams = z.object({ id: Id });
const SourceParams = z.object({ id: Id, sourceId: Id });
/** A raw text source, at most 10 MB of characters (the request body limit is 20 MB). */
const MAX_TEXT = 10_000_000;

const errors = errorResponses(400, 401, 403, 404);
const read = { access: 'user', scope: 'knowledge:read' } as const;
const write = { access: 'user', scope: 'knowledge:write' } as const;

/** A search's embedding failures as the API answers them (the ingestion-only codes cannot reach a search). */
const KNOWLEDGE_TO_API: Record<KnowledgeErrorCode, ApiErrorCode> = {
  EMBEDDING_DIMENSION_MISMATCH: 'EMBEDDING_DIMENSION_MISMATCH',
  EMBEDDING_FAILED: 'EMBEDDING_FAILED',
  EMBEDDING_REFUSED: 'EMBEDDING_REFUSED',
  SOURCE_UNREADABLE: 'INTERNAL',
  INGEST_INTERNAL: 'INTERNAL',
};

const EmbeddingBody = EmbeddingSettingsSchema.extend({ credentialId: Id.optional() }).strict();

function kbView(kb: KnowledgeBaseRow, deps: GatewayDeps): z.infer<typeof KnowledgeBaseView> {
  return {
    id: kb.id,
    name: kb.name,
    embedding: { provider: kb.embeddingProvider, model: kb.embeddingModel, dimensions: kb.dimensions, credentialId: kb.credentialId },
    vectorSearch: deps.database.vector && kb.dimensions <= 2_000 ? 'hnsw' : 'exact',
    createdAt: kb.createdAt.toISOString(),
  };
}

function sourceView(s: KbSourceSummary): z.infer<typeof SourceView> {
  const error = s.error as { code?: unknown; message?: unknown } | null;
  return {
    id: s.id,
    kbId: s.kbId,
    kind: s.kind,
    fileId: s.fileId,
    title: s.title,
    status: s.status,
    chunks: s.chunks,
    totalChunks: s.totalChunks,
    error: error ? { code: String(error.code), message: String(error.message) } : null,
    workflowId: s.temporalWorkflowId,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

export const knowledgeRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const knowledge: KnowledgeDeps = { database: deps.database, client: deps.temporal.client, taskQueue: deps.temporal.taskQueue };

  async function ownKb(ownerId: string, id: string): Promise<KnowledgeBaseRow> {
    const kb = await findKnowledgeBase(db, ownerId, id);
    if (!kb) throw new ApiError('NOT_FOUND', `Knowledge base ${id} not found`);
    return kb;
  }
  async function ownSource(ownerId: string, kbId: string, sourceId: string): Promise<KbSourceSummary> {
    const source = await findSource(db, ownerId, kbId, sourceId);
    if (!source) throw new ApiError('NOT_FOUND', `Source ${sourceId} not found`);
    return source;
  }

  r.post(
    '/v1/knowledge-bases',
    {
      config: write,
      schema: {
        body: z.object({ name: z.string().min(1).max(200), embedding: EmbeddingBody }).strict(),
        response: { 201: KnowledgeBaseView, ...errors },
      },
    },
    async (req, reply) => {
      const ownerId = principalOf(req).userId;
      const { provider, model, dimensions, credentialId } = req.body.embedding;
      const type = CREDENTIAL_TYPE_OF[provider];
      if (!type) {
        if (model !== OFFLINE_MODEL) throw new ApiError('VALIDATION_FAILED', `The offline embedder's model is "${OFFLINE_MODEL}"`);
        if (credentialId) throw new ApiError('VALIDATION_FAILED', 'The offline embedder takes no credential');
      } else {
        // Checked now, so a knowledge base never exists that could not embed; the worker opens it, never the gateway.
        const credential = credentialId ? await findCredential(db, ownerId, credentialId) : undefined;
        if (!credential || credential.type !== type)
          throw new ApiError('VALIDATION_FAILED', `The ${provider} provider needs embedding.credentialId: one of your ${type} credentials`);
      }
      const kb = await insertKnowledgeBase(db, deps.database.vector, {
        ownerId,
        name: req.body.name,
        embeddingProvider: provider,
        embeddingModel: model,
        dimensions,
        credentialId: credentialId ?? null,
      });
      return reply.status(201).send(kbView(kb, deps));
    },
  );

  r.get(
    '/v1/knowledge-bases',
    { config: read, schema: { response: { 200: z.object({ items: z.array(KnowledgeBaseView) }), ...errors } } },
    async (req) => ({ items: (await listKnowledgeBases(db, principalOf(req).userId)).map((kb) => kbView(kb, deps)) }),
  );

  r.get(
    '/v1/knowledge-bases/:id',
    { config: read, schema: { params: KbParams, response: { 200: KnowledgeBaseDetail, ...errors } } },
    async (req) => {
      const kb = await ownKb(principalOf(req).userId, req.params.id);
      return { ...kbView(kb, deps), chunks: await countChunksOfKnowledgeBase(db, kb.id) };
    },
  );

  r.delete(
    '/v1/knowledge-bases/:id',
    { config: write, schema: { params: KbParams, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      const ownerId = principalOf(req).userId;
      const kb = await ownKb(ownerId, req.params.id);
      // Running ingestions are cancelled first; one that races the delete finds its source gone and ends.
      for (const s of await listSources(db, ownerId, kb.id))
        if ((s.status === 'pending' || s.status === 'ingesting') && s.temporalWorkflowId)
          await cancelIngestion(knowledge, s.temporalWorkflowId).catch(() => undefined);
      if (!(await deleteKnowledgeBase(db, ownerId, kb.id))) throw new ApiError('NOT_FOUND', `Knowledge base ${kb.id} not found`);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/v1/knowledge-bases/:id/sources',
    {
      config: write,
      schema: {
        params: KbParams,
        body: z.union([
          z.object({ title: z.string().min(1).max(500), text: z.string().min(1).max(MAX_TEXT) }).strict(),
          z.object({ fileId: Id, title: z.string().min(1).max(500).optional() }).strict(),
        ]),
        response: { 202: SourceView, ...errors },
      },
    },
    async (req, reply) => {
      const ownerId = principalOf(req).userId;
      const kb = await ownKb(ownerId, req.params.id);
      const body = req.body;
      const file = 'fileId' in body ? await findFile(db, ownerId, body.fileId) : undefined;
      if ('fileId' in body && !file) throw new ApiError('NOT_FOUND', `File ${body.fileId} not found`);
      const source = await addSource(
        knowledge,
        kb,
        'fileId' in body
          ? { kind: 'file', fileId: body.fileId, title: body.title ?? file?.name ?? body.fileId }
          : { kind: 'text', text: body.text, title: body.title },
      );
      return reply.status(202).send(sourceView(source));
    },
  );

  r.get(
    '/v1/knowledge-bases/:id/sources',
    { config: read, schema: { params: KbParams, response: { 200: z.object({ items: z.array(SourceView) }), ...errors } } },
    async (req) => {
      const ownerId = principalOf(req).userId;
      const kb = await ownKb(ownerId, req.params.id);
      return { items: (await listSources(db, ownerId, kb.id)).map(sourceView) };
    },
  );

  r.get(
    '/v1/knowledge-bases/:id/sources/:sourceId',
    { config: read, schema: { params: SourceParams, response: { 200: SourceView, ...errors } } },
    async (req) => sourceView(await ownSource(principalOf(req).userId, req.params.id, req.params.sourceId)),
  );

  r.post(
    '/v1/knowledge-bases/:id/sources/:sourceId/cancel',
    { config: write, schema: { params: SourceParams, response: { 202: SourceView, ...errorResponses(400, 401, 403, 404, 409) } } },
    async (req, reply) => {
      const source = await ownSource(principalOf(req).userId, req.params.id, req.params.sourceId);
      const running = source.status === 'pending' || source.status === 'ingesting';
      if (!running || !source.temporalWorkflowId || !(await cancelIngestion(knowledge, source.temporalWorkflowId)))
        throw new ApiError('INGESTION_NOT_RUNNING', `The ingestion of ${source.id} has already ended (${source.status})`);
      return reply.status(202).send(sourceView(source));
    },
  );

  r.post(
    '/v1/knowledge-bases/:id/search',
    {
      config: read,
      schema: {
        params: KbParams,
        body: z
          .object({
            query: z.string().min(1).max(2_000),
            topK: z.number().int().min(1).max(50).default(10),
            filter: z
              .object({ sourceIds: z.array(Id).max(100).optional() })
              .strict()
              .optional(),
          })
          .strict(),
        response: { 200: z.object({ hits: z.array(HitView) }), ...errorResponses(400, 401, 403, 404, 422, 502) },
      },
    },
    async (req) => {
      const kb = await ownKb(principalOf(req).userId, req.params.id);
      try {
        const hits = await searchKnowledgeBase(knowledge, kb, {
          query: req.body.query,
          topK: req.body.topK,
          sourceIds: req.body.filter?.sourceIds,
        });
        return { hits };
      } catch (err) {
        if (err instanceof KnowledgeError) throw new ApiError(KNOWLEDGE_TO_API[err.code], err.message);
        throw err;
      }
    },
  );
};
