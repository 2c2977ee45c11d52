// The two owners of the sandbox escape suites, and the secret the second one's call carries.
import type { SandboxResult } from '../../nodes/sandbox/result.js';

export const A = { owner: 'tenant-a' };
export const B = { owner: 'tenant-b' };
export const SECRET = 'B-SECRET-4711';

/** The call's output; a failed call fails the test with its code. */
export function ok(result: SandboxResult): unknown {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.output;
}
