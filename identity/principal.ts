// Who is calling: established once per request by the gateway's authentication hook, then passed explicitly to
// every store call that reads owned data. Never kept between requests.
import type { Role, Tier } from '../db/schema.js';
import type { Scope } from './scopes.js';

export interface Principal {
  userId: string;
  role: Role;
  tier: Tier;
  groups: readonly string[];
  /** `all`: a session; a set: an API key narrowed to these scopes. */
  scopes: 'all' | ReadonlySet<Scope>;
  via: 'session' | 'api_key';
  /** The API key's id when `via` is `api_key`. */
  keyId?: string;
}

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes === 'all' || p.scopes.has(scope);
}
