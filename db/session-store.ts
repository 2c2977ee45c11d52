// Refresh tokens: one row per issued token, replaced on every use. Presenting a token that was already replaced
// means it was copied: every session of that user is revoked. The tokens of one sign-in share a session id, which
// every access token carries: a session is live while one of its tokens is unrevoked and unexpired, so logging out
// or a detected reuse ends its access tokens (and live streams) too, not only its refresh token.
import { and, eq, gt, isNull } from 'drizzle-orm';
import { newRefreshToken, sha256 } from '../identity/tokens.js';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { refreshTokens, users, type UserRow } from './schema.js';

/** A new token; without `sessionId` it starts a session (a sign-in) of its own. */
export async function issueRefreshToken(db: Database, userId: string, expiresAt: Date, sessionId?: string): Promise<{ id: string; token: string; sessionId: string }> {
  const fresh = newRefreshToken();
  const id = newId('rt');
  const session = sessionId ?? id;
  await db.insert(refreshTokens).values({ id, userId, tokenHash: fresh.hash, sessionId: session, expiresAt });
  return { id, token: fresh.token, sessionId: session };
}

/** Whether the user's sign-in `sessionId` still holds a usable refresh token: one indexed lookup per request. */
export async function sessionIsLive(db: Database, userId: string, sessionId: string, now: Date): Promise<boolean> {
  const [row] = await db
    .select({ id: refreshTokens.id })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.sessionId, sessionId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt), gt(refreshTokens.expiresAt, now)))
    .limit(1);
  return row !== undefined;
}

export type RefreshOutcome =
  | { ok: true; user: UserRow; token: string; sessionId: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused' | 'disabled' };

export async function useRefreshToken(db: Database, token: string, now: Date, ttlMs: number): Promise<RefreshOutcome> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ rt: refreshTokens, user: users })
      .from(refreshTokens)
      .innerJoin(users, eq(users.id, refreshTokens.userId))
      .where(eq(refreshTokens.tokenHash, sha256(token)))
      .for('update');
    if (!row) return { ok: false, reason: 'unknown' } as const;
    if (row.rt.replacedBy) {
      await revokeAllSessions(tx as unknown as Database, row.user.id, now);
      return { ok: false, reason: 'reused' } as const;
    }
    if (row.rt.revokedAt) return { ok: false, reason: 'revoked' } as const;
    if (row.rt.expiresAt <= now) return { ok: false, reason: 'expired' } as const;
    if (row.user.disabledAt) return { ok: false, reason: 'disabled' } as const;
    const next = await issueRefreshToken(tx as unknown as Database, row.user.id, new Date(now.getTime() + ttlMs), row.rt.sessionId);
    await tx.update(refreshTokens).set({ replacedBy: next.id, revokedAt: now }).where(eq(refreshTokens.id, row.rt.id));
    return { ok: true, user: row.user, token: next.token, sessionId: next.sessionId } as const;
  });
}

/** Signs the user out everywhere: every session ends, and with it every access token and live stream of theirs. */
export async function revokeAllSessions(db: Database, userId: string, now: Date): Promise<void> {
  await db.update(refreshTokens).set({ revokedAt: now }).where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

export async function revokeRefreshToken(db: Database, userId: string, token: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.tokenHash, sha256(token)), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length > 0;
}
