// What Temporal's typed errors mean for a run, read in one place: closed, refused, or something else entirely.
import { ApplicationFailure } from '@temporalio/common';
import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { temporalVerdict } from './errors.js';

/** What @grpc/grpc-js rejects a call with: an Error carrying the status (callErrorFromStatus). */
const grpcError = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });

describe('temporalVerdict', () => {
  it('reads a missing or finished execution as closed', () => {
    expect(temporalVerdict(new WorkflowNotFoundError('workflow execution already completed', 'run-1', undefined))).toEqual({
      kind: 'closed',
    });
    expect(temporalVerdict(new ServiceError('Workflow Update failed', { cause: grpcError(9, 'workflow is closing') }))).toEqual({
      kind: 'closed',
    });
    expect(temporalVerdict(grpcError(5, 'not found'))).toEqual({ kind: 'closed' });
  });

  it("reads an update the workflow's validator threw at as refused, with its reason", () => {
    expect(
      temporalVerdict(
        new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ message: 'The run is already paused' })),
      ),
    ).toEqual({ kind: 'refused', reason: 'The run is already paused' });
  });

  it('leaves every other failure alone, whatever its message says', () => {
    expect(temporalVerdict(new ServiceError('Workflow Update failed', { cause: grpcError(14, 'unavailable') }))).toBeUndefined();
    expect(temporalVerdict(new Error('workflow execution already completed'))).toBeUndefined();
  });
});
