// Authentication and coarse authorization, before anything else runs for a request: who is calling (a session JWT
// or an API key), may their role call this route, may their key use this scope. Ownership is finer and lives in
// the stores: every owned query filters on the principal's user id, so another user's row is a 404.
import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { findApiKeyByPrefix, touchApiKey } from '../../../db/api-key-store.js';
import type { Database } from '../../../db/client.js';
import { hasScope, type Principal } from '../../../identity/principal.js';
import type { Scope } from '../../../identity/scopes.js';
import { isApiKey, parseApiKey, sameHash, sha256 } from '../../../identity/tokens.js';
import { ApiError } from '../errors.js';
import { ConsoleClaims, readCookie, SESSION_COOKIE } from '../console/session.js';
import { declarationProblem, type RouteTableEntry } from './access.js';
import { principalOfKey, principalOfSession } from './principals.js';
import type { AuthSettings } from './settings.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** Signed in by the console's cookie, which the browser sends by itself: form posts must then carry a CSRF token. */
    viaCookie: boolean;
  }
  interface FastifyInstance {
    /** Every route with what it declared: the source of the authorization matrix. */
    routeTable: RouteTableEntry[];
  }
}

/** Who signs access tokens and who they are for: a token missing either, or naming others, is refused. */
export const TOKEN_ISSUER = 'loom';
export const TOKEN_AUDIENCE = 'loom-api';

/** Every claim an access token must carry; `sid` ties it to its sign-in, so logging out ends it before it expires. */
const AccessClaims = z.object({
  sub: z.string().min(1),
  typ: z.literal('access'),
  sid: z.string().min(1).max(100),
  iss: z.literal(TOKEN_ISSUER),
  aud: z.literal(TOKEN_AUDIENCE),
});

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

async function fromApiKey(db: Database, key: string, now: Date): Promise<Principal> {
  const parsed = parseApiKey(key);
  const found = parsed ? await findApiKeyByPrefix(db, parsed.prefix) : undefined;
  // One message for unknown and wrong keys: a caller learns nothing about which prefixes exist.
  if (!found || !sameHash(found.key.keyHash, sha256(key))) throw new ApiError('UNAUTHENTICATED', 'Invalid API key');
  const principal = principalOfKey(found, now);
  void touchApiKey(db, found.key.id, now).catch(() => undefined);
  return principal;
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/**
 * The console's cookie: only on routes that declare it, and only from a page of this origin (SameSite does not cover
 * every WebSocket handshake in every browser, so a foreign Origin is refused here).
 */
async function fromCookie(app: FastifyInstance, db: Database, req: FastifyRequest): Promise<Principal | undefined> {
  const cookie = readCookie(req, SESSION_COOKIE);
  if (!cookie) return undefined;
  // The host alone: behind a proxy that ends TLS the page's scheme (https) is not the one this server sees.
  const origin = req.headers.origin;
  if (origin !== undefined && hostOf(origin) !== req.headers.host)
    throw new ApiError('FORBIDDEN', 'The console cookie is accepted only from the console itself');
  let claims: z.infer<typeof ConsoleClaims>;
  try {
    claims = ConsoleClaims.parse(app.jwt.verify(cookie));
  } catch {
    return undefined;
  }
  req.viaCookie = true;
  return principalOfSession(db, claims.sub, claims.sid, new Date());
}

async function authenticate(app: FastifyInstance, db: Database, req: FastifyRequest): Promise<Principal | undefined> {
  const config = req.routeOptions.config;
  const token = bearerOf(req, config.tokenInQuery === true);
  if (!token) return config.sessionCookie ? fromCookie(app, db, req) : undefined;
  if (isApiKey(token)) return fromApiKey(db, token, new Date());
  let claims: z.infer<typeof AccessClaims>;
  try {
    claims = AccessClaims.parse(app.jwt.verify(token));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new ApiError(
      code === 'FAST_JWT_EXPIRED' ? 'TOKEN_EXPIRED' : 'UNAUTHENTICATED',
      code === 'FAST_JWT_EXPIRED' ? undefined : 'Invalid access token',
    );
  }
  return principalOfSession(db, claims.sub, claims.sid, new Date());
}

export const authPlugin = fp<AuthPluginOptions>(async (app, { db, settings }) => {
  await app.register(jwt, {
    secret: settings.jwtSecret,
    sign: { expiresIn: settings.accessTokenTtlSeconds, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE },
    // fast-jwt checks iss and aud only when present: requiring them closes tokens that simply leave them out.
    verify: { allowedIss: TOKEN_ISSUER, allowedAud: TOKEN_AUDIENCE, requiredClaims: ['iss', 'aud', 'sub', 'exp'] },
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('viaCookie', false);
  app.decorate('routeTable', [] as RouteTableEntry[]);

  app.addHook('onRoute', (route) => {
    const config = route.config ?? {};
    const problem = declarationProblem(config);
    const { access, scope, limit } = config;
    if (problem || !access) throw new Error(`Route ${String(route.method)} ${route.url} ${problem ?? 'declares no access'}`);
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      app.routeTable.push({ method, url: route.url, access, ...(scope ? { scope } : {}), ...(limit ? { limit } : {}) });
    }
  });

  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config;
    // Unmatched URLs (the 404 handler) have no declaration; they reveal nothing, so they need no identity.
    if (!config.access || config.access === 'public') return;
    const principal = await authenticate(app, db, req);
    if (!principal) throw new ApiError('UNAUTHENTICATED');
    if (config.access === 'admin' && principal.role !== 'admin') throw new ApiError('FORBIDDEN', 'This route is for administrators');
    // Every non-public route declares a scope (checked at start), so this check is never skipped.
    if (!config.scope) throw new ApiError('FORBIDDEN', 'This API key lacks the scope (none declared)');
    requireScope(principal, config.scope);
    req.principal = principal;
  });
});

/** Refuses a principal without `scope`: routes (above) and WebSocket commands (live/ws-protocol.ts) alike. */
export function requireScope(principal: Principal, scope: Scope): void {
  if (!hasScope(principal, scope)) throw new ApiError('FORBIDDEN', `This API key lacks the scope ${scope}`);
}

/** The caller of a route declared `user` or `admin`. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError('UNAUTHENTICATED');
  return req.principal;
}
