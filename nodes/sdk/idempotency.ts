// The Idempotency-Key of a node's side effect: derived from what stays the same on every retry of the node in a
// run (the run, the node, the loop item), never from the attempt, so the other side can recognise a repeat.
import { createHash } from 'node:crypto';

/** `loom-` and 32 hex digits: a fixed-length ASCII token whatever the node id holds (names may be any text). */
export function idempotencyKeyOf(runId: string, nodeId: string, item: number | undefined): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([runId, nodeId, item ?? null]))
    .digest('hex');
  return `loom-${digest.slice(0, 32)}`;
}

/**
 * Operations whose repetition the other side would see. A node that declares one of them and no `read` is a side
 * effect: the executor counts its attempts (`node_executions.effect_attempts`) before each one starts.
 */
const EFFECT_OPERATIONS: ReadonlySet<string> = new Set(['external_api', 'database_write', 'file_delete', 'file_write']);

export function isSideEffect(operations: readonly string[]): boolean {
  return !operations.includes('read') && operations.some((o) => EFFECT_OPERATIONS.has(o));
}
