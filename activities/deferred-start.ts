// A node's start, written only if the node runs long enough for someone to watch it run. A node that ends sooner
// records its start together with its outcome in one write (activities/execute-node.ts), which is the common case.

/** Long enough for a short node to finish first; short enough that a live view shows a long node as running. */
export const START_RECORD_DELAY_MS = 250;

export interface DeferredStart {
  /** Writes the start now unless it is written, being written or settled; resolves once it is. Never rejects. */
  flush(): Promise<void>;
  /** Cancels a pending write, refuses later ones and waits for one under way: the start never overwrites the outcome. */
  settle(): Promise<void>;
}

export function deferStart(write: () => Promise<unknown>, onError: (err: unknown) => void, delayMs = START_RECORD_DELAY_MS): DeferredStart {
  let writing: Promise<void> | undefined;
  // Once the outcome is being written, a late flush (an overdue flag, a progress report) must not write the start
  // after it: the row would go back to running.
  let settled = false;
  const flush = async () => {
    if (settled) return writing;
    return (writing ??= write().then(
      () => undefined,
      // A start that could not be stored is carried again by the outcome's write (it repeats the start event).
      (err: unknown) => {
        onError(err);
      },
    ));
  };
  const timer = setTimeout(() => void flush(), delayMs);
  return {
    flush,
    settle: async () => {
      settled = true;
      clearTimeout(timer);
      await writing;
    },
  };
}
