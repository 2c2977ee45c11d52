// The one guard every request body, query and path (and every WebSocket message) passes before validation. It
// refuses what no later layer can handle gracefully: U+0000 and unpaired UTF-16 surrogates (PostgreSQL cannot store
// either, in text or jsonb, and the query that first touched them would fail as a 500), and nesting deeper than
// MAX_NESTING (the compiler, zod and JSON.stringify recurse and would overflow the stack). JSON.parse itself is
// iterative, so this runs before anything recursive sees the value; the walk is iterative too, with no depth cap of
// its own, so nothing hides below a level it would not look at.
import type { FastifyRequest } from 'fastify';
import { findProblem, MAX_NESTING, type GuardProblem } from '../../platform/json-guard.js';
import { ApiError } from './errors.js';

/** The refusal for a problem: the error code and a message naming where it is. */
export function refusalOf(problem: GuardProblem): { code: 'VALIDATION_FAILED' | 'NESTING_TOO_DEEP'; message: string } {
  if (problem.kind === 'too_deep')
    return { code: 'NESTING_TOO_DEEP', message: `${problem.where} is nested deeper than ${MAX_NESTING} levels` };
  return {
    code: 'VALIDATION_FAILED',
    message: `${problem.where} contains a NUL character (\\u0000) or an unpaired surrogate (such as \\ud800), which cannot be stored`,
  };
}

/** A preValidation hook for every route. */
export async function guardRequest(req: FastifyRequest): Promise<void> {
  // A raw body (a webhook's, kept as bytes for its signature) is checked by its route once it is parsed.
  const body = Buffer.isBuffer(req.body) ? undefined : req.body;
  const problem = findProblem(req.params, 'params') ?? findProblem(req.query, 'query') ?? findProblem(body, 'body');
  if (!problem) return;
  const { code, message } = refusalOf(problem);
  throw new ApiError(code, message);
}
