// The catalogue of run events: one schema per event type (what its data holds), and the builders every activity
// writes events with. Values in events are previews: the full value stays in the node's execution row, so a live
// stream stays small however large the data. Everything in an event is redacted (platform/redact.ts): run events
// are read by everyone who may see the run, in the editor and over the API.
import { z } from 'zod';
import type { RunEventType, RunStatus } from '../db/schema.js';
import { redactDeep, redactText } from '../platform/redact.js';
import { RequestOptionSchema, type CloseRequest, type ItemsProgress, type NodeErrorInfo, type OpenRequest } from './contracts.js';
import type { ProgressReport } from './node-context.js';
import { OverdueFlagSchema, type OverdueFlag } from './overdue-watch.js';

const PREVIEW_BYTES = 4_096;

/** An event of the run itself, and one of a node: a type and what its data holds. */
const runEvent = <T extends RunEventType, D extends z.ZodType>(type: T, data: D) =>
  z.object({ key: z.string(), type: z.literal(type), data });
const nodeEvent = <T extends RunEventType, D extends z.ZodType>(type: T, data: D) =>
  z.object({ key: z.string(), type: z.literal(type), nodeId: z.string(), data });
/** The type has no data. */
const None = z.undefined().optional();

const Attempt = z.number().int().min(1);
const RequestOpened = z.object({
  requestId: z.string(),
  question: z.string(),
  options: z.array(RequestOptionSchema),
  details: z.unknown(),
  expiresAt: z.string(),
});
const RequestClosed = z.object({ requestId: z.string(), answer: z.unknown(), by: z.string(), via: z.string() });

export const RunEventSchema = z.discriminatedUnion('type', [
  runEvent('run_started', None),
  runEvent('run_paused', None),
  runEvent('run_resumed', None),
  runEvent('run_completed', z.object({ output: z.unknown() })),
  runEvent('run_failed', z.object({ error: z.unknown() })),
  runEvent('run_cancelled', None),
  nodeEvent('node_started', z.object({ attempt: Attempt, input: z.unknown() })),
  nodeEvent('node_completed', z.object({ output: z.unknown(), durationMs: z.number().optional() })),
  nodeEvent('node_failed', z.object({ error: z.unknown() })),
  nodeEvent('node_retrying', z.object({ attempt: Attempt, error: z.unknown() })),
  nodeEvent('node_overdue', OverdueFlagSchema.extend({ attempt: Attempt })),
  nodeEvent('node_skipped', None),
  nodeEvent('node_cancelled', None),
  nodeEvent('approval_requested', RequestOpened),
  nodeEvent('question_asked', RequestOpened),
  nodeEvent('recovery_requested', RequestOpened),
  nodeEvent('request_answered', RequestClosed),
  nodeEvent('request_expired', RequestClosed),
  nodeEvent('progress', z.object({ message: z.string(), fraction: z.number().optional() })),
  nodeEvent('items_progress', z.object({ done: z.number().int(), total: z.number().int(), failed: z.number().int() })),
]);
export type RunEvent = z.input<typeof RunEventSchema>;
type EventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;

// The catalogue and the run_events column (db/schema.ts RUN_EVENT_TYPES) name the same types: a type added to one
// and not the other fails the typecheck here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const catalogueIsTheColumn: Same<RunEvent['type'], RunEventType> = true;
void catalogueIsTheColumn;

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

const OPENED = { approval: 'approval_requested', question: 'question_asked', recovery: 'recovery_requested' } as const;
type RunStatusEvent = 'run_started' | 'run_resumed' | 'run_paused' | 'run_completed' | 'run_failed' | 'run_cancelled';
/** A resumed run is `running` again; the statuses missing here (queued, terminated, ...) have no event. */
const RUN_STATUS_EVENT: Partial<Record<RunStatus | 'resumed', RunStatusEvent>> = {
  running: 'run_started',
  resumed: 'run_resumed',
  paused: 'run_paused',
  completed: 'run_completed',
  failed: 'run_failed',
  cancelled: 'run_cancelled',
};

/**
 * The event builders, redacting `known` values (the secrets a node execution opened) besides what looks secret.
 * `known` is read when an event is built, so credentials opened after the builders were made count too.
 */
export function eventBuilders(known?: Iterable<string>) {
  // Redacted before the preview is cut, so a secret is never left half-visible at the cut.
  const shown = (value: unknown) => preview(redactDeep(value, known));
  const clean = (value: unknown) => redactDeep(value, known);
  const text = (value: string) => redactText(value, known);
  return {
    /** The event of a run status change; none for statuses the log does not show (queued, terminated, ...). */
    runStatus(
      status: RunStatus | 'resumed',
      result: { output?: unknown; error?: unknown },
      occurrence = 0,
    ): EventOf<RunStatusEvent> | undefined {
      const type = RUN_STATUS_EVENT[status];
      if (!type) return undefined;
      const key = occurrence ? `${type}:${occurrence}` : type;
      if (type === 'run_completed') return { key, type, data: { output: clean(result.output) } };
      if (type === 'run_failed') return { key, type, data: { error: clean(result.error) } };
      return { key, type };
    },
    nodeStarted: (nodeId: string, attempt: number, input?: unknown): EventOf<'node_started'> => ({
      key: `node_started:${nodeId}:${attempt}`,
      type: 'node_started',
      nodeId,
      data: { attempt, input: shown(input) },
    }),
    nodeCompleted: (nodeId: string, output: unknown, durationMs?: number): EventOf<'node_completed'> => ({
      key: `node_completed:${nodeId}`,
      type: 'node_completed',
      nodeId,
      data: { output: shown(output), ...(durationMs !== undefined ? { durationMs } : {}) },
    }),
    nodeFailed: (nodeId: string, error: unknown): EventOf<'node_failed'> => ({
      key: `node_failed:${nodeId}`,
      type: 'node_failed',
      nodeId,
      data: { error: clean(error) },
    }),
    nodeRetrying: (nodeId: string, attempt: number, error: unknown): EventOf<'node_retrying'> => ({
      key: `node_retrying:${nodeId}:${attempt}`,
      type: 'node_retrying',
      nodeId,
      data: { attempt, error: clean(error) },
    }),
    // Numbers and a time only: nothing in it to redact.
    nodeOverdue: (nodeId: string, attempt: number, flag: OverdueFlag): EventOf<'node_overdue'> => ({
      key: `node_overdue:${nodeId}:${attempt}:${flag.occurrence}`,
      type: 'node_overdue',
      nodeId,
      data: { attempt, ...flag },
    }),
    nodeSkipped: (nodeId: string): EventOf<'node_skipped'> => ({ key: `node_skipped:${nodeId}`, type: 'node_skipped', nodeId }),
    nodeCancelled: (nodeId: string): EventOf<'node_cancelled'> => ({ key: `node_cancelled:${nodeId}`, type: 'node_cancelled', nodeId }),
    progress: (e: ProgressReport): EventOf<'progress'> => ({
      key: e.key,
      type: 'progress',
      nodeId: e.nodeId,
      data: { message: text(e.message), ...(e.fraction !== undefined ? { fraction: e.fraction } : {}) },
    }),
    // Counts only: nothing in it to redact. Keyed by the count done, so a retried record is one event.
    itemsProgress: (p: ItemsProgress): EventOf<'items_progress'> => ({
      key: `items_progress:${p.nodeId}:${p.done}`,
      type: 'items_progress',
      nodeId: p.nodeId,
      data: { done: p.done, total: p.total, failed: p.failed },
    }),
    requestOpened(
      r: Pick<OpenRequest, 'id' | 'nodeId' | 'kind' | 'question' | 'options' | 'details' | 'expiresAt'>,
    ): EventOf<(typeof OPENED)[keyof typeof OPENED]> {
      const type = OPENED[r.kind];
      const options = r.options.map((o) => ({ value: text(o.value), label: text(o.label) }));
      return {
        key: `${type}:${r.id}`,
        type,
        nodeId: r.nodeId,
        data: {
          requestId: r.id,
          question: text(r.question),
          options,
          details: clean(r.details ?? null),
          expiresAt: new Date(r.expiresAt).toISOString(),
        },
      };
    },
    requestClosed(
      c: Pick<CloseRequest, 'id' | 'nodeId' | 'status' | 'answer' | 'by' | 'via'>,
    ): EventOf<'request_answered' | 'request_expired'> {
      const type = c.status === 'expired' ? 'request_expired' : 'request_answered';
      return {
        key: `${type}:${c.id}`,
        type,
        nodeId: c.nodeId,
        data: { requestId: c.id, answer: clean(c.answer ?? null), by: c.by, via: c.via },
      };
    },
  };
}

/** Builders for events that belong to no node execution: only what looks secret is redacted. */
export const events = eventBuilders();
