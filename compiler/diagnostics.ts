// Every diagnostic the compiler can report, declared once with its severity. The editor acts on `code`.
import { z } from 'zod';

export const DIAGNOSTIC_CODES = {
  SCHEMA_INVALID: 'error',
  DUPLICATE_ID: 'error',
  UNKNOWN_NODE_TYPE: 'error',
  NODE_TYPE_DISABLED: 'error',
  DANGLING_EDGE: 'error',
  UNKNOWN_HANDLE: 'error',
  CYCLE: 'error',
  NO_TRIGGER: 'error',
  TRIGGER_HAS_INPUT: 'error',
  ORPHAN_NODE: 'error',
  MISSING_REQUIRED_FIELD: 'error',
  INVALID_FIELD_VALUE: 'error',
  MISSING_CREDENTIAL: 'error',
  CREDENTIAL_TYPE_MISMATCH: 'error',
  TYPE_MISMATCH: 'error',
  BAD_EXPRESSION: 'error',
  UNKNOWN_REFERENCE: 'error',
  NOT_UPSTREAM: 'error',
  LOOP_PARENT_INVALID: 'error',
  LOOP_BODY_ENTRY: 'error',
  LOOP_BODY_EXIT: 'error',
  LOOP_BODY_ESCAPE: 'error',
  LOOP_BODY_NODE: 'error',
  UNKNOWN_VARIABLE: 'error',
  MISSING_PINNED_INPUT: 'error',
  PINNED_BRANCH_MISSING: 'error',
  PINNED_BRANCH_INVALID: 'error',
  UNKNOWN_FIELD: 'warning',
  UNUSED_OUTPUT: 'warning',
  UNUSED_CREDENTIAL: 'warning',
  UNLISTED_HOST: 'warning',
  UNAUTHENTICATED_TRIGGER: 'warning',
} as const satisfies Record<string, 'error' | 'warning'>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export const DiagnosticSchema = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  nodeId: z.string().optional(),
  edgeId: z.string().optional(),
  path: z.array(z.union([z.string(), z.number()])).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type Diagnostic = z.infer<typeof DiagnosticSchema>;

export function diagnostic(
  code: DiagnosticCode,
  message: string,
  where: Omit<Diagnostic, 'code' | 'severity' | 'message'> = {},
): Diagnostic {
  return { code, severity: DIAGNOSTIC_CODES[code], message, ...where };
}
