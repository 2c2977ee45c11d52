// Every code the run itself records, declared once: the interpreter's verdicts, Temporal's verdict on a node's
// activity, a person's decision, and the orchestrator's view of an execution Temporal closed. Node codes are in
// error-codes.ts; a run's error, or a node's, carries one of either, or a code the workflow's author chose.
// Not in workflows/, which produces most of these: activities/contracts.ts (a lower layer) validates them, and
// nodes/sdk is the lowest pure module every side may import, the workflow sandbox included.
import { z } from 'zod';
import {
  AuthoredErrorCodeSchema,
  codesOf,
  NODE_ERROR_CODES,
  NodeErrorCodeSchema,
  type ErrorMeaning,
  type NodeErrorCode,
} from './error-codes.js';

export const RUN_ERRORS = {
  RUN_BUDGET_EXCEEDED: { retryable: false, message: 'The run used its execution budget (active time)' },
  RUN_TOO_MANY_FAILURES: { retryable: false, message: "More nodes failed than the workflow's failure limit allows" },
  RUN_INTERNAL: { retryable: false, message: "Loom's interpreter failed; the run stops rather than retry the task forever" },
  NO_TRIGGER: { retryable: false, message: 'The plan has no trigger node to start from' },
  NODE_TIMEOUT: { retryable: true, message: 'A node did not finish within its timeout' },
  NODE_FAILED: { retryable: true, message: 'A node failed in a way that carries no Loom code (the activity itself failed)' },
  WORKER_SHUTDOWN: { retryable: true, message: 'The worker shut down while the node ran; another worker runs it again' },
  REQUEST_EXPIRED: { retryable: false, message: 'Nobody answered a request in time and its timeout action cancels the run' },
  APPROVAL_REJECTED: { retryable: false, message: 'A person rejected an approval the run needed' },
  TEMPORAL_UNAVAILABLE: { retryable: true, message: 'The workflow engine could not be reached to start the run' },
  RUN_TERMINATED: { retryable: false, message: 'An operator terminated the run in Temporal' },
  RUN_TIMED_OUT: { retryable: false, message: 'Temporal ended the run at its execution timeout' },
  RUN_CANCELLED: { retryable: false, message: 'Temporal cancelled the run before it could record the outcome itself' },
} as const satisfies Record<string, ErrorMeaning>;

export const RUN_ERROR_CODES = codesOf(RUN_ERRORS);
export const RunErrorCodeSchema = z.enum(RUN_ERROR_CODES);
export type RunErrorCode = z.infer<typeof RunErrorCodeSchema>;

/** The code of a recorded error (a node's or the run's): Loom's own, or one the workflow's author chose. */
export const ErrorCodeSchema = z.union([NodeErrorCodeSchema, RunErrorCodeSchema, AuthoredErrorCodeSchema]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

const LOOM_CODES: ReadonlySet<string> = new Set([...NODE_ERROR_CODES, ...RUN_ERROR_CODES]);
const isLoomCode = (code: string): code is NodeErrorCode | RunErrorCode => LOOM_CODES.has(code);

/**
 * A failure type that crossed Temporal (an ApplicationFailure's `type`) as a Loom code: a Node error's name
 * (`Error`, `TypeError`) or a library's type says nothing the vocabulary knows, so it becomes NODE_FAILED.
 */
export function loomErrorCode(type: string | null | undefined): NodeErrorCode | RunErrorCode {
  return type && isLoomCode(type) ? type : 'NODE_FAILED';
}
