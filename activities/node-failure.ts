// A node's own error (NodeError) as the failure Temporal records: its code as the failure type, its NodeErrorInfo
// as the details the workflow reads back (workflows/node-activities.ts errorInfo), retried only when the node's
// error table says trying again can help. Every activity that runs node code fails this way.
import { ApplicationFailure } from '@temporalio/activity';
import { NodeError } from '../nodes/sdk/errors.js';
import type { NodeErrorInfo } from './contracts.js';

export function nodeErrorInfo(err: NodeError): NodeErrorInfo {
  return {
    code: err.code,
    message: err.message,
    ...(err.details ? { details: err.details } : {}),
    ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
  };
}

/** `info`: the error as recorded (redacted by the caller when it may quote secrets). */
export function nodeFailure(info: NodeErrorInfo, retryable: boolean): ApplicationFailure {
  return ApplicationFailure.create({
    message: info.message,
    type: info.code,
    nonRetryable: !retryable,
    details: [info],
    ...(info.retryAfterMs !== undefined ? { nextRetryDelay: info.retryAfterMs } : {}),
  });
}

/**
 * What an activity throws for an error of node code: a node's own error as its failure, anything else (a database
 * that is down, a bug) as it is, which Temporal retries.
 */
export function failureOf(err: unknown): unknown {
  return err instanceof NodeError ? nodeFailure(nodeErrorInfo(err), err.retryable) : err;
}
