// What both code sandboxes answer: the request shape (validated with zod where it enters), errors with the codes of
// the node error table (nodes/sdk/error-codes.ts: SANDBOX_ERRORS, none retryable), captured logs, and the result
// union. Shared so `code.javascript` and `code.python` read alike.
import { z } from 'zod';
import { SANDBOX_ERRORS, type SandboxErrorCode } from '../sdk/error-codes.js';

export interface SandboxError {
  code: SandboxErrorCode;
  /** The table's message, followed by the detail (the user's own exception message, for instance). */
  message: string;
  /** Only frames of the user's code, with line numbers counted from the first line they wrote. */
  stack?: string;
}

const LOG_LEVELS = ['log', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const isLogLevel = (value: unknown): value is LogLevel => (LOG_LEVELS as readonly unknown[]).includes(value);

export interface LogEntry {
  level: LogLevel;
  message: string;
  /** Milliseconds since the call started. */
  at: number;
}

export type SandboxResult =
  | { ok: true; output: unknown; logs: LogEntry[]; durationMs: number }
  | { ok: false; error: SandboxError; logs: LogEntry[]; durationMs: number };

export interface RunOptions {
  /** Cancels a running call; the result is then CODE_CANCELLED. */
  signal?: AbortSignal;
  /**
   * Whose call this is (the run's owner). Neither sandbox lets two owners share an interpreter or an isolate; a
   * call without an owner gets one of its own.
   */
  owner?: string | undefined;
}

export const sandboxRequestSchema = z.object({
  code: z.string().max(1_000_000),
  input: z.unknown(),
  timeoutMs: z.number().int().min(1).max(600_000).optional(),
  memoryLimitMb: z.number().int().min(8).max(4_096).optional(),
});

export type SandboxRequest = z.infer<typeof sandboxRequestSchema>;

/** Limits on what a call may hand back; generous for data work, small enough that one call cannot flood a worker. */
export const SANDBOX_LIMITS = {
  maxLogEntries: 200,
  maxLogMessageChars: 4_000,
  maxOutputBytes: 10 * 1024 * 1024,
} as const;

export function sandboxError(code: SandboxErrorCode, detail?: string, stack?: string): SandboxError {
  const message = detail ? `${SANDBOX_ERRORS[code].message}: ${detail}` : SANDBOX_ERRORS[code].message;
  return stack ? { code, message, stack } : { code, message };
}

/** Collects a call's console output under the count and size caps, noting once that the rest was dropped. */
export class LogCollector {
  readonly entries: LogEntry[] = [];
  private dropped = 0;

  constructor(private readonly startedAt: number) {}

  add(level: LogLevel, message: string): void {
    if (this.entries.length >= SANDBOX_LIMITS.maxLogEntries) {
      this.dropped++;
      return;
    }
    const text = message.length > SANDBOX_LIMITS.maxLogMessageChars ? `${message.slice(0, SANDBOX_LIMITS.maxLogMessageChars)}…` : message;
    this.entries.push({ level, message: text, at: Math.round(performance.now() - this.startedAt) });
  }

  /** A line from inside an isolate, checked first: the code can call the host's log callback itself, with anything. */
  addFromGuest(level: unknown, message: unknown): void {
    if (isLogLevel(level) && typeof message === 'string') this.add(level, message);
  }

  /** Counts lines dropped before they reached the collector (the Python thread keeps only the first ones). */
  drop(count: number): void {
    this.dropped += count;
  }

  /** The entries, with a last line saying how many were dropped, if any. */
  finish(): LogEntry[] {
    if (this.dropped > 0) {
      this.entries.push({
        level: 'warn',
        message: `${this.dropped} more log lines dropped (limit ${SANDBOX_LIMITS.maxLogEntries})`,
        at: Math.round(performance.now() - this.startedAt),
      });
      this.dropped = 0;
    }
    return this.entries;
  }
}

export function elapsedSince(startedAt: number): number {
  return Math.round(performance.now() - startedAt);
}

/** Serialises the input once on the host; a cyclic or BigInt input is the caller's error, reported, not thrown. */
export function inputJson(input: unknown): { ok: true; json: string } | { ok: false; error: SandboxError } {
  try {
    return { ok: true, json: JSON.stringify(input === undefined ? null : input) };
  } catch (err) {
    return { ok: false, error: sandboxError('CODE_INPUT_NOT_JSON', err instanceof Error ? err.message : String(err)) };
  }
}
