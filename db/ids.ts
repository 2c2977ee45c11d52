// Public identifiers: a readable prefix (what it is) and 128 random bits (unguessable, so ids leak nothing).
import { randomBytes } from 'node:crypto';

export type IdPrefix = 'wf' | 'run' | 'nx' | 'pl' | 'req' | 'cred' | 'usr' | 'key' | 'rt' | 'hk' | 'whs';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}
