// Every code a node may fail with, declared once: what it means (also the default message) and whether trying again
// can help. The sandboxes' codes are part of it (a code node's failure is the node's failure).
// It lives in nodes/sdk, with no import but zod, because every layer that records a node's error may import nodes/:
// node definitions, activities, the workflow sandbox, the orchestrator and the apps. docs/errors.md lists every code
// (test/errors-doc.test.ts checks it).
import { z } from 'zod';

export interface ErrorMeaning {
  /** Whether the same call may succeed when tried again. */
  retryable: boolean;
  /** One line for people; also the message of an error thrown without one. */
  message: string;
}

/** The codes of a table, as the non-empty tuple `z.enum` takes; the table is the one place they are written. */
export function codesOf<T extends Record<string, unknown>>(table: T): [keyof T & string, ...(keyof T & string)[]] {
  return Object.keys(table) as [keyof T & string, ...(keyof T & string)[]];
}

/** What the code sandboxes (nodes/sandbox) report. None is retryable: the same code on the same input fails again. */
export const SANDBOX_ERRORS = {
  CODE_SYNTAX_ERROR: { retryable: false, message: 'The code does not parse' },
  CODE_RUNTIME_ERROR: { retryable: false, message: 'The code raised an error' },
  CODE_TIMEOUT: { retryable: false, message: 'The code ran past its time limit' },
  CODE_MEMORY_LIMIT: { retryable: false, message: 'The code used more memory than allowed' },
  CODE_OUTPUT_NOT_JSON: { retryable: false, message: 'The code returned a value that is not JSON' },
  CODE_OUTPUT_TOO_LARGE: { retryable: false, message: 'The code returned more data than allowed' },
  CODE_INPUT_NOT_JSON: { retryable: false, message: 'The input given to the code is not JSON' },
  CODE_INVALID_REQUEST: { retryable: false, message: 'The sandbox request is invalid' },
  CODE_CANCELLED: { retryable: false, message: 'The call was cancelled while the code ran' },
  CODE_SANDBOX_FAILED: { retryable: false, message: 'The sandbox itself failed' },
} as const satisfies Record<`CODE_${string}`, ErrorMeaning>;

export const NODE_ERRORS = {
  CONFIG_INVALID: { retryable: false, message: 'The node configuration is invalid' },
  UNKNOWN_NODE_TYPE: { retryable: false, message: 'No node of this type and version exists in this build' },
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
  FILE_NOT_FOUND: { retryable: false, message: 'No such file of the run owner' },
  FILE_TOO_LARGE: { retryable: false, message: "The file is larger than the owner's plan allows" },
  FILE_UNREADABLE: { retryable: false, message: 'The file could not be read as its type says (damaged, or past an extraction bound)' },
  FILES_UNAVAILABLE: { retryable: false, message: 'This worker has no file store' },
  KNOWLEDGE_BASE_NOT_FOUND: { retryable: false, message: 'No such knowledge base of the run owner' },
  KNOWLEDGE_UNAVAILABLE: { retryable: false, message: 'This worker has no knowledge bases' },
  DB_CONNECTION_FAILED: { retryable: true, message: 'Could not connect to the database' },
  DB_HOST_BLOCKED: { retryable: false, message: 'The database host is a private address this workflow may not reach' },
  DB_QUERY_FAILED: { retryable: false, message: 'The database rejected the statement' },
  MERGE_NEEDS_TWO_INPUTS: { retryable: false, message: 'A merge by key needs exactly two inputs' },
  ITEMS_NOT_A_LIST: { retryable: false, message: 'A loop or a batch was given something other than a list' },
  ITEMS_LIMIT: { retryable: false, message: 'The list has more items than a loop or a batch takes' },
  STOPPED_BY_WORKFLOW: { retryable: false, message: 'A Stop and error node stopped the run (the default of its code field)' },
  NODE_CANCELLED: { retryable: false, message: 'The node was cancelled' },
  NODE_INTERNAL: { retryable: true, message: 'The node failed unexpectedly' },
  CUSTOM_BRIDGE_INVALID: { retryable: false, message: 'A custom node asked its bridge for something malformed' },
  CUSTOM_UNDECLARED: { retryable: false, message: 'A custom node used a host or credential slot it did not declare' },
  CUSTOM_NODE_UNAVAILABLE: { retryable: false, message: 'The exact custom node version this run was compiled with is not available' },
  ...SANDBOX_ERRORS,
} as const satisfies Record<string, ErrorMeaning>;

export const NODE_ERROR_CODES = codesOf(NODE_ERRORS);
export const NodeErrorCodeSchema = z.enum(NODE_ERROR_CODES);
export type NodeErrorCode = z.infer<typeof NodeErrorCodeSchema>;
/** Own keys only: `toString` is in every object, never in the table. */
export const isNodeErrorCode = (code: string): code is NodeErrorCode => Object.hasOwn(NODE_ERRORS, code);

export const SANDBOX_ERROR_CODES = codesOf(SANDBOX_ERRORS);
export type SandboxErrorCode = (typeof SANDBOX_ERROR_CODES)[number];

/**
 * A code the workflow's author chose (the `code` field of `flow.stop_error`, `ORDER_INVALID` say): open by design,
 * so it is a type of its own, and a plain string (a typo in Loom's code) is never taken for one.
 */
export const AuthoredErrorCodeSchema = z.string().brand<'AuthoredErrorCode', 'inout'>();
export type AuthoredErrorCode = z.infer<typeof AuthoredErrorCodeSchema>;
