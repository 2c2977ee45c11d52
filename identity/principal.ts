// Who is calling: established once per request by the gateway's authentication hook, then passed explicitly to
// every store call that reads owned data. Never kept between requests; a live connection re-establishes it
// (apps/gateway/auth/reauthorize.ts) before every action and every few seconds.
import type { Role, Tier } from '../db/schema.js';
import { scopesOfRole, type Scope } from './scopes.js';

export interface Principal {
  userId: string;
  role: Role;
  tier: Tier;
  groups: readonly string[];
  /** `all`: a session or an unrestricted key (every scope of the role); a set: an API key narrowed to these scopes. */
  scopes: 'all' | ReadonlySet<Scope>;
  via: 'session' | 'api_key';
  /** The API key's id when `via` is `api_key`. */
  keyId?: string;
  /** The sign-in session (refresh-token family) when `via` is `session`: logging out ends it. */
  sessionId?: string;
}

/** What the caller can actually use: a key's list never reaches past its user's role (`admin` for non-admins). */
export function heldScopes(p: Pick<Principal, 'role' | 'scopes'>): ReadonlySet<Scope> {
  const ofRole = scopesOfRole(p.role);
  if (p.scopes === 'all') return ofRole;
  return new Set([...p.scopes].filter((s) => ofRole.has(s)));
}

export function hasScope(p: Pick<Principal, 'role' | 'scopes'>, scope: Scope): boolean {
  return heldScopes(p).has(scope);
}

/**
 * May `p` obtain a key with `scopes` (empty: unrestricted, every scope of the role)? Only when it holds every one
 * of them: the one rule for creating, rotating or any other way of coming by a key.
 */
export function mayGrant(p: Pick<Principal, 'role' | 'scopes'>, scopes: readonly Scope[]): boolean {
  const held = heldScopes(p);
  const wanted = scopes.length === 0 ? scopesOfRole(p.role) : scopes;
  return [...wanted].every((s) => held.has(s));
}
