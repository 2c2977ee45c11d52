// Credentials: created with their secret values, which are never returned again (only masked), listed, deleted.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deleteCredential, findCredential, insertCredential, listCredentials } from '../../../db/credential-store.js';
import type { CredentialRow } from '../../../db/schema.js';
import type { NodeRegistry } from '../../../nodes/registry.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { principalOf } from '../auth/authenticate.js';

const CredentialView = z.object({
  id: z.string(),
  type: z.string(),
  name: z.string(),
  fields: z.record(z.string(), z.string()),
  createdAt: z.string(),
});
const IdParams = z.object({ id: z.string().min(1).max(100) });
const errors = errorResponses(400, 401, 403, 404);
const read = { access: 'user', scope: 'credentials:read' } as const;
const write = { access: 'user', scope: 'credentials:write' } as const;
const MASK = '••••••••';

export const credentialRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;

  // Secret fields were never stored in `visible`; the mask shows that they are set.
  function view(row: CredentialRow, types: Pick<NodeRegistry, 'credentialType'>): z.infer<typeof CredentialView> {
    const type = types.credentialType(row.type);
    const masked = Object.fromEntries((type?.secretFields ?? []).map((f) => [f, MASK]));
    return {
      id: row.id,
      type: row.type,
      name: row.name,
      fields: { ...(row.visible as Record<string, string>), ...masked },
      createdAt: row.createdAt.toISOString(),
    };
  }

  r.post(
    '/v1/credentials',
    {
      config: write,
      schema: {
        body: z
          .object({
            type: z.string().min(1).max(100),
            name: z.string().min(1).max(200),
            values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
          })
          .strict(),
        response: { 201: CredentialView, ...errors },
      },
    },
    async (req, reply) => {
      const types = await deps.customNodes.owners.registryFor(principalOf(req).userId);
      const type = types.credentialType(req.body.type);
      if (!type) throw new ApiError('VALIDATION_FAILED', `Unknown credential type "${req.body.type}"`);
      const parsed = type.schema.safeParse(req.body.values);
      if (!parsed.success) {
        // Issues name fields, never echo values: a secret typed into the wrong field must not come back.
        throw new ApiError('VALIDATION_FAILED', `Invalid ${type.displayName} credential`, {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.code })),
        });
      }
      const values = Object.fromEntries(
        Object.entries(parsed.data as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      );
      const row = await insertCredential(db, deps.secrets, {
        ownerId: principalOf(req).userId,
        type: type.type,
        name: req.body.name,
        values,
        secretFields: type.secretFields,
      });
      return reply.status(201).send(view(row, types));
    },
  );

  r.get(
    '/v1/credentials',
    { config: read, schema: { response: { 200: z.object({ items: z.array(CredentialView) }), ...errors } } },
    async (req) => {
      const { userId } = principalOf(req);
      const [rows, types] = await Promise.all([listCredentials(db, userId), deps.customNodes.owners.registryFor(userId)]);
      return { items: rows.map((row) => view(row, types)) };
    },
  );

  r.get(
    '/v1/credentials/:id',
    { config: read, schema: { params: IdParams, response: { 200: CredentialView, ...errors } } },
    async (req) => {
      const { userId } = principalOf(req);
      const row = await findCredential(db, userId, req.params.id);
      if (!row) throw new ApiError('NOT_FOUND', `Credential ${req.params.id} not found`);
      return view(row, await deps.customNodes.owners.registryFor(userId));
    },
  );

  r.delete(
    '/v1/credentials/:id',
    { config: write, schema: { params: IdParams, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      if (!(await deleteCredential(db, principalOf(req).userId, req.params.id)))
        throw new ApiError('NOT_FOUND', `Credential ${req.params.id} not found`);
      return reply.status(204).send(null);
    },
  );
};
