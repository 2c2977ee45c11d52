// API keys: looked up by their visible prefix, checked by hash. Rotation stores a successor and gives the old key
// a grace period; revocation is immediate. Keys are made in identity/ (identity/api-keys.ts): this store only ever
// sees their prefix and hash.
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { apiKeys, users, type ApiKeyRow, type UserRow } from './schema.js';

/** What is kept of a key: the prefix that finds its row and the hash that checks it. */
export interface ApiKeyDigest {
  prefix: string;
  hash: string;
}

export interface ApiKeyFields {
  userId: string;
  name: string;
  scopes: string[];
  expiresAt: Date | null;
}

export async function storeApiKey(db: Database, k: ApiKeyFields, digest: ApiKeyDigest): Promise<ApiKeyRow> {
  const [row] = await db
    .insert(apiKeys)
    .values({
      id: newId('key'),
      userId: k.userId,
      name: k.name,
      prefix: digest.prefix,
      keyHash: digest.hash,
      scopes: k.scopes,
      expiresAt: k.expiresAt,
    })
    .returning();
  if (!row) throw new Error('insert into api_keys returned no row');
  return row;
}

/** The key's row and its user, whatever their state: the caller decides what revoked, expired or disabled mean. */
export async function findApiKeyByPrefix(db: Database, prefix: string): Promise<{ key: ApiKeyRow; user: UserRow } | undefined> {
  const [row] = await db
    .select({ key: apiKeys, user: users })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.prefix, prefix));
  return row;
}

/** By id, with its user: how a live connection re-checks the key it was opened with. */
export async function findApiKeyById(db: Database, id: string): Promise<{ key: ApiKeyRow; user: UserRow } | undefined> {
  const [row] = await db
    .select({ key: apiKeys, user: users })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.id, id));
  return row;
}

export async function listApiKeys(db: Database, userId: string): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt));
}

export async function findApiKey(db: Database, userId: string, id: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)));
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
 * Stores `successor` with the old key's name and scopes; the old key stops at `now + grace` (or earlier, if it was to
 * expire sooner). Conditional on the old key not being revoked or already rotated, so two rotations cannot fork.
 */
export async function storeRotatedApiKey(
  db: Database,
  userId: string,
  id: string,
  graceMs: number,
  now: Date,
  successor: ApiKeyDigest,
): Promise<ApiKeyRow | undefined> {
  return db.transaction(async (tx) => {
    const [old] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt), isNull(apiKeys.rotatedTo)))
      .for('update');
    if (!old || (old.expiresAt && old.expiresAt <= now)) return undefined;
    const row = await storeApiKey(
      tx as unknown as Database,
      { userId, name: old.name, scopes: old.scopes, expiresAt: old.expiresAt },
      successor,
    );
    const graceEnd = new Date(now.getTime() + graceMs);
    const ends = old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd;
    await tx.update(apiKeys).set({ rotatedTo: row.id, expiresAt: ends }).where(eq(apiKeys.id, old.id));
    return row;
  });
}

/** Best effort and coarse (once a minute per key), so authentication does not write on every request. */
export async function touchApiKey(db: Database, id: string, at: Date): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: at })
    .where(and(eq(apiKeys.id, id), sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < ${new Date(at.getTime() - 60_000)})`));
}
