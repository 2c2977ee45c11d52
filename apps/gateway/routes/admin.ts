// Administration: users (create, list, read, change role, tier, groups, disable), every decision of the audit trail,
// and the tier table.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES, TIERS } from '../../../db/schema.js';
import { listAllAudit } from '../../../db/request-store.js';
import { revokeAllSessions } from '../../../db/session-store.js';
import { findUser, insertUser, listUsers, updateUser, UserExistsError } from '../../../db/user-store.js';
import { hashPassword, PASSWORD_MIN_LENGTH } from '../../../identity/passwords.js';
import { TIER_LIMITS } from '../../../identity/tiers.js';
import { ADMIN_ROUTE } from '../auth/access.js';
import { principalOf } from '../auth/authenticate.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { AuditViewSchema, auditView, UserViewSchema, userView } from '../views.js';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const Group = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[\w.-]+$/, 'letters, digits, _ . -');
const errors = errorResponses(400, 401, 403, 404, 409);

export const adminRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const config = ADMIN_ROUTE;

  r.post(
    '/v1/admin/users',
    {
      config,
      schema: {
        body: z
          .object({
            email: z.email().max(320),
            name: z.string().trim().min(1).max(200),
            password: z.string().min(PASSWORD_MIN_LENGTH).max(1_000),
            role: z.enum(ROLES).default('user'),
            tier: z.enum(TIERS).default('free'),
            groups: z.array(Group).max(50).default([]),
          })
          .strict(),
        response: { 201: UserViewSchema, ...errors },
      },
    },
    async (req, reply) => {
      try {
        const user = await insertUser(db, { ...req.body, passwordHash: await hashPassword(req.body.password) });
        return reply.status(201).send(userView(user));
      } catch (err) {
        if (err instanceof UserExistsError) throw new ApiError('ALREADY_EXISTS', err.message);
        throw err;
      }
    },
  );

  r.get(
    '/v1/admin/users',
    {
      config,
      schema: {
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: z.object({ items: z.array(UserViewSchema) }), ...errors },
      },
    },
    async (req) => ({ items: (await listUsers(db, req.query)).map(userView) }),
  );

  r.get('/v1/admin/users/:id', { config, schema: { params: IdParams, response: { 200: UserViewSchema, ...errors } } }, async (req) => {
    const user = await findUser(db, req.params.id);
    if (!user) throw new ApiError('NOT_FOUND', `User ${req.params.id} not found`);
    return userView(user);
  });

  r.patch(
    '/v1/admin/users/:id',
    {
      config,
      schema: {
        params: IdParams,
        body: z
          .object({
            name: z.string().trim().min(1).max(200),
            role: z.enum(ROLES),
            tier: z.enum(TIERS),
            groups: z.array(Group).max(50),
            disabled: z.boolean(),
            password: z.string().min(PASSWORD_MIN_LENGTH).max(1_000),
          })
          .partial()
          .strict(),
        response: { 200: UserViewSchema, ...errors },
      },
    },
    async (req) => {
      const { password, ...patch } = req.body;
      // An admin cannot lock themselves out by accident: their own role and access stay.
      if (req.params.id === principalOf(req).userId && (patch.role === 'user' || patch.disabled === true)) {
        throw new ApiError('FORBIDDEN', 'You cannot demote or disable your own account');
      }
      const user = await updateUser(db, req.params.id, { ...patch, ...(password ? { passwordHash: await hashPassword(password) } : {}) });
      if (!user) throw new ApiError('NOT_FOUND', `User ${req.params.id} not found`);
      // A new password is usually set because the old one leaked: whoever signed in with it is signed out.
      if (password) await revokeAllSessions(db, user.id, new Date());
      return userView(user);
    },
  );

  r.get(
    '/v1/admin/audit',
    {
      config,
      schema: {
        querystring: z.object({
          actor: z.string().max(200).optional(),
          runId: z.string().max(100).optional(),
          since: z.iso.datetime({ offset: true }).optional(),
          before: z.coerce.number().int().positive().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ items: z.array(AuditViewSchema), next: z.number().nullable() }), ...errors },
      },
    },
    async (req) => {
      const { since, ...rest } = req.query;
      const rows = await listAllAudit(db, { ...rest, ...(since ? { since: new Date(since) } : {}) });
      return { items: rows.map(auditView), next: rows.length === req.query.limit ? (rows.at(-1)?.id ?? null) : null };
    },
  );

  r.get(
    '/v1/admin/tiers',
    {
      config,
      schema: {
        response: {
          200: z.object({
            items: z.array(
              z.object({
                tier: z.enum(TIERS),
                compilePerMinute: z.number().nullable(),
                executePerMinute: z.number().nullable(),
                concurrentStreams: z.number(),
                fileBytes: z.number(),
                storedBytes: z.number(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async () => ({
      items: TIERS.map((tier) => ({ tier, ...TIER_LIMITS[tier] })),
    }),
  );
};
