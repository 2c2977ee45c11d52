// Files: uploaded as multipart/form-data (one part named "file"), streamed into the FileStore, listed, described,
// downloaded and deleted. A file belongs to its owner; to anyone else it does not exist (404). Uploads are limited
// per file and in total by the owner's tier (identity/tiers.ts), and typed by their bytes (nodes/files/content-type.ts).
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deleteFile, findFile, listFiles, storedBytes } from '../../../db/file-store.js';
import type { FileRow, Tier } from '../../../db/schema.js';
import { fileLimitsOf } from '../../../identity/tiers.js';
import { principalOf } from '../auth/authenticate.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { storeUpload, type UploadLimits } from '../handlers/file-upload.js';

const FileView = z.object({
  id: z.string(),
  name: z.string(),
  contentType: z.string(),
  size: z.number(),
  sha256: z.string(),
  createdAt: z.string(),
});
const IdParams = z.object({ id: z.string().min(1).max(100) });
const errors = errorResponses(400, 401, 403, 404);
const read = { access: 'user', scope: 'files:read' } as const;
const write = { access: 'user', scope: 'files:write' } as const;

const view = (row: FileRow): z.infer<typeof FileView> => ({
  id: row.id,
  name: row.name,
  contentType: row.contentType,
  size: row.size,
  sha256: row.sha256,
  createdAt: row.createdAt.toISOString(),
});

/** `attachment` with the name twice: quoted ASCII for old clients, RFC 5987 UTF-8 for the rest. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export const fileRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const { store } = deps.files;
  // Encapsulated here: only the file routes parse multipart; every other route stays JSON-only.
  // A part past its size limit ends truncated instead of failing, and busboy discards the rest of the request.
  await app.register(multipart, { throwFileSizeLimit: false });

  const limitsOf = (tier: Tier): UploadLimits => fileLimitsOf(tier, deps.files.enterprise);

  r.post(
    '/v1/files',
    {
      config: write,
      schema: { response: { 200: FileView, 201: FileView, ...errorResponses(400, 401, 403, 413, 415) } },
    },
    async (req, reply) => {
      const p = principalOf(req);
      if (!req.isMultipart()) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as multipart/form-data, in a part named "file"');
      const limits = limitsOf(p.tier);
      const used = await storedBytes(db, p.userId);
      const room = Math.max(0, Math.min(limits.fileBytes, limits.storedBytes - used));
      const part = await req.file({ limits: { fileSize: room, files: 1, parts: 5, fields: 4, fieldSize: 1024, headerPairs: 50 } });
      if (!part || part.fieldname !== 'file') throw new ApiError('VALIDATION_FAILED', 'The upload has no file part named "file"');
      let stored;
      try {
        stored = await storeUpload({ db, store }, { ownerId: p.userId, part, limits, used });
      } catch (err) {
        // A client that hung up midway is not our failure (and hears no answer): a 400, not a logged 500.
        if (req.raw.destroyed && !(err instanceof ApiError))
          throw new ApiError('BAD_REQUEST', 'The upload ended before the file was complete');
        throw err;
      }
      const { row, created } = stored;
      return reply.status(created ? 201 : 200).send(view(row));
    },
  );

  r.get(
    '/v1/files',
    {
      config: read,
      schema: {
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(200).optional(),
        }),
        response: { 200: z.object({ items: z.array(FileView), nextCursor: z.string().nullable() }), ...errors },
      },
    },
    async (req) => {
      const ownerId = principalOf(req).userId;
      const { limit, cursor } = req.query;
      const before = cursor ? await findFile(db, ownerId, cursor) : undefined;
      if (cursor && !before) throw new ApiError('VALIDATION_FAILED', `Unknown cursor ${cursor}`);
      const rows = await listFiles(db, { ownerId, before, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { items: page.map(view), nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
    },
  );

  r.get('/v1/files/:id', { config: read, schema: { params: IdParams, response: { 200: FileView, ...errors } } }, async (req) => {
    const row = await findFile(db, principalOf(req).userId, req.params.id);
    if (!row) throw new ApiError('NOT_FOUND', `File ${req.params.id} not found`);
    return view(row);
  });

  r.get(
    '/v1/files/:id/content',
    { config: read, schema: { params: IdParams, response: { 200: z.unknown().describe('The file bytes'), ...errors } } },
    async (req, reply) => {
      const row = await findFile(db, principalOf(req).userId, req.params.id);
      const content = row && (await store.get(row.storageKey));
      if (!row || !content) throw new ApiError('NOT_FOUND', `File ${req.params.id} not found`);
      // The sniffed type, and never rendered in place: a browser saves it rather than interpreting it on our origin.
      return reply
        .header('content-type', row.contentType.startsWith('text/') ? `${row.contentType}; charset=utf-8` : row.contentType)
        .header('content-length', String(row.size))
        .header('content-disposition', attachment(row.name))
        .header('x-content-type-options', 'nosniff')
        .send(content);
    },
  );

  r.delete('/v1/files/:id', { config: write, schema: { params: IdParams, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    const deleted = await deleteFile(db, principalOf(req).userId, req.params.id);
    if (!deleted) throw new ApiError('NOT_FOUND', `File ${req.params.id} not found`);
    if (deleted.orphaned) await store.delete(deleted.row.storageKey);
    return reply.status(204).send(null);
  });
};
