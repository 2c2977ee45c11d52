// Errors a node reports: a stable code (from the one table, error-codes.ts), a message for the user, and whether
// trying again can help. The executor maps `retryable: false` to a non-retryable Temporal failure, so 4xx and bad
// config never retry, and `retryAfterMs` to the next retry's delay (an HTTP Retry-After, for example).
import { AuthoredErrorCodeSchema, isNodeErrorCode, NODE_ERRORS, type AuthoredErrorCode, type NodeErrorCode } from './error-codes.js';

export class NodeError extends Error {
  override readonly name = 'NodeError';
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly code: NodeErrorCode | AuthoredErrorCode,
    message?: string,
    readonly details?: Record<string, unknown>,
    options: { retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    const known = isNodeErrorCode(code) ? NODE_ERRORS[code] : undefined;
    super(message ?? known?.message ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? known?.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The error of a `flow.stop_error` node: the code its author wrote, never retried. */
  static authored(code: string, message: string): NodeError {
    return new NodeError(AuthoredErrorCodeSchema.parse(code), message, undefined, { retryable: false });
  }
}
