// Live connections (SSE streams, WebSockets) outlive the request that authorized them, so their principal is
// established again: before every WebSocket action, and for every open connection on a sweep every few seconds.
// A revoked or expired key, a disabled user, or an ended session (logout, refresh-token reuse) closes the connection.
//
// Why a periodic re-check rather than a revocation NOTIFY: it needs nothing from whoever revokes (a key also ends by
// expiring, a rotated key when its grace ends, a session when its refresh token lapses; none of these writes
// anything), it cannot miss a notice while a gateway's LISTEN connection reconnects, and every gateway converges on
// its own with no coordination. It costs one indexed read per distinct credential per sweep, not per connection.
import type { Database } from '../../../db/client.js';
import { hasScope, type Principal } from '../../../identity/principal.js';
import type { Scope } from '../../../identity/scopes.js';
import { reauthorize } from '../auth/principals.js';
import { ApiError } from '../errors.js';

export const SWEEP_INTERVAL_MS = 2_000;

export interface LiveGrant {
  /** The principal as last established (refreshed by every check and sweep). */
  current(): Principal;
  /** Establishes the principal again now; on refusal, revokes the connection and throws the ApiError. */
  check(): Promise<Principal>;
  /** The connection closed: stop watching it. */
  release(): void;
}

export interface LiveAuthority {
  /** Watches a connection opened by `principal` that needs `scope` to stay open; `onRevoked` runs at most once. */
  watch(principal: Principal, scope: Scope, onRevoked: (refusal: ApiError) => void): LiveGrant;
  close(): void;
}

interface Watched {
  principal: Principal;
  scope: Scope;
  onRevoked: (refusal: ApiError) => void;
  revoked: boolean;
}

const credentialOf = (p: Principal) => `${p.via}:${p.keyId ?? p.sessionId ?? p.userId}`;

export function createLiveAuthority(db: Database, onError: (err: unknown) => void, intervalMs = SWEEP_INTERVAL_MS): LiveAuthority {
  const watched = new Set<Watched>();

  async function establish(w: Watched): Promise<Principal> {
    const fresh = await reauthorize(db, w.principal, new Date());
    if (!hasScope(fresh, w.scope)) throw new ApiError('FORBIDDEN', `This credential no longer has the scope ${w.scope}`);
    return fresh;
  }

  function revoke(w: Watched, refusal: ApiError): void {
    if (w.revoked) return;
    w.revoked = true;
    watched.delete(w);
    w.onRevoked(refusal);
  }

  let sweeping = false;
  async function sweep(): Promise<void> {
    // One read per credential: every connection opened with the same key or session shares its outcome.
    const byCredential = new Map<string, Watched[]>();
    for (const w of watched) {
      const group = byCredential.get(credentialOf(w.principal));
      if (group) group.push(w);
      else byCredential.set(credentialOf(w.principal), [w]);
    }
    for (const group of byCredential.values()) {
      const first = group[0]!;
      try {
        const fresh = await reauthorize(db, first.principal, new Date());
        for (const w of group) {
          if (hasScope(fresh, w.scope)) w.principal = fresh;
          else revoke(w, new ApiError('FORBIDDEN', `This credential no longer has the scope ${w.scope}`));
        }
      } catch (err) {
        // A database hiccup is not a revocation: the next sweep (or action) decides.
        if (!(err instanceof ApiError)) {
          onError(err);
          continue;
        }
        for (const w of group) revoke(w, err);
      }
    }
  }
  const timer = setInterval(() => {
    if (sweeping || watched.size === 0) return;
    sweeping = true;
    sweep()
      .catch(onError)
      .finally(() => (sweeping = false));
  }, intervalMs);
  timer.unref();

  return {
    watch(principal, scope, onRevoked) {
      const w: Watched = { principal, scope, onRevoked, revoked: false };
      watched.add(w);
      return {
        current: () => w.principal,
        async check() {
          try {
            w.principal = await establish(w);
            return w.principal;
          } catch (err) {
            if (err instanceof ApiError) revoke(w, err);
            throw err;
          }
        },
        release: () => {
          w.revoked = true;
          watched.delete(w);
        },
      };
    },
    close: () => clearInterval(timer),
  };
}
