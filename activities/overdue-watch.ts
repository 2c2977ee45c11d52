// Supervision: flags a node that runs past its expected duration without a sign of progress. The flag changes
// nothing about the node (its timeout decides when it is cut off); it tells whoever watches the run that something
// may be stuck, while there is still time to act. A node that reports progress is alive: each report re-arms the
// watch, so a long job that keeps reporting is never flagged and one that falls silent again is flagged again.
import { z } from 'zod';

/** A flag as the node_overdue event carries it (activities/events.ts). */
export const OverdueFlagSchema = z.object({
  /** The node's expected duration (settings.expectedMs). */
  expectedMs: z.number(),
  /** Since the node started. */
  elapsedMs: z.number(),
  /** Since its last progress report, or since it started. */
  silentMs: z.number(),
  /** ISO time of the last progress report; null when there was none. */
  lastProgressAt: z.string().nullable(),
  /** 1 for the first flag of this execution, 2 after progress and a second silence, ... */
  occurrence: z.number().int(),
});
export type OverdueFlag = z.infer<typeof OverdueFlagSchema>;

export interface OverdueWatch {
  /** A sign of life: the node reported progress. */
  touch(): void;
  stop(): void;
}

export function watchOverdue(options: { expectedMs: number; startedAt: number; onOverdue: (flag: OverdueFlag) => void }): OverdueWatch {
  let lastSign = options.startedAt;
  let lastProgressAt: number | undefined;
  let occurrence = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  // One timer at a time. A report of progress only moves `lastSign`: when the timer fires it finds the node
  // alive and waits out the rest, so a node that reports on every item does not reset a timer on every item.
  const arm = (delayMs: number) => {
    timer = setTimeout(() => {
      const at = Date.now();
      const silentMs = at - lastSign;
      // Also when the timer fires a millisecond early by the wall clock (timers run on a monotonic clock).
      if (silentMs < options.expectedMs) return arm(options.expectedMs - silentMs);
      timer = undefined;
      // Flagged once per silence: the next flag needs a sign of life first.
      options.onOverdue({
        expectedMs: options.expectedMs,
        elapsedMs: at - options.startedAt,
        silentMs,
        lastProgressAt: lastProgressAt === undefined ? null : new Date(lastProgressAt).toISOString(),
        occurrence: ++occurrence,
      });
    }, delayMs);
    // A pending flag never keeps a shutting-down worker alive.
    timer.unref();
  };
  arm(Math.max(0, options.startedAt + options.expectedMs - Date.now()));

  return {
    touch() {
      if (stopped) return;
      lastSign = lastProgressAt = Date.now();
      if (!timer) arm(options.expectedMs);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
