// One LISTEN per gateway process, fanned out to every live stream of the run that changed. A notification
// carries only the run id: each stream then reads what it has not sent yet from the database, in order.
// Requests likewise: the hub reads a changed request once and hands the row to every inbox, which filters it.
import type { DatabaseHandle } from '../../../db/client.js';
import { RUN_EVENTS_CHANNEL } from '../../../db/event-store.js';
import { findRequest, REQUESTS_CHANNEL } from '../../../db/request-store.js';
import type { HumanRequestRow } from '../../../db/schema.js';
import { HOOK_TESTS_CHANNEL } from '../../../db/webhook-store.js';

export interface EventHub {
  subscribe(runId: string, onChange: () => void): () => void;
  /** Hears every request that opened, gained an approval or closed, as its row (inboxes filter by viewer). */
  subscribeRequests(onRequest: (request: HumanRequestRow) => void): () => void;
  /** Hears every test delivery to this hook (the run it started), on whichever gateway it arrived. */
  subscribeHookTests(hookId: string, onDelivery: (runId: string) => void): () => void;
  close(): Promise<void>;
}

export async function createEventHub(database: DatabaseHandle, onError: (err: unknown) => void): Promise<EventHub> {
  const subscribers = new Map<string, Set<() => void>>();
  const unlisten = await database.listen(RUN_EVENTS_CHANNEL, (runId) => {
    for (const notify of subscribers.get(runId) ?? []) notify();
  });
  const inboxes = new Set<(request: HumanRequestRow) => void>();
  const unlistenRequests = await database.listen(REQUESTS_CHANNEL, (requestId) => {
    if (inboxes.size === 0) return;
    findRequest(database.db, requestId)
      .then((row) => {
        if (row) for (const notify of inboxes) notify(row);
      })
      .catch(onError);
  });
  const hookListeners = new Map<string, Set<(runId: string) => void>>();
  const unlistenHooks = await database.listen(HOOK_TESTS_CHANNEL, (payload) => {
    const [hookId, runId] = payload.split(' ');
    if (hookId && runId) for (const notify of hookListeners.get(hookId) ?? []) notify(runId);
  });
  return {
    subscribeHookTests(hookId, onDelivery) {
      const set = hookListeners.get(hookId) ?? new Set();
      set.add(onDelivery);
      hookListeners.set(hookId, set);
      return () => {
        set.delete(onDelivery);
        if (set.size === 0) hookListeners.delete(hookId);
      };
    },
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
      await unlistenHooks();
    },
  };
}
