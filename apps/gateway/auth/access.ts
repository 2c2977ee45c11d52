// What each route declares about who may call it. Every route must declare `access`, and every route that is not
// public also the one scope it needs (`admin` for admin routes): the gateway refuses to start otherwise, so a
// narrowed API key can never reach a route by its author forgetting a scope. The route table built from these
// declarations drives the authorization-matrix test.
import type { Scope } from '../../../identity/scopes.js';

/** public: anyone (health, login, signed links); user: any signed-in user; admin: role admin. */
export type Access = 'public' | 'user' | 'admin';

/** Rate-limit buckets shared by the routes in them (compile and save both compile). */
export type LimitGroup = 'compile' | 'execute' | 'login';

interface Common {
  limit?: LimitGroup;
  /** Browsers cannot set headers on EventSource or WebSocket: these routes also read `?access_token=`. */
  tokenInQuery?: boolean;
  /** Console pages, and the streams they open: also read the console's HttpOnly sign-in cookie (console/session.ts). */
  sessionCookie?: boolean;
}

export type RouteAccess =
  | (Common & { access: 'public'; scope?: never })
  | (Common & { access: 'user'; scope: Exclude<Scope, 'admin'> })
  | (Common & { access: 'admin'; scope: 'admin' });

/** The declaration of an administration route: `{ config: ADMIN_ROUTE, ... }`. */
export const ADMIN_ROUTE = { access: 'admin', scope: 'admin' } as const satisfies RouteAccess;

export interface RouteTableEntry {
  method: string;
  url: string;
  access: Access;
  scope?: Scope;
  limit?: LimitGroup;
}

/** Why a route's declaration is refused, or undefined when it is complete. */
export function declarationProblem(config: { access?: Access; scope?: Scope }): string | undefined {
  if (!config.access) return 'declares no access (public, user or admin)';
  if (config.access === 'public') return config.scope ? 'is public but declares a scope' : undefined;
  if (!config.scope) return `is ${config.access} but declares no scope`;
  if (config.access === 'admin' && config.scope !== 'admin') return 'is admin but its scope is not admin';
  if (config.access === 'user' && config.scope === 'admin') return 'declares the admin scope but not access admin';
  return undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    scope?: Scope;
    limit?: LimitGroup;
    tokenInQuery?: boolean;
    sessionCookie?: boolean;
  }
}
