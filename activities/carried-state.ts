// The state a run carries across continue-as-new, when too large to travel inline: stored as payloads of the run
// (db/payload-store.ts) by the execution that ends, read back by the one that follows.
import type { Database } from '../db/client.js';
import { resolvePayloads, storePayload } from '../db/payload-store.js';
import type { PayloadRef } from '../nodes/runtime/payload-ref.js';
import { LoadCarriedPartSchema, StoreCarriedPartSchema, type LoadCarriedPart, type StoreCarriedPart } from './contracts.js';

export function createCarriedStateActivities(db: Database) {
  return {
    async storeCarriedPart(raw: StoreCarriedPart): Promise<PayloadRef> {
      const { runId, part } = StoreCarriedPartSchema.parse(raw);
      const ref = await storePayload(db, runId, null, part);
      // The preview would put the state's first bytes back into history: the reference alone travels.
      return { ...ref, preview: '' };
    },
    async loadCarriedPart(raw: LoadCarriedPart): Promise<string> {
      const { runId, ref } = LoadCarriedPartSchema.parse(raw);
      const part = await resolvePayloads(db, runId, { $loomRef: ref.$loomRef, size: 0, preview: '' } satisfies PayloadRef);
      if (typeof part !== 'string') throw new Error(`Payload ${ref.$loomRef} of run ${runId} is not a carried state`);
      return part;
    },
  };
}
