// Issuing API keys: a fresh key is made here (identity/tokens.ts) and only its prefix and hash reach the store
// (db/api-key-store.ts); the key itself goes back to the caller once.
import type { Database } from '../db/client.js';
import { storeApiKey, storeRotatedApiKey, type ApiKeyFields } from '../db/api-key-store.js';
import type { ApiKeyRow } from '../db/schema.js';
import { newApiKey } from './tokens.js';

export interface IssuedKey {
  row: ApiKeyRow;
  /** The full key: returned to the caller once, never stored. */
  key: string;
}

export async function issueApiKey(db: Database, k: ApiKeyFields): Promise<IssuedKey> {
  const fresh = newApiKey();
  return { row: await storeApiKey(db, k, fresh), key: fresh.key };
}

/** A successor with the old key's name and scopes; undefined when the old key was revoked, rotated or has expired. */
export async function rotateApiKey(db: Database, userId: string, id: string, graceMs: number, now: Date): Promise<IssuedKey | undefined> {
  const fresh = newApiKey();
  const row = await storeRotatedApiKey(db, userId, id, graceMs, now, fresh);
  return row && { row, key: fresh.key };
}
