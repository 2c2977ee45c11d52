// What a draft warns about besides the compiler's own warnings, declared once. Each is shaped like a compiler
// diagnostic (code, message, nodeId, path), so an editor shows both the same way.
import type { Diagnostic } from '../../compiler/diagnostics.js';

export const AI_WARNINGS = {
  SECRET_REMOVED: 'A value that looked like a secret was removed from the config; a credential slot takes its place',
  CREDENTIAL_REMOVED: 'The model named a credential itself; Loom maps credentials, so it was removed',
  CREDENTIAL_OPEN: 'A credential slot is open: you have no credential of its type, or must choose among several',
  CREDENTIAL_SUGGESTED: 'A credential was suggested by the local model among several of its type: confirm it',
  CODE_REVIEW: 'The draft runs code the model wrote: review it before activating the workflow',
} as const;
export type AiWarningCode = keyof typeof AI_WARNINGS;

export function aiWarning(code: AiWarningCode, where: { nodeId?: string; path?: (string | number)[]; message?: string } = {}): Diagnostic {
  const { message, ...at } = where;
  return { code, severity: 'warning', message: message ?? AI_WARNINGS[code], ...at };
}
