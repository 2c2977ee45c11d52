// Builds run events from what activities record. Values in events are previews: the full value stays in the
// node's execution row, so a live stream stays small however large the data. Everything in an event is redacted
// (platform/redact.ts): run events are read by everyone who may see the run, in the editor and over the API.
import type { NewRunEvent } from '../db/event-store.js';
import { redactDeep, redactText } from '../platform/redact.js';
import type { NodeErrorInfo } from './contracts.js';
import type { OverdueFlag } from './overdue-watch.js';

const PREVIEW_BYTES = 4_096;

export function preview(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value) ?? 'null';
  if (text.length <= PREVIEW_BYTES) return value;
  return { truncated: true, size: text.length, preview: text.slice(0, PREVIEW_BYTES) };
}

/** A node error with its message and details redacted, for rows and events alike. */
export function redactErrorInfo<E extends NodeErrorInfo>(error: E, known?: Iterable<string>): E {
  return { ...error, message: redactText(error.message, known), ...(error.details ? { details: redactDeep(error.details, known) } : {}) };
}

/**
 * The event builders, redacting `known` values (the secrets a node execution opened) besides what looks secret.
 * `known` is read when an event is built, so credentials opened after the builders were made count too.
 */
export function eventBuilders(known?: Iterable<string>) {
  // Redacted before the preview is cut, so a secret is never left half-visible at the cut.
  const shown = (value: unknown) => preview(redactDeep(value, known));
  const clean = (value: unknown) => redactDeep(value, known);
  return {
    runStatus(status: string, data?: Record<string, unknown>, occurrence = 0): NewRunEvent | undefined {
      const type = ({ running: 'run_started', completed: 'run_completed', failed: 'run_failed', cancelled: 'run_cancelled', paused: 'run_paused', resumed: 'run_resumed' } as const)[status];
      return type ? { key: occurrence ? `${type}:${occurrence}` : type, type, ...(data ? { data: clean(data) } : {}) } : undefined;
    },
    nodeStarted: (nodeId: string, attempt: number, input?: unknown): NewRunEvent => ({ key: `node_started:${nodeId}:${attempt}`, type: 'node_started', nodeId, data: { attempt, input: shown(input) } }),
    nodeCompleted: (nodeId: string, output: unknown, durationMs?: number): NewRunEvent => ({ key: `node_completed:${nodeId}`, type: 'node_completed', nodeId, data: { output: shown(output), ...(durationMs !== undefined ? { durationMs } : {}) } }),
    nodeFailed: (nodeId: string, error: unknown): NewRunEvent => ({ key: `node_failed:${nodeId}`, type: 'node_failed', nodeId, data: { error: clean(error) } }),
    nodeRetrying: (nodeId: string, attempt: number, error: unknown): NewRunEvent => ({ key: `node_retrying:${nodeId}:${attempt}`, type: 'node_retrying', nodeId, data: { attempt, error: clean(error) } }),
    nodeOverdue: (nodeId: string, attempt: number, flag: OverdueFlag): NewRunEvent => ({ key: `node_overdue:${nodeId}:${attempt}:${flag.occurrence}`, type: 'node_overdue', nodeId, data: { attempt, ...flag } }),
    nodeSkipped: (nodeId: string): NewRunEvent => ({ key: `node_skipped:${nodeId}`, type: 'node_skipped', nodeId }),
    nodeCancelled: (nodeId: string): NewRunEvent => ({ key: `node_cancelled:${nodeId}`, type: 'node_cancelled', nodeId }),
  };
}

/** Builders for events that belong to no node execution: only what looks secret is redacted. */
export const events = eventBuilders();
