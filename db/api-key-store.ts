// API keys: looked up by their visible prefix, checked by hash. Rotation issues a successor and gives the old key
// a grace period; revocation is immediate.
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { newApiKey } from '../identity/tokens.js';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { apiKeys, users, type ApiKeyRow, type UserRow } from './schema.js';

export interface IssuedKey {
  row: ApiKeyRow;
  /** The full key: returned to the caller once, never stored. */
  key: string;
}

export async function issueApiKey(db: Database, k: { userId: string; name: string; scopes: string[]; expiresAt: Date | null }): Promise<IssuedKey> {
  const fresh = newApiKey();
  const [row] = await db
    .insert(apiKeys)
    .values({ id: newId('key'), userId: k.userId, name: k.name, prefix: fresh.prefix, keyHash: fresh.hash, scopes: k.scopes, expiresAt: k.expiresAt })
    .returning();
  if (!row) throw new Error('insert into api_keys returned no row');
  return { row, key: fresh.key };
}

/** The key's row and its user, whatever their state: the caller decides what revoked, expired or disabled mean. */
export async function findApiKeyByPrefix(db: Database, prefix: string): Promise<{ key: ApiKeyRow; user: UserRow } | undefined> {
  const [row] = await db.select({ key: apiKeys, user: users }).from(apiKeys).innerJoin(users, eq(users.id, apiKeys.userId)).where(eq(apiKeys.prefix, prefix));
  return row;
}

/** By id, with its user: how a live connection re-checks the key it was opened with. */
export async function findApiKeyById(db: Database, id: string): Promise<{ key: ApiKeyRow; user: UserRow } | undefined> {
  const [row] = await db.select({ key: apiKeys, user: users }).from(apiKeys).innerJoin(users, eq(users.id, apiKeys.userId)).where(eq(apiKeys.id, id));
  return row;
}

export async function listApiKeys(db: Database, userId: string): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt));
}

export async function findApiKey(db: Database, userId: string, id: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db.select().from(apiKeys).where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)));
  return row;
}

export async function revokeApiKey(db: Database, userId: string, id: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

/**
 * Issues a successor with the same name and scopes; the old key stops at `now + grace` (or earlier, if it was to
 * expire sooner). Conditional on the old key not being revoked or already rotated, so two rotations cannot fork.
 */
export async function rotateApiKey(db: Database, userId: string, id: string, graceMs: number, now: Date): Promise<IssuedKey | undefined> {
  return db.transaction(async (tx) => {
    const [old] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt), isNull(apiKeys.rotatedTo)))
      .for('update');
    if (!old || (old.expiresAt && old.expiresAt <= now)) return undefined;
    const successor = await issueApiKey(tx as unknown as Database, { userId, name: old.name, scopes: old.scopes, expiresAt: old.expiresAt });
    const graceEnd = new Date(now.getTime() + graceMs);
    const ends = old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd;
    await tx.update(apiKeys).set({ rotatedTo: successor.row.id, expiresAt: ends }).where(eq(apiKeys.id, old.id));
    return successor;
  });
}

/** Best effort and coarse (once a minute per key), so authentication does not write on every request. */
export async function touchApiKey(db: Database, id: string, at: Date): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: at })
    .where(and(eq(apiKeys.id, id), sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < ${new Date(at.getTime() - 60_000)})`));
}
