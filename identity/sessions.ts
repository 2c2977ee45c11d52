// Refresh tokens as the caller sees them: made here (identity/tokens.ts), stored and compared by their SHA-256
// (db/session-store.ts holds the rules of rotation, reuse and revocation).
import type { Database } from '../db/client.js';
import { replaceRefreshToken, revokeRefreshTokenByHash, storeRefreshToken, type RefreshReplacement } from '../db/session-store.js';
import type { UserRow } from '../db/schema.js';
import { newRefreshToken, sha256 } from './tokens.js';

/** A new token; without `sessionId` it starts a session (a sign-in) of its own. */
export async function issueRefreshToken(
  db: Database,
  userId: string,
  expiresAt: Date,
  sessionId?: string,
): Promise<{ id: string; token: string; sessionId: string }> {
  const fresh = newRefreshToken();
  return { ...(await storeRefreshToken(db, userId, fresh.hash, expiresAt, sessionId)), token: fresh.token };
}

export type RefreshOutcome = { ok: true; user: UserRow; token: string; sessionId: string } | Extract<RefreshReplacement, { ok: false }>;

/** Trades a refresh token for its successor (same session); a token presented twice signs the user out everywhere. */
export async function useRefreshToken(db: Database, token: string, now: Date, ttlMs: number): Promise<RefreshOutcome> {
  const successor = newRefreshToken();
  const outcome = await replaceRefreshToken(db, sha256(token), successor.hash, now, ttlMs);
  return outcome.ok ? { ok: true, user: outcome.user, token: successor.token, sessionId: outcome.sessionId } : outcome;
}

export async function revokeRefreshToken(db: Database, userId: string, token: string, now: Date): Promise<boolean> {
  return revokeRefreshTokenByHash(db, userId, sha256(token), now);
}
