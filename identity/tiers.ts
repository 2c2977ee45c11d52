// Plans and their limits, per user. `null` means unlimited. One table, read by the rate limiter, the stream
// counter and the admin API, so a limit is changed in one place.
import type { Tier } from '../db/schema.js';

export interface TierLimits {
  /** Compiles (compile, save) per minute. */
  compilePerMinute: number | null;
  /** Runs started per minute. */
  executePerMinute: number | null;
  /** Live event streams (SSE and WebSocket) open at once. */
  concurrentStreams: number;
  /** Workflow generations and AI edits per UTC day. */
  aiCallsPerDay: number | null;
}

export const TIER_LIMITS: Readonly<Record<Tier, TierLimits>> = {
  free: { compilePerMinute: 10, executePerMinute: 5, concurrentStreams: 5, aiCallsPerDay: 20 },
  pro: { compilePerMinute: 100, executePerMinute: 50, concurrentStreams: 20, aiCallsPerDay: 200 },
  enterprise: { compilePerMinute: null, executePerMinute: 200, concurrentStreams: 100, aiCallsPerDay: null },
};
