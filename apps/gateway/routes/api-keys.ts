// API keys for programmatic access: created (the key is in this one response only), listed, rotated with a grace
// period for the old key, revoked at once. No key operation yields a key with a scope the caller lacks (`mayGrant`):
// creating, and rotating (the successor inherits the old key's scopes, so rotating is obtaining them).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findApiKey, listApiKeys, revokeApiKey } from '../../../db/api-key-store.js';
import { issueApiKey, rotateApiKey } from '../../../identity/api-keys.js';
import { mayGrant } from '../../../identity/principal.js';
import { ScopeSchema } from '../../../identity/scopes.js';
import { principalOf } from '../auth/authenticate.js';
import type { AuthSettings } from '../auth/settings.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { ApiKeyViewSchema, apiKeyView } from '../views.js';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const Issued = ApiKeyViewSchema.extend({ key: z.string().describe('The full key. Store it now: it is never shown again.') });
const errors = errorResponses(400, 401, 403, 404);
const MAX_GRACE_MS = 30 * 24 * 3600 * 1000;

export const apiKeyRoutes: FastifyPluginAsync<GatewayDeps & { auth: AuthSettings }> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const config = { access: 'user', scope: 'keys:manage' } as const;

  r.post(
    '/v1/api-keys',
    {
      config,
      schema: {
        body: z
          .object({
            name: z.string().trim().min(1).max(100),
            scopes: z.array(ScopeSchema).max(20).default([]),
            expiresAt: z.iso.datetime({ offset: true }).optional(),
          })
          .strict(),
        response: { 201: Issued, ...errors },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const scopes = [...new Set(req.body.scopes)];
      // An empty list means "everything the user may do"; a narrowed key may not mint an unrestricted one.
      if (!mayGrant(p, scopes)) throw new ApiError('FORBIDDEN', 'A key can only be given scopes the caller has itself');
      const expiresAt = req.body.expiresAt ? new Date(req.body.expiresAt) : null;
      if (expiresAt && expiresAt <= new Date()) throw new ApiError('VALIDATION_FAILED', 'expiresAt must be in the future');
      const issued = await issueApiKey(db, { userId: p.userId, name: req.body.name, scopes, expiresAt });
      return reply.status(201).send({ ...apiKeyView(issued.row), key: issued.key });
    },
  );

  r.get(
    '/v1/api-keys',
    { config, schema: { response: { 200: z.object({ items: z.array(ApiKeyViewSchema) }), ...errors } } },
    async (req) => ({
      items: (await listApiKeys(db, principalOf(req).userId)).map((k) => apiKeyView(k)),
    }),
  );

  r.post(
    '/v1/api-keys/:id/rotate',
    {
      config,
      schema: {
        params: IdParams,
        body: z
          .object({
            graceSeconds: z
              .number()
              .int()
              .min(0)
              .max(MAX_GRACE_MS / 1000)
              .optional(),
          })
          .strict()
          .default({}),
        response: { 201: Issued, ...errors, ...errorResponses(409) },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const old = await findApiKey(db, p.userId, req.params.id);
      if (!old) throw new ApiError('NOT_FOUND', `API key ${req.params.id} not found`);
      // The successor carries the old key's scopes: rotating a key is obtaining them. (Stored scopes no longer
      // known grant nothing and are left out; left with none, the key counts as unrestricted: the strict reading.)
      const inherited = old.scopes.flatMap((s) => {
        const known = ScopeSchema.safeParse(s);
        return known.success ? [known.data] : [];
      });
      if (!mayGrant(p, inherited)) throw new ApiError('FORBIDDEN', 'A key can only be rotated by a caller holding every scope of that key');
      const graceMs = req.body.graceSeconds === undefined ? deps.auth.defaultRotationGraceMs : req.body.graceSeconds * 1000;
      const successor = await rotateApiKey(db, p.userId, req.params.id, graceMs, new Date());
      if (!successor) throw new ApiError('ALREADY_EXISTS', 'This key was already rotated, revoked or has expired');
      return reply.status(201).send({ ...apiKeyView(successor.row), key: successor.key });
    },
  );

  r.delete('/v1/api-keys/:id', { config, schema: { params: IdParams, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    if (!(await revokeApiKey(db, principalOf(req).userId, req.params.id, new Date())))
      throw new ApiError('NOT_FOUND', `API key ${req.params.id} not found or already revoked`);
    return reply.status(204).send(null);
  });
};
