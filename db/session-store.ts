// Refresh tokens: one row per issued token, replaced on every use. Presenting a token that was already replaced
// means it was copied: every session of that user is revoked.
import { and, eq, isNull } from 'drizzle-orm';
import { newRefreshToken, sha256 } from '../identity/tokens.js';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { refreshTokens, users, type UserRow } from './schema.js';

export async function issueRefreshToken(db: Database, userId: string, expiresAt: Date): Promise<{ id: string; token: string }> {
  const fresh = newRefreshToken();
  const id = newId('rt');
  await db.insert(refreshTokens).values({ id, userId, tokenHash: fresh.hash, expiresAt });
  return { id, token: fresh.token };
}

export type RefreshOutcome =
  | { ok: true; user: UserRow; token: string }
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
      await tx.update(refreshTokens).set({ revokedAt: now }).where(and(eq(refreshTokens.userId, row.user.id), isNull(refreshTokens.revokedAt)));
      return { ok: false, reason: 'reused' } as const;
    }
    if (row.rt.revokedAt) return { ok: false, reason: 'revoked' } as const;
    if (row.rt.expiresAt <= now) return { ok: false, reason: 'expired' } as const;
    if (row.user.disabledAt) return { ok: false, reason: 'disabled' } as const;
    const next = await issueRefreshToken(tx as unknown as Database, row.user.id, new Date(now.getTime() + ttlMs));
    await tx.update(refreshTokens).set({ replacedBy: next.id, revokedAt: now }).where(eq(refreshTokens.id, row.rt.id));
    return { ok: true, user: row.user, token: next.token } as const;
  });
}

export async function revokeRefreshToken(db: Database, userId: string, token: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.tokenHash, sha256(token)), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length > 0;
}
