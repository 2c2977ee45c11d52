// Every way an orchestrator call refuses, declared once, and the one place Temporal's errors become them.
// The gateway maps each code to its API code and HTTP status (apps/gateway/orchestrator-errors.ts), the same for REST
// and the WebSocket; docs/errors.md lists them.
import { isGrpcServiceError, ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { codesOf } from '../nodes/sdk/error-codes.js';

export const ORCHESTRATOR_ERRORS = {
  NOT_FOUND: 'The run or request does not exist, or the caller may not see it',
  FORBIDDEN: 'The caller may see the request but not answer it (not an assignee, not the owner, self-approval)',
  INVALID_ANSWER: "The answer is not one of the request's options and does not fit its form",
  REQUEST_CLOSED: 'The request was answered or expired, or the run no longer waits for it',
  ALREADY_APPROVED: 'This person already approved the request, or it closed meanwhile',
  RUN_NOT_ACTIVE: 'The run is not running: it finished, or Temporal has no execution for it',
  RUN_CONTROL_REJECTED: 'The run refused the action as it stands (pausing a paused run, resuming a running one)',
  TEMPORAL_UNAVAILABLE: 'The workflow engine could not be reached to start the run',
  SCHEDULE_TOO_FREQUENT: 'A schedule trigger would fire more often than the minimum interval this installation allows',
  NO_SCHEDULE: 'The workflow is not active, or its active version has no schedule trigger',
  AI_UNKNOWN_MODEL: 'The request names a model this installation does not offer',
  AI_LIMIT: "The caller's AI calls for today (a tier limit) are spent",
  AI_MODEL_FAILED: 'The model server refused or failed the request',
  AI_MODEL_TIMEOUT: 'The model did not answer in time',
} as const satisfies Record<string, string>;

export const ORCHESTRATOR_ERROR_CODES = codesOf(ORCHESTRATOR_ERRORS);
export const OrchestratorErrorCodeSchema = z.enum(ORCHESTRATOR_ERROR_CODES);
export type OrchestratorErrorCode = z.infer<typeof OrchestratorErrorCodeSchema>;

export class OrchestratorError extends Error {
  override readonly name = 'OrchestratorError';
  constructor(
    readonly code: OrchestratorErrorCode,
    message: string = ORCHESTRATOR_ERRORS[code],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// gRPC status codes (grpc/grpc doc/statuscodes.md): the service's answer when an execution is gone or closed.
const GRPC_NOT_FOUND = 5;
const GRPC_FAILED_PRECONDITION = 9;

/**
 * What a Temporal call's failure says about the execution: `closed` (none, or no longer running: the client turns
 * the service's NOT_FOUND into WorkflowNotFoundError and wraps other statuses in a ServiceError whose cause is the
 * gRPC error), `refused` (the workflow's update validator or handler threw: its reason), or undefined (anything
 * else, which the caller passes on unchanged).
 */
export function temporalVerdict(err: unknown): { kind: 'closed' } | { kind: 'refused'; reason: string | undefined } | undefined {
  if (err instanceof WorkflowNotFoundError) return { kind: 'closed' };
  if (err instanceof WorkflowUpdateFailedError) return { kind: 'refused', reason: err.cause?.message };
  const grpc = err instanceof ServiceError ? err.cause : err;
  if (isGrpcServiceError(grpc) && (grpc.code === GRPC_NOT_FOUND || grpc.code === GRPC_FAILED_PRECONDITION)) return { kind: 'closed' };
  return undefined;
}
