// Canonical JSON pieces and SHA-256. The plan's own objects are built in a fixed key order by code; only values
// that come from the document (configs, credentials, variables) are canonicalised, so two documents that differ
// only in key order get the same plan and the same hash, and a 100k-node plan hashes in one native stringify.
import { createHash } from 'node:crypto';

/** A deep copy with object keys sorted at every depth. */
export function canonical<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(canonical) as T;
  const sorted: Record<string, unknown> = {};
  for (const k of sortedKeys(value)) sorted[k] = canonical((value as Record<string, unknown>)[k]);
  return sorted as T;
}

/** An object's keys in order; most are in order already, and then no sort is run (each allocates). */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return keys.sort();
  return keys;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
