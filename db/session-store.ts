// Refresh tokens: one row per issued token, replaced on every use. Presenting a token that was already replaced
// means it was copied: every session of that user is revoked. The tokens of one sign-in share a session id, which
// every access token carries: a session is live while one of its tokens is unrevoked and unexpired, so logging out
// or a detected reuse ends its access tokens (and live streams) too, not only its refresh token.
// Tokens are made and hashed in identity/ (identity/sessions.ts): this store only ever sees their SHA-256.
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { refreshTokens, users, type UserRow } from './schema.js';

/** Stores a new token by its hash; without `sessionId` it starts a session (a sign-in) of its own. */
export async function storeRefreshToken(
  db: Database,
  userId: string,
  tokenHash: string,
  expiresAt: Date,
  sessionId?: string,
): Promise<{ id: string; sessionId: string }> {
  const id = newId('rt');
  const session = sessionId ?? id;
  await db.insert(refreshTokens).values({ id, userId, tokenHash, sessionId: session, expiresAt });
  return { id, sessionId: session };
}

/** Whether the user's sign-in `sessionId` still holds a usable refresh token: one indexed lookup per request. */
export async function sessionIsLive(db: Database, userId: string, sessionId: string, now: Date): Promise<boolean> {
  const [row] = await db
    .select({ id: refreshTokens.id })
    .from(refreshTokens)
    .where(
      and(
        eq(refreshTokens.sessionId, sessionId),
        eq(refreshTokens.userId, userId),
        isNull(refreshTokens.revokedAt),
        gt(refreshTokens.expiresAt, now),
      ),
    )
    .limit(1);
  return row !== undefined;
}

export type RefreshReplacement =
  { ok: true; user: UserRow; sessionId: string } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused' | 'disabled' };

/** Replaces the token hashed `tokenHash` by the one hashed `successorHash`, if it is still usable. */
export async function replaceRefreshToken(
  db: Database,
  tokenHash: string,
  successorHash: string,
  now: Date,
  ttlMs: number,
): Promise<RefreshReplacement> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ rt: refreshTokens, user: users })
      .from(refreshTokens)
      .innerJoin(users, eq(users.id, refreshTokens.userId))
      .where(eq(refreshTokens.tokenHash, tokenHash))
      .for('update');
    if (!row) return { ok: false, reason: 'unknown' } as const;
    if (row.rt.replacedBy) {
      await revokeAllSessions(tx as unknown as Database, row.user.id, now);
      return { ok: false, reason: 'reused' } as const;
    }
    if (row.rt.revokedAt) return { ok: false, reason: 'revoked' } as const;
    if (row.rt.expiresAt <= now) return { ok: false, reason: 'expired' } as const;
    if (row.user.disabledAt) return { ok: false, reason: 'disabled' } as const;
    const next = await storeRefreshToken(
      tx as unknown as Database,
      row.user.id,
      successorHash,
      new Date(now.getTime() + ttlMs),
      row.rt.sessionId,
    );
    await tx.update(refreshTokens).set({ replacedBy: next.id, revokedAt: now }).where(eq(refreshTokens.id, row.rt.id));
    return { ok: true, user: row.user, sessionId: next.sessionId } as const;
  });
}

/** Signs the user out everywhere: every session ends, and with it every access token and live stream of theirs. */
export async function revokeAllSessions(db: Database, userId: string, now: Date): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

export async function revokeRefreshTokenByHash(db: Database, userId: string, tokenHash: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.tokenHash, tokenHash), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length > 0;
}

/** Ends one sign-in: every token of the session (the console's sign-out, which holds the session id, not a token). */
export async function revokeSession(db: Database, userId: string, sessionId: string, now: Date): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.sessionId, sessionId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}
