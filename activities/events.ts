// Builds run events from what activities record. Values in events are previews: the full value stays in the
// node's execution row, so a live stream stays small however large the data.
import type { NewRunEvent } from '../db/event-store.js';

const PREVIEW_BYTES = 4_096;

export function preview(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value) ?? 'null';
  if (text.length <= PREVIEW_BYTES) return value;
  return { truncated: true, size: text.length, preview: text.slice(0, PREVIEW_BYTES) };
}

export const events = {
  runStatus(status: string, data?: Record<string, unknown>, occurrence = 0): NewRunEvent | undefined {
    const type = ({ running: 'run_started', completed: 'run_completed', failed: 'run_failed', cancelled: 'run_cancelled', paused: 'run_paused', resumed: 'run_resumed' } as const)[status];
    return type ? { key: occurrence ? `${type}:${occurrence}` : type, type, ...(data ? { data } : {}) } : undefined;
  },
  nodeStarted: (nodeId: string, attempt: number, input?: unknown): NewRunEvent => ({ key: `node_started:${nodeId}:${attempt}`, type: 'node_started', nodeId, data: { attempt, input: preview(input) } }),
  nodeCompleted: (nodeId: string, output: unknown, durationMs?: number): NewRunEvent => ({ key: `node_completed:${nodeId}`, type: 'node_completed', nodeId, data: { output: preview(output), ...(durationMs !== undefined ? { durationMs } : {}) } }),
  nodeFailed: (nodeId: string, error: unknown): NewRunEvent => ({ key: `node_failed:${nodeId}`, type: 'node_failed', nodeId, data: { error } }),
  nodeRetrying: (nodeId: string, attempt: number, error: unknown): NewRunEvent => ({ key: `node_retrying:${nodeId}:${attempt}`, type: 'node_retrying', nodeId, data: { attempt, error } }),
  nodeSkipped: (nodeId: string): NewRunEvent => ({ key: `node_skipped:${nodeId}`, type: 'node_skipped', nodeId }),
  nodeCancelled: (nodeId: string): NewRunEvent => ({ key: `node_cancelled:${nodeId}`, type: 'node_cancelled', nodeId }),
};
