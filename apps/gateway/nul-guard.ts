// PostgreSQL cannot store U+0000 in text or jsonb: a NUL anywhere in a request would surface as a database error (a
// 500) on whatever query first touched it. Refused here once, for every route, as the client's mistake it is.
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/** Where in `value` a NUL is (a path from `path`), or undefined. Also used on WebSocket messages (routes/events.ts). */
export function findNul(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null || depth > 64) return undefined;
  for (const [key, v] of Object.entries(value)) {
    if (key.includes('\u0000')) return `${path}.${JSON.stringify(key)}`;
    const found = findNul(v, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export const nulMessage = (where: string) => `${where} contains a NUL character (\\u0000), which cannot be stored`;

/** A preValidation hook: 400 VALIDATION_FAILED naming where the NUL was. */
export async function refuseNul(req: FastifyRequest): Promise<void> {
  const where = findNul(req.params, 'params') ?? findNul(req.query, 'query') ?? findNul(req.body, 'body');
  if (where) throw new ApiError('VALIDATION_FAILED', nulMessage(where));
}
