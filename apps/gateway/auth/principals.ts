// The principal behind a credential, established from the database every time: on each request, and again for a
// live connection before each of its actions and on every sweep (live/reauthorization.ts). One function per kind of
// credential, so a request and a WebSocket action refuse for exactly the same reasons.
import { findApiKeyById } from '../../../db/api-key-store.js';
import type { Database } from '../../../db/client.js';
import type { ApiKeyRow, UserRow } from '../../../db/schema.js';
import { sessionIsLive } from '../../../db/session-store.js';
import { findUser } from '../../../db/user-store.js';
import type { Principal } from '../../../identity/principal.js';
import { ScopeSchema } from '../../../identity/scopes.js';
import { ApiError } from '../errors.js';

function principalOfUser(user: UserRow, via: Principal['via'], extra: Partial<Principal>): Principal {
  return { userId: user.id, role: user.role, tier: user.tier, groups: user.groups, scopes: 'all', via, ...extra };
}

/** A key's row and user, found by its prefix and checked by hash already; refused when revoked, expired or disabled. */
export function principalOfKey(found: { key: ApiKeyRow; user: UserRow }, now: Date): Principal {
  if (found.key.revokedAt) throw new ApiError('API_KEY_REVOKED');
  if (found.key.expiresAt && found.key.expiresAt <= now) throw new ApiError('API_KEY_EXPIRED');
  if (found.user.disabledAt) throw new ApiError('ACCOUNT_DISABLED');
  // Stored scopes that are no longer known (a scope removed later) grant nothing rather than failing the request.
  const scopes =
    found.key.scopes.length === 0
      ? 'all'
      : new Set(
          found.key.scopes.flatMap((s) => {
            const r = ScopeSchema.safeParse(s);
            return r.success ? [r.data] : [];
          }),
        );
  return principalOfUser(found.user, 'api_key', { scopes, keyId: found.key.id });
}

/** The user of a session's access token, while the user is enabled and the session (sign-in) is live. */
export async function principalOfSession(db: Database, userId: string, sessionId: string, now: Date): Promise<Principal> {
  // The user is read on every request: a disabled account or a changed role takes effect at once, not at expiry.
  const [user, live] = await Promise.all([findUser(db, userId), sessionIsLive(db, userId, sessionId, now)]);
  if (!user) throw new ApiError('UNAUTHENTICATED', 'Invalid access token');
  if (user.disabledAt) throw new ApiError('ACCOUNT_DISABLED');
  if (!live) throw new ApiError('SESSION_ENDED');
  return principalOfUser(user, 'session', { sessionId });
}

/** The same caller, established afresh: throws the ApiError a new request with that credential would get. */
export async function reauthorize(db: Database, p: Principal, now: Date): Promise<Principal> {
  if (p.via === 'session' && p.sessionId) return principalOfSession(db, p.userId, p.sessionId, now);
  if (p.via === 'api_key' && p.keyId) {
    const found = await findApiKeyById(db, p.keyId);
    if (!found || found.user.id !== p.userId) throw new ApiError('API_KEY_REVOKED');
    return principalOfKey(found, now);
  }
  throw new ApiError('UNAUTHENTICATED');
}
