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
  /**
   * Hears every request that opened, gained an approval or closed, as its row (inboxes filter by viewer); and, when
   * changes may have been missed (the LISTEN connection was down), `onMissed`, so the inbox sends its list afresh.
   */
  subscribeRequests(onRequest: (request: HumanRequestRow) => void, onMissed: () => void): () => void;
  /** Hears every test delivery to this hook (the run it started), on whichever gateway it arrived. */
  subscribeHookTests(hookId: string, onDelivery: (runId: string) => void): () => void;
  close(): Promise<void>;
}

/** Listeners by key (a run, a hook): add one, notify a key's, and a key without listeners takes no memory. */
function keyedListeners<T>() {
  const byKey = new Map<string, Set<(value: T) => void>>();
  return {
    add(key: string, listener: (value: T) => void): () => void {
      const set = byKey.get(key) ?? new Set();
      set.add(listener);
      byKey.set(key, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) byKey.delete(key);
      };
    },
    notify(key: string, value: T) {
      for (const listener of byKey.get(key) ?? []) listener(value);
    },
    notifyAll(value: T) {
      for (const set of byKey.values()) for (const listener of set) listener(value);
    },
  };
}

export async function createEventHub(database: DatabaseHandle, onError: (err: unknown) => void): Promise<EventHub> {
  const runs = keyedListeners<void>();
  const unlisten = await database.listen(RUN_EVENTS_CHANNEL, (runId) => runs.notify(runId, undefined));
  const inboxes = new Map<(request: HumanRequestRow) => void, () => void>();
  const unlistenRequests = await database.listen(REQUESTS_CHANNEL, (requestId) => {
    if (inboxes.size === 0) return;
    findRequest(database.db, requestId)
      .then((row) => {
        if (row) for (const notify of inboxes.keys()) notify(row);
      })
      .catch(onError);
  });
  const hooks = keyedListeners<string>();
  const unlistenHooks = await database.listen(HOOK_TESTS_CHANNEL, (payload) => {
    const [hookId, runId] = payload.split(' ');
    if (hookId && runId) hooks.notify(hookId, runId);
  });
  // Notifications sent while the LISTEN connection was down are lost: every live run stream re-reads from its cursor.
  const unresumed = database.onListenResumed(() => {
    runs.notifyAll(undefined);
    for (const missed of inboxes.values()) missed();
  });
  return {
    subscribeHookTests: (hookId, onDelivery) => hooks.add(hookId, onDelivery),
    subscribe: (runId, onChange) => runs.add(runId, onChange),
    subscribeRequests(onRequest, onMissed) {
      inboxes.set(onRequest, onMissed);
      return () => inboxes.delete(onRequest);
    },
    close: async () => {
      unresumed();
      await unlisten();
      await unlistenRequests();
      await unlistenHooks();
    },
  };
}
