// A loop's results, kept out of history when large (workflows/item-results.ts decides when): a slice stored as one
// payload, and the loop's whole output joined from its slices, stored again when large.
import type { Database } from '../db/client.js';
import { offload, resolvePayloads } from '../db/payload-store.js';
import { isPayloadRef } from '../nodes/runtime/payload-ref.js';
import { JoinItemsSchema, StoreItemsSchema, type ItemSegment, type JoinItems, type StoreItems } from './contracts.js';

export function createItemActivities(db: Database) {
  return {
    async storeItems(raw: StoreItems): Promise<ItemSegment> {
      const { runId, nodeId, values } = StoreItemsSchema.parse(raw);
      const stored = await offload(db, runId, nodeId, values);
      return isPayloadRef(stored) ? { stored, count: values.length } : { values };
    },
    async joinItems(raw: JoinItems): Promise<unknown> {
      const { runId, nodeId, segments, errors } = JoinItemsSchema.parse(raw);
      const results: unknown[] = [];
      for (const s of segments) {
        const values = 'values' in s ? s.values : await resolvePayloads(db, runId, s.stored);
        if (!Array.isArray(values)) throw new Error(`A stored slice of loop ${nodeId}'s results is not a list`);
        for (const v of values) results.push(v);
      }
      return offload(db, runId, nodeId, errors ? { results, errors } : results);
    },
  };
}
