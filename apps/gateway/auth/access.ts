// What each route declares about who may call it. Every route must declare `access` (the gateway refuses to start
// otherwise), and the route table built from these declarations drives the authorization-matrix test.
import type { Scope } from '../../../identity/scopes.js';

/** public: anyone (health, login, signed links); user: any signed-in user; admin: role admin. */
export type Access = 'public' | 'user' | 'admin';

/** Rate-limit buckets shared by the routes in them (compile and save both compile). */
export type LimitGroup = 'compile' | 'execute' | 'login';

export interface RouteAccess {
  access: Access;
  scope?: Scope;
  limit?: LimitGroup;
  /** Browsers cannot set headers on EventSource or WebSocket: these routes also read `?access_token=`. */
  tokenInQuery?: boolean;
}

export interface RouteTableEntry extends RouteAccess {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    scope?: Scope;
    limit?: LimitGroup;
    tokenInQuery?: boolean;
  }
}
