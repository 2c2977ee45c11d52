// Signing in: password login returns a short-lived access token (JWT) and a refresh token; refresh rotates the
// refresh token; logout revokes it. `GET /v1/me` says who the caller is.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { UserRow } from '../../../db/schema.js';
import { findUser, findUserByEmail } from '../../../db/user-store.js';
import { decoyHash, verifyPassword } from '../../../identity/passwords.js';
import { issueRefreshToken, revokeRefreshToken, useRefreshToken } from '../../../identity/sessions.js';
import { principalOf } from '../auth/authenticate.js';
import type { AuthSettings } from '../auth/settings.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { UserViewSchema, userView } from '../views.js';

const TokensSchema = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number(),
  refreshToken: z.string(),
  user: UserViewSchema,
});
const errors = errorResponses(400, 401, 429);

export const authRoutes: FastifyPluginAsync<GatewayDeps & { auth: AuthSettings }> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;

  /** The access token names its sign-in (`sid`): it stops working when that session ends, not only at expiry. */
  async function tokensFor(user: UserRow, refreshed?: { token: string; sessionId: string }): Promise<z.infer<typeof TokensSchema>> {
    const refresh = refreshed ?? (await issueRefreshToken(db, user.id, new Date(Date.now() + deps.auth.refreshTokenTtlMs)));
    return {
      accessToken: app.jwt.sign({ sub: user.id, typ: 'access', sid: refresh.sessionId }),
      tokenType: 'Bearer',
      expiresIn: deps.auth.accessTokenTtlSeconds,
      refreshToken: refresh.token,
      user: userView(user),
    };
  }

  r.post(
    '/v1/auth/login',
    {
      config: { access: 'public', limit: 'login' },
      schema: {
        body: z.object({ email: z.string().min(3).max(320), password: z.string().min(1).max(1_000) }).strict(),
        response: { 200: TokensSchema, ...errors },
      },
    },
    async (req) => {
      const user = await findUserByEmail(db, req.body.email);
      // Unknown users are checked against a decoy hash: both failures take the same time and say the same thing.
      const ok = await verifyPassword(user?.passwordHash ?? (await decoyHash()), req.body.password);
      if (!user || !ok) throw new ApiError('INVALID_LOGIN');
      if (user.disabledAt) throw new ApiError('ACCOUNT_DISABLED');
      return tokensFor(user);
    },
  );

  r.post(
    '/v1/auth/refresh',
    {
      config: { access: 'public', limit: 'login' },
      schema: { body: z.object({ refreshToken: z.string().min(10).max(200) }).strict(), response: { 200: TokensSchema, ...errors } },
    },
    async (req) => {
      const outcome = await useRefreshToken(db, req.body.refreshToken, new Date(), deps.auth.refreshTokenTtlMs);
      if (!outcome.ok) {
        throw new ApiError(
          'REFRESH_TOKEN_INVALID',
          outcome.reason === 'reused'
            ? 'This refresh token was already used; every session of this account has been signed out'
            : undefined,
        );
      }
      return tokensFor(outcome.user, outcome);
    },
  );

  r.post(
    '/v1/auth/logout',
    {
      config: { access: 'user', scope: 'account:write' },
      schema: { body: z.object({ refreshToken: z.string().min(10).max(200) }).strict(), response: { 204: z.null(), ...errors } },
    },
    async (req, reply) => {
      await revokeRefreshToken(db, principalOf(req).userId, req.body.refreshToken, new Date());
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/v1/me',
    {
      config: { access: 'user', scope: 'account:read' },
      schema: {
        response: {
          200: UserViewSchema.extend({ via: z.enum(['session', 'api_key']), scopes: z.union([z.literal('all'), z.array(z.string())]) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const user = await findUser(db, p.userId);
      if (!user) throw new ApiError('UNAUTHENTICATED');
      return { ...userView(user), via: p.via, scopes: p.scopes === 'all' ? ('all' as const) : [...p.scopes] };
    },
  );
};
