// Canonical JSON pieces and SHA-256. The plan's own objects are built in a fixed key order by code; only values
// that come from the document (configs, credentials, variables) are canonicalised, so two documents that differ
// only in key order get the same plan and the same hash, and a 100k-node plan hashes in one native stringify.
import { createHash } from 'node:crypto';

/** A deep copy with object keys sorted at every depth. */
export function canonical<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(canonical) as T;
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) sorted[k] = canonical((value as Record<string, unknown>)[k]);
  return sorted as T;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
