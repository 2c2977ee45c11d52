// Errors of the code sandboxes, declared once. None is retryable: running the same code again gives the same result.

export const CODE_ERRORS = {
  CODE_SYNTAX_ERROR: 'The code does not parse',
  CODE_RUNTIME_ERROR: 'The code threw an error',
  CODE_TIMEOUT: 'The code ran past its time limit',
  CODE_MEMORY_LIMIT: 'The code used more memory than allowed',
  CODE_OUTPUT_NOT_JSON: 'The code returned a value that is not JSON',
  CODE_OUTPUT_TOO_LARGE: 'The code returned too much data',
  CODE_CANCELLED: 'The run was stopped while the code ran',
  CODE_SANDBOX_FAILED: 'The sandbox failed to start',
} as const;

export type CodeErrorCode = keyof typeof CODE_ERRORS;

export interface CodeLog {
  level: 'log' | 'info' | 'warn' | 'error';
  message: string;
}

export type CodeResult =
  | { ok: true; output: unknown; logs: CodeLog[]; durationMs: number }
  | { ok: false; error: { code: CodeErrorCode; message: string }; logs: CodeLog[]; durationMs: number };

export const MAX_LOG_LINES = 200;
export const MAX_LOG_LINE_CHARS = 2_000;
export const MAX_OUTPUT_BYTES = 10 * 1024 * 1024;
