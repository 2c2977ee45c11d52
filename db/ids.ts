// Public identifiers: a readable prefix (what it is) and 128 random bits (unguessable, so ids leak nothing).
import { createHash, randomBytes } from 'node:crypto';

export type IdPrefix = 'wf' | 'run' | 'nx' | 'pl' | 'req' | 'cred' | 'usr' | 'key' | 'rt' | 'hk' | 'whs' | 'draft' | 'file' | 'kb' | 'kbs';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

/**
 * An id of the same shape derived from a key, for a record that must be the same however often its maker runs (an
 * activity retried after a crash, a scheduled tick): one key, one id.
 */
export function derivedId(prefix: IdPrefix, key: string): string {
  return `${prefix}_${createHash('sha256').update(key).digest().subarray(0, 16).toString('base64url')}`;
}
