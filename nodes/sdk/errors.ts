// Errors a node reports: a stable code, a message for the user, and whether trying again can help.
// The executor maps `retryable: false` to a non-retryable Temporal failure, so 4xx and bad config never retry,
// and `retryAfterMs` to the next retry's delay (an HTTP Retry-After, for example).

export const NODE_ERROR_CODES = {
  CONFIG_INVALID: { retryable: false, message: 'The node configuration is invalid' },
  EXPRESSION_FAILED: { retryable: false, message: 'An expression in the node configuration failed' },
  EXPRESSION_LIMIT: { retryable: false, message: 'An expression exceeded a bound on its size, nesting or steps' },
  MISSING_CREDENTIAL: { retryable: false, message: 'The node needs a credential that is not available' },
  HTTP_STATUS: { retryable: false, message: 'The server answered with an error status' },
  HTTP_RETRYABLE_STATUS: { retryable: true, message: 'The server answered with a status worth retrying' },
  HTTP_NETWORK: { retryable: true, message: 'The request could not reach the server' },
  HTTP_TIMEOUT: { retryable: true, message: 'The request timed out' },
  HTTP_SSRF_BLOCKED: { retryable: false, message: 'Requests to private network addresses are not allowed' },
  HTTP_REDIRECT_BLOCKED: { retryable: false, message: 'A redirect went to a host this workflow may not call' },
  HTTP_TOO_MANY_REDIRECTS: { retryable: false, message: 'The server redirected too many times' },
  HTTP_RESPONSE_TOO_LARGE: { retryable: false, message: 'The response exceeded the size limit' },
  HTTP_INVALID_JSON: { retryable: false, message: 'The response is not valid JSON' },
  LLM_REQUEST_FAILED: { retryable: true, message: 'The model provider request failed' },
  LLM_RATE_LIMITED: { retryable: true, message: 'The model provider is rate limiting' },
  LLM_AUTH_FAILED: { retryable: false, message: 'The model provider refused the credential' },
  LLM_INVALID_RESPONSE: { retryable: false, message: 'The model did not answer in the requested format' },
  LLM_SCHEMA_MISMATCH: { retryable: false, message: "The model's answer does not match the schema" },
  DB_CONNECTION_FAILED: { retryable: true, message: 'Could not connect to the database' },
  DB_QUERY_FAILED: { retryable: false, message: 'The database rejected the statement' },
  NODE_CANCELLED: { retryable: false, message: 'The node was cancelled' },
  NODE_INTERNAL: { retryable: true, message: 'The node failed unexpectedly' },
} as const satisfies Record<string, { retryable: boolean; message: string }>;

export type NodeErrorCode = keyof typeof NODE_ERROR_CODES;

export class NodeError extends Error {
  override readonly name = 'NodeError';
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly code: NodeErrorCode | (string & {}),
    message?: string,
    readonly details?: Record<string, unknown>,
    options: { retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    const known = (NODE_ERROR_CODES as Record<string, { retryable: boolean; message: string }>)[code];
    super(message ?? known?.message ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? known?.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}
