// Authentication and coarse authorization, before anything else runs for a request: who is calling (a session JWT
// or an API key), may their role call this route, may their key use this scope. Ownership is finer and lives in
// the stores: every owned query filters on the principal's user id, so another user's row is a 404.
import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { findApiKeyByPrefix, touchApiKey } from '../../../db/api-key-store.js';
import type { Database } from '../../../db/client.js';
import type { UserRow } from '../../../db/schema.js';
import { findUser } from '../../../db/user-store.js';
import { hasScope, type Principal } from '../../../identity/principal.js';
import { ScopeSchema } from '../../../identity/scopes.js';
import { isApiKey, parseApiKey, sameHash, sha256 } from '../../../identity/tokens.js';
import { ApiError } from '../errors.js';
import type { RouteTableEntry } from './access.js';
import type { AuthSettings } from './settings.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Every route with what it declared: the source of the authorization matrix. */
    routeTable: RouteTableEntry[];
  }
}

const AccessClaims = z.object({ sub: z.string(), typ: z.literal('access') });

export interface AuthPluginOptions {
  db: Database;
  settings: AuthSettings;
}

function bearerOf(req: FastifyRequest, allowQuery: boolean): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m?.[1]) throw new ApiError('UNAUTHENTICATED', 'Send "Authorization: Bearer <token or API key>"');
    return m[1];
  }
  const apiKey = req.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey) return apiKey;
  if (allowQuery) {
    const q = (req.query as Record<string, unknown> | undefined)?.access_token;
    if (typeof q === 'string' && q) return q;
  }
  return undefined;
}

function principalOfUser(user: UserRow, via: Principal['via'], extra: Partial<Principal> = {}): Principal {
  return { userId: user.id, role: user.role, tier: user.tier, groups: user.groups, scopes: 'all', via, ...extra };
}

async function fromApiKey(db: Database, key: string, now: Date): Promise<Principal> {
  const parsed = parseApiKey(key);
  const found = parsed ? await findApiKeyByPrefix(db, parsed.prefix) : undefined;
  // One message for unknown and wrong keys: a caller learns nothing about which prefixes exist.
  if (!found || !sameHash(found.key.keyHash, sha256(key))) throw new ApiError('UNAUTHENTICATED', 'Invalid API key');
  if (found.key.revokedAt) throw new ApiError('API_KEY_REVOKED');
  if (found.key.expiresAt && found.key.expiresAt <= now) throw new ApiError('API_KEY_EXPIRED');
  if (found.user.disabledAt) throw new ApiError('ACCOUNT_DISABLED');
  void touchApiKey(db, found.key.id, now).catch(() => undefined);
  const scopes = found.key.scopes.length === 0 ? 'all' : new Set(found.key.scopes.map((s) => ScopeSchema.parse(s)));
  return principalOfUser(found.user, 'api_key', { scopes, keyId: found.key.id });
}

async function authenticate(app: FastifyInstance, db: Database, req: FastifyRequest): Promise<Principal | undefined> {
  const config = req.routeOptions.config;
  const token = bearerOf(req, config.tokenInQuery === true);
  if (!token) return undefined;
  if (isApiKey(token)) return fromApiKey(db, token, new Date());
  let claims: z.infer<typeof AccessClaims>;
  try {
    claims = AccessClaims.parse(app.jwt.verify(token));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new ApiError(code === 'FAST_JWT_EXPIRED' ? 'TOKEN_EXPIRED' : 'UNAUTHENTICATED', code === 'FAST_JWT_EXPIRED' ? undefined : 'Invalid access token');
  }
  // The user is read on every request: a disabled account or a changed role takes effect at once, not at expiry.
  const user = await findUser(db, claims.sub);
  if (!user) throw new ApiError('UNAUTHENTICATED', 'Invalid access token');
  if (user.disabledAt) throw new ApiError('ACCOUNT_DISABLED');
  return principalOfUser(user, 'session');
}

export const authPlugin = fp<AuthPluginOptions>(async (app, { db, settings }) => {
  await app.register(jwt, { secret: settings.jwtSecret, sign: { expiresIn: settings.accessTokenTtlSeconds, iss: 'loom' }, verify: { allowedIss: 'loom' } });
  app.decorateRequest('principal', null);
  app.decorate('routeTable', [] as RouteTableEntry[]);

  app.addHook('onRoute', (route) => {
    const config = route.config ?? {};
    if (!config.access) throw new Error(`Route ${String(route.method)} ${route.url} declares no access (public, user or admin)`);
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      app.routeTable.push({ method, url: route.url, access: config.access, ...(config.scope ? { scope: config.scope } : {}), ...(config.limit ? { limit: config.limit } : {}) });
    }
  });

  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config;
    // Unmatched URLs (the 404 handler) have no declaration; they reveal nothing, so they need no identity.
    if (!config.access || config.access === 'public') return;
    const principal = await authenticate(app, db, req);
    if (!principal) throw new ApiError('UNAUTHENTICATED');
    if (config.access === 'admin' && principal.role !== 'admin') throw new ApiError('FORBIDDEN', 'This route is for administrators');
    if (config.scope && !hasScope(principal, config.scope)) throw new ApiError('FORBIDDEN', `This API key lacks the scope ${config.scope}`);
    req.principal = principal;
  });
});

/** The caller of a route declared `user` or `admin`. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError('UNAUTHENTICATED');
  return req.principal;
}
