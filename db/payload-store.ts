// Large values kept out of Temporal history (see payloads in db/schema.ts): offloaded by activities, resolved by them.
import { and, eq, inArray } from 'drizzle-orm';
import { isPayloadRef, PAYLOAD_THRESHOLD_BYTES, type PayloadRef } from '../nodes/runtime/payload-ref.js';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { payloads } from './schema.js';

const PREVIEW_CHARS = 512;

/** Returns the value itself when small, else stores it and returns a reference. */
export async function offload(db: Database, runId: string, nodeId: string | null, value: unknown): Promise<unknown> {
  if (value === undefined || value === null || (typeof value !== 'object' && typeof value !== 'string')) return value;
  const json = JSON.stringify(value);
  if (json.length <= PAYLOAD_THRESHOLD_BYTES) return value;
  return storePayload(db, runId, nodeId, value, json);
}

/** Stores a value whatever its size (`json`: its JSON, when the caller has it) and returns its reference. */
export async function storePayload(
  db: Database,
  runId: string,
  nodeId: string | null,
  value: unknown,
  json = JSON.stringify(value),
): Promise<PayloadRef> {
  const id = newId('pl');
  await db.insert(payloads).values({ id, runId, nodeId, size: json.length, data: value });
  return { $loomRef: id, size: json.length, preview: json.slice(0, PREVIEW_CHARS) };
}

/** Replaces references (at the top, in join arrays, in scope objects) with the stored values, for this run only. */
export async function resolvePayloads<T>(db: Database, runId: string, value: T, depth = 0): Promise<T> {
  if (isPayloadRef(value)) {
    const [row] = await db
      .select({ data: payloads.data })
      .from(payloads)
      .where(and(eq(payloads.id, value.$loomRef), eq(payloads.runId, runId)));
    if (!row) throw new Error(`Payload ${value.$loomRef} of run ${runId} is missing`);
    return row.data as T;
  }
  if (depth > 3 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return (await Promise.all(value.map((v) => resolvePayloads(db, runId, v, depth + 1)))) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = await resolvePayloads(db, runId, v, depth + 1);
  return out as T;
}

export async function findPayloads(db: Database, runId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(payloads)
    .where(and(eq(payloads.runId, runId), inArray(payloads.id, ids)));
}
