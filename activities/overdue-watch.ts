// Supervision: flags a node that runs past its expected duration without a sign of progress. The flag changes
// nothing about the node (its timeout decides when it is cut off); it tells whoever watches the run that something
// may be stuck, while there is still time to act. A node that reports progress is alive: each report re-arms the
// watch, so a long job that keeps reporting is never flagged and one that falls silent again is flagged again.

export interface OverdueFlag {
  /** The node's expected duration (settings.expectedMs). */
  expectedMs: number;
  /** Since the node started. */
  elapsedMs: number;
  /** Since its last progress report, or since it started. */
  silentMs: number;
  /** ISO time of the last progress report; null when there was none. */
  lastProgressAt: string | null;
  /** 1 for the first flag of this execution, 2 after progress and a second silence, ... */
  occurrence: number;
}

export interface OverdueWatch {
  /** A sign of life: the node reported progress. */
  touch(): void;
  stop(): void;
}

export function watchOverdue(options: { expectedMs: number; startedAt: number; now?: () => number; onOverdue: (flag: OverdueFlag) => void }): OverdueWatch {
  const now = options.now ?? Date.now;
  let lastSign = options.startedAt;
  let lastProgressAt: number | undefined;
  let occurrence = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const arm = () => {
    if (timer) clearTimeout(timer);
    const remaining = Math.max(0, lastSign + options.expectedMs - now());
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped) return;
      const at = now();
      // Timers run on a monotonic clock and may fire a millisecond before the wall clock says the time is up.
      if (at - lastSign < options.expectedMs) return arm();
      // Flagged once per silence: the next flag needs a sign of life first (touch re-arms).
      options.onOverdue({
        expectedMs: options.expectedMs,
        elapsedMs: at - options.startedAt,
        silentMs: at - lastSign,
        lastProgressAt: lastProgressAt === undefined ? null : new Date(lastProgressAt).toISOString(),
        occurrence: ++occurrence,
      });
    }, remaining);
    // A pending flag never keeps a shutting-down worker alive.
    timer.unref();
  };
  arm();

  return {
    touch() {
      if (stopped) return;
      lastSign = lastProgressAt = now();
      arm();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
