// Errors a node reports: a stable code, a message for the user, and whether trying again can help.
// The executor maps `retryable: false` to a non-retryable Temporal failure, so 4xx and bad config never retry.

export const NODE_ERROR_CODES = {
  CONFIG_INVALID: { retryable: false, message: 'The node configuration is invalid' },
  HTTP_STATUS: { retryable: false, message: 'The server answered with an error status' },
  HTTP_RETRYABLE_STATUS: { retryable: true, message: 'The server answered with a status worth retrying' },
  HTTP_NETWORK: { retryable: true, message: 'The request could not reach the server' },
  HTTP_TIMEOUT: { retryable: true, message: 'The request timed out' },
  HTTP_RESPONSE_TOO_LARGE: { retryable: false, message: 'The response exceeded the size limit' },
  NODE_CANCELLED: { retryable: false, message: 'The node was cancelled' },
  NODE_INTERNAL: { retryable: true, message: 'The node failed unexpectedly' },
} as const satisfies Record<string, { retryable: boolean; message: string }>;

export type NodeErrorCode = keyof typeof NODE_ERROR_CODES;

export class NodeError extends Error {
  override readonly name = 'NodeError';
  readonly retryable: boolean;
  constructor(
    readonly code: NodeErrorCode,
    message: string = NODE_ERROR_CODES[code].message,
    readonly details?: Record<string, unknown>,
    options?: { retryable?: boolean; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options?.retryable ?? NODE_ERROR_CODES[code].retryable;
  }
}
