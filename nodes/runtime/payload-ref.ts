// References to large values stored outside Temporal history. Pure (no I/O), shared by both sides: the workflow uses
// isPayloadRef to decide that a pure node whose data was offloaded must be evaluated in an activity instead, and the
// activities store and resolve what the references point at.

/** Values whose JSON is larger than this travel by reference. */
export const PAYLOAD_THRESHOLD_BYTES = 128 * 1024;

/** Cheap upper bound first: most values are small, and stringifying a big one twice is what we avoid. */
export function exceedsThreshold(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return typeof value === 'string' && value.length > PAYLOAD_THRESHOLD_BYTES;
  return JSON.stringify(value).length > PAYLOAD_THRESHOLD_BYTES;
}

export interface PayloadRef {
  $loomRef: string;
  size: number;
  /** The first bytes of the JSON, so logs and events stay readable. */
  preview: string;
}

export function isPayloadRef(value: unknown): value is PayloadRef {
  return typeof value === 'object' && value !== null && typeof (value as { $loomRef?: unknown }).$loomRef === 'string';
}

/** Whether a value holds a reference anywhere (inputs of joins are arrays, scopes are objects of outputs). */
export function containsPayloadRef(value: unknown, depth = 0): boolean {
  if (isPayloadRef(value)) return true;
  if (depth > 3 || value === null || typeof value !== 'object') return false;
  return (Array.isArray(value) ? value : Object.values(value)).some((v) => containsPayloadRef(v, depth + 1));
}
