// Every error the API returns, declared once: a stable code, its HTTP status and a default message, and the one
// map from the orchestrator's codes onto them, used by REST and the WebSocket alike. Clients and tests match on
// `code`, never on message text; docs/errors.md lists every code (test/errors-doc.test.ts checks it).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { codesOf } from '../../nodes/sdk/error-codes.js';
import { OrchestratorError, type OrchestratorErrorCode } from '../../orchestrator/errors.js';

export const API_ERRORS = {
  VALIDATION_FAILED: { status: 400, message: 'The request does not match the expected shape' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON' },
  BAD_REQUEST: { status: 400, message: 'The request could not be processed' },
  UNAUTHENTICATED: { status: 401, message: 'Sign in: send "Authorization: Bearer <access token or API key>"' },
  INVALID_LOGIN: { status: 401, message: 'Wrong email or password' },
  TOKEN_EXPIRED: { status: 401, message: 'The access token has expired; refresh it' },
  REFRESH_TOKEN_INVALID: { status: 401, message: 'The refresh token is not valid; sign in again' },
  API_KEY_REVOKED: { status: 401, message: 'This API key has been revoked' },
  API_KEY_EXPIRED: { status: 401, message: 'This API key has expired' },
  ACCOUNT_DISABLED: { status: 401, message: 'This account is disabled' },
  SESSION_ENDED: { status: 401, message: 'This session has ended (signed out, or signed out everywhere); sign in again' },
  WEBHOOK_UNAUTHORIZED: { status: 401, message: 'The webhook request is not signed or authenticated as this hook requires' },
  FORBIDDEN: { status: 403, message: 'You may not do this' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This webhook accepts another HTTP method' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  NESTING_TOO_DEEP: { status: 400, message: 'The request body nests objects and arrays too deeply' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send JSON with Content-Type: application/json' },
  FILE_TOO_LARGE: { status: 413, message: 'The file is larger than your plan allows for one file' },
  STORAGE_LIMIT: { status: 413, message: 'The file would take your stored files past what your plan allows; delete some first' },
  UNSUPPORTED_FILE_TYPE: { status: 415, message: 'Loom does not accept this type of file' },
  FILE_TYPE_MISMATCH: { status: 415, message: "The declared content type does not match the file's bytes" },
  RUN_NOT_ACTIVE: { status: 409, message: 'The run is not running' },
  REQUEST_CLOSED: { status: 409, message: 'This request has already been answered or has expired' },
  RUN_CONTROL_REJECTED: { status: 409, message: 'The run cannot do that now' },
  ALREADY_EXISTS: { status: 409, message: 'That already exists' },
  VERSION_CONFLICT: { status: 409, message: 'The workflow was saved meanwhile; load its current version and save again' },
  AI_NOT_CONFIGURED: { status: 503, message: 'No model is configured for AI features (LOOM_AI_PROVIDER, OPENAI_BASE_URL or OLLAMA_URL)' },
  AI_LIMIT: { status: 429, message: 'Your AI calls for today are spent; retry after the time in Retry-After' },
  AI_MODEL_FAILED: { status: 502, message: 'The model server failed the request; try again' },
  AI_MODEL_TIMEOUT: { status: 504, message: 'The model did not answer in time; try again' },
  AI_DRAFT_INVALID: {
    status: 422,
    message: 'The model did not produce a workflow that compiles; the draft and its diagnostics are attached',
  },
  EMBEDDING_DIMENSION_MISMATCH: {
    status: 422,
    message: "The embedding provider returned vectors of another size than the knowledge base's dimensions",
  },
  EMBEDDING_REFUSED: { status: 422, message: "The knowledge base's embedding provider refused the request (credential, model or input)" },
  EMBEDDING_FAILED: { status: 502, message: 'The embedding provider could not be reached or failed; try again' },
  INGESTION_NOT_RUNNING: { status: 409, message: "The source's ingestion has already ended" },
  DRAFT_APPLIED: { status: 409, message: 'This draft has been applied already' },
  NO_SCHEDULE: { status: 409, message: 'The workflow has no active schedule: activate a version with a schedule trigger' },
  WORKFLOW_INVALID: { status: 422, message: 'The workflow has errors' },
  CUSTOM_NODE_INVALID: { status: 422, message: 'The source does not declare a node Loom can run; every problem is attached' },
  SCHEDULE_TOO_FREQUENT: { status: 422, message: 'A schedule trigger fires more often than this installation allows' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry after the time in Retry-After' },
  STREAM_LIMIT: { status: 429, message: 'Too many live streams open at once for your plan' },
  TEMPORAL_UNAVAILABLE: { status: 503, message: 'The workflow engine is unavailable; try again shortly' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database connection was lost; try again shortly' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;
export const API_ERROR_CODES = codesOf(API_ERRORS);
export const ApiErrorCodeSchema = z.enum(API_ERROR_CODES);

export const ApiErrorBodySchema = z.object({
  error: z.object({ code: ApiErrorCodeSchema, message: z.string(), details: z.unknown().optional() }),
});

/** A route's error responses, one body shape for every status it can answer with (the OpenAPI document lists them). */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof ApiErrorBodySchema> {
  return Object.fromEntries(statuses.map((s) => [s, ApiErrorBodySchema])) as Record<S, typeof ApiErrorBodySchema>;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string = API_ERRORS[code].message,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = API_ERRORS[code].status;
  }
}

/**
 * The orchestrator's refusals as the API answers them. An invalid answer is a request that does not match what is
 * expected, over every channel (REST, WebSocket, signed link).
 */
export const ORCHESTRATOR_TO_API = {
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  INVALID_ANSWER: 'VALIDATION_FAILED',
  REQUEST_CLOSED: 'REQUEST_CLOSED',
  ALREADY_APPROVED: 'ALREADY_EXISTS',
  RUN_NOT_ACTIVE: 'RUN_NOT_ACTIVE',
  RUN_CONTROL_REJECTED: 'RUN_CONTROL_REJECTED',
  TEMPORAL_UNAVAILABLE: 'TEMPORAL_UNAVAILABLE',
  SCHEDULE_TOO_FREQUENT: 'SCHEDULE_TOO_FREQUENT',
  NO_SCHEDULE: 'NO_SCHEDULE',
  AI_UNKNOWN_MODEL: 'VALIDATION_FAILED',
  AI_LIMIT: 'AI_LIMIT',
  AI_MODEL_FAILED: 'AI_MODEL_FAILED',
  AI_MODEL_TIMEOUT: 'AI_MODEL_TIMEOUT',
} as const satisfies Record<OrchestratorErrorCode, ApiErrorCode>;

/** An error a route or a WebSocket command raised, as the API reports it; undefined for anything unexpected. */
export function apiErrorOf(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof OrchestratorError) return new ApiError(ORCHESTRATOR_TO_API[err.code], err.message);
  return undefined;
}

function send(reply: FastifyReply, code: ApiErrorCode, message?: string, details?: unknown) {
  const { status } = API_ERRORS[code];
  return reply
    .status(status)
    .send({ error: { code, message: message ?? API_ERRORS[code].message, ...(details === undefined ? {} : { details }) } });
}

/** Fastify's own error codes for bad input, mapped onto ours. */
const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const known = apiErrorOf(err);
  if (known) return send(reply, known.code, known.message, known.details);
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message ?? 'invalid' }));
    return send(
      reply,
      'VALIDATION_FAILED',
      `Invalid request ${err.validationContext ?? ''}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`.trim(),
      { issues },
    );
  }
  const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (mapped) return send(reply, mapped, mapped === 'INVALID_JSON' ? `${API_ERRORS.INVALID_JSON.message}: ${err.message}` : undefined);
  if (err instanceof SyntaxError || (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)) {
    return send(reply, err.statusCode === 413 ? 'BODY_TOO_LARGE' : 'BAD_REQUEST', err.message);
  }
  const lost = unavailableOf(err);
  if (lost) {
    request.log.warn({ err }, 'a dependency was unavailable');
    return send(reply, lost);
  }
  request.log.error({ err }, 'unhandled error');
  return send(reply, 'INTERNAL');
}

/**
 * node-postgres reports a connection that died under a query (a restart, pg_terminate_backend) with these messages and
 * no code; PostgreSQL's own codes say it for the rest (class 08, connection exceptions; 57P01-03, shut down). Read here
 * once, at the boundary, as fastify's codes are above.
 */
const PG_CONNECTION_LOST = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
]);
const PG_SHUTDOWN = new Set(['57P01', '57P02', '57P03']);
/**
 * gRPC UNAVAILABLE (the Temporal frontend did not answer: restarting, unreachable) and DEADLINE_EXCEEDED (it took
 * the call but did not answer in time, as while it starts up again).
 */
const GRPC_UNAVAILABLE = new Set([14, 4]);

/** A failure of what the gateway stands on, which a retry may get past: a 503 with its code, never a 500. */
function unavailableOf(err: unknown): 'DATABASE_UNAVAILABLE' | 'TEMPORAL_UNAVAILABLE' | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++, current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('08') || PG_SHUTDOWN.has(code))) return 'DATABASE_UNAVAILABLE';
    if (PG_CONNECTION_LOST.has(current.message)) return 'DATABASE_UNAVAILABLE';
    if (typeof code === 'number' && GRPC_UNAVAILABLE.has(code)) return 'TEMPORAL_UNAVAILABLE';
  }
  return undefined;
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return send(reply, 'ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`);
}
