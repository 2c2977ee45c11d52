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
  /** The largest file one upload may hold, in bytes. */
  fileBytes: number;
  /** All of a user's files together, in bytes. */
  storedBytes: number;
}

const MB = 1024 * 1024;
const GB = 1024 * MB;

/**
 * Enterprise file limits when the installation sets none (LOOM_ENTERPRISE_FILE_BYTES, LOOM_ENTERPRISE_STORED_BYTES):
 * generous, but still bounded, so one account cannot fill the disk by accident.
 */
export const ENTERPRISE_FILE_DEFAULTS = { fileBytes: 1 * GB, storedBytes: 1024 * GB } as const;

export const TIER_LIMITS: Readonly<Record<Tier, TierLimits>> = {
  free: { compilePerMinute: 10, executePerMinute: 5, concurrentStreams: 5, aiCallsPerDay: 20, fileBytes: 10 * MB, storedBytes: 100 * MB },
  pro: {
    compilePerMinute: 100,
    executePerMinute: 50,
    concurrentStreams: 20,
    aiCallsPerDay: 200,
    fileBytes: 100 * MB,
    storedBytes: 10 * GB,
  },
  enterprise: { compilePerMinute: null, executePerMinute: 200, concurrentStreams: 100, aiCallsPerDay: null, ...ENTERPRISE_FILE_DEFAULTS },
};

/** A tier's file limits, the installation's own for enterprise where it sets them. */
export function fileLimitsOf(
  tier: Tier,
  enterprise: { fileBytes?: number | undefined; storedBytes?: number | undefined } = {},
): { fileBytes: number; storedBytes: number } {
  const { fileBytes, storedBytes } = TIER_LIMITS[tier];
  if (tier !== 'enterprise') return { fileBytes, storedBytes };
  return { fileBytes: enterprise.fileBytes ?? fileBytes, storedBytes: enterprise.storedBytes ?? storedBytes };
}
