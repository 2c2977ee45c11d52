// Node errors take their defaults from the one table; a failure type from outside the vocabulary becomes NODE_FAILED.
import { describe, expect, it } from 'vitest';
import { NODE_ERRORS } from './error-codes.js';
import { NodeError } from './errors.js';
import { ErrorCodeSchema, loomErrorCode } from './run-error-codes.js';

describe('NodeError', () => {
  it("takes its message and retryability from the code's row unless told otherwise", () => {
    expect(new NodeError('HTTP_TIMEOUT')).toMatchObject({
      code: 'HTTP_TIMEOUT',
      message: NODE_ERRORS.HTTP_TIMEOUT.message,
      retryable: true,
    });
    expect(new NodeError('CODE_TIMEOUT', 'ran 5 s')).toMatchObject({ message: 'ran 5 s', retryable: false });
    expect(new NodeError('HTTP_NETWORK', undefined, undefined, { retryable: false }).retryable).toBe(false);
  });

  it("keeps the code a workflow's author chose, never retried", () => {
    expect(NodeError.authored('ORDER_INVALID', 'Order 42 is invalid')).toMatchObject({
      code: 'ORDER_INVALID',
      message: 'Order 42 is invalid',
      retryable: false,
    });
    // An authored code that looks like a prototype key still has no row.
    expect(NodeError.authored('toString', 'x').retryable).toBe(false);
  });
});

describe('loomErrorCode', () => {
  it('passes node and run codes through and turns any other failure type into NODE_FAILED', () => {
    expect(loomErrorCode('UNKNOWN_NODE_TYPE')).toBe('UNKNOWN_NODE_TYPE');
    expect(loomErrorCode('WORKER_SHUTDOWN')).toBe('WORKER_SHUTDOWN');
    for (const foreign of ['Error', 'TypeError', 'toString', '', null, undefined]) expect(loomErrorCode(foreign)).toBe('NODE_FAILED');
  });

  it('validates recorded codes: Loom codes and authored ones alike', () => {
    expect(ErrorCodeSchema.parse('RUN_BUDGET_EXCEEDED')).toBe('RUN_BUDGET_EXCEEDED');
    expect(ErrorCodeSchema.parse('ORDER_INVALID')).toBe('ORDER_INVALID');
    expect(ErrorCodeSchema.safeParse(42).success).toBe(false);
  });
});
