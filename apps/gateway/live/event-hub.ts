// One LISTEN per gateway process, fanned out to every live stream of the run that changed. A notification
// carries only the run id: each stream then reads what it has not sent yet from the database, in order.
import type { DatabaseHandle } from '../../../db/client.js';
import { RUN_EVENTS_CHANNEL } from '../../../db/event-store.js';
import { REQUESTS_CHANNEL } from '../../../db/request-store.js';

export interface EventHub {
  subscribe(runId: string, onChange: () => void): () => void;
  /** Hears the id of every request that opened, gained an approval or closed (live inboxes filter by viewer). */
  subscribeRequests(onRequest: (requestId: string) => void): () => void;
  close(): Promise<void>;
}

export async function createEventHub(database: DatabaseHandle): Promise<EventHub> {
  const subscribers = new Map<string, Set<() => void>>();
  const unlisten = await database.listen(RUN_EVENTS_CHANNEL, (runId) => {
    for (const notify of subscribers.get(runId) ?? []) notify();
  });
  const inboxes = new Set<(requestId: string) => void>();
  const unlistenRequests = await database.listen(REQUESTS_CHANNEL, (requestId) => {
    for (const notify of inboxes) notify(requestId);
  });
  return {
    subscribe(runId, onChange) {
      const set = subscribers.get(runId) ?? new Set();
      set.add(onChange);
      subscribers.set(runId, set);
      return () => {
        set.delete(onChange);
        if (set.size === 0) subscribers.delete(runId);
      };
    },
    subscribeRequests(onRequest) {
      inboxes.add(onRequest);
      return () => inboxes.delete(onRequest);
    },
    close: async () => {
      await unlisten();
      await unlistenRequests();
    },
  };
}
