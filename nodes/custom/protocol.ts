// The contract between a custom node's sandbox (nodes/sandbox: isolated-vm for JavaScript, Pyodide for Python) and
// the host: what extraction hands back (a declaration as plain JSON, validated by nodes/custom/declaration.ts), what an
// execution call carries, and the one door a running node has to the world, the bridge. Everything that crosses is
// JSON: the guest is hostile, so the host validates every bridge request and never hands the guest a host object.
import type { LogEntry, SandboxError } from '../sandbox/result.js';

/** The bridge's operations: the only capabilities a custom node has (see the guest SDKs for their shapes there). */
export const BRIDGE_OPS = ['http.fetch', 'credentials.get', 'log', 'progress', 'knowledge.search', 'files.read'] as const;
export type BridgeOp = (typeof BRIDGE_OPS)[number];

/**
 * The host side of a call: validates `args` (anything the guest sent), performs the operation and answers a JSON value.
 * A refusal or a failure is thrown as a NodeError (nodes/sdk/errors.ts); the sandbox hands it to the guest as an error
 * carrying `code` and `message` (and never the host's stack), which the guest may catch.
 */
export type CustomNodeBridge = (op: BridgeOp, args: unknown) => Promise<unknown>;

/** What the guest's `context` shows of the call besides the bridge. */
export interface CustomNodeMeta {
  runId: string;
  nodeId: string;
  attempt: number;
  /** Stable across retries of this node in this run (and item): for the other side's Idempotency-Key. */
  idempotencyKey: string;
  /** The credential slots the workflow attached: `context.credentials.has(slot)` answers from this, no round trip. */
  attachedSlots: string[];
}

export interface CustomNodeCall {
  /** JavaScript: the module as transpiled (ES module, imports only from '@loom/sdk'). Python: the module source. */
  source: string;
  input: unknown;
  /** The node's config, expressions already resolved. */
  config: Record<string, unknown>;
  meta: CustomNodeMeta;
  /** Wall time for the whole call, bridge calls included. */
  timeoutMs: number;
  /** JavaScript only: the isolate's heap cap (default 64). */
  memoryLimitMb?: number;
}

/** An error the node's own code threw as a NodeError (or a bridge refusal it did not catch). */
export interface GuestNodeError {
  code: string;
  message: string;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

export type CustomNodeResult =
  | { ok: true; output: unknown; logs: LogEntry[]; durationMs: number }
  | { ok: false; error: SandboxError; nodeError?: GuestNodeError; logs: LogEntry[]; durationMs: number };

export type ExtractionResult =
  { ok: true; declaration: unknown; durationMs: number } | { ok: false; error: SandboxError; durationMs: number };
