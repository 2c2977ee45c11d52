// The error handler: what the gateway stands on failing under a request (the database connection lost, Temporal
// unreachable) is a 503 with its code, never a 500; anything else unexpected stays a 500.
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { errorHandler } from './errors.js';

const app = Fastify({ logger: false });
app.setErrorHandler(errorHandler);
const throwing: Record<string, () => Error> = {
  terminated: () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
  refused: () => Object.assign(new Error('connection failure'), { code: '08006' }),
  // drizzle wraps the driver's error; node-postgres says a dead connection in words only.
  wrapped: () => new Error('Failed query: select 1', { cause: new Error('Connection terminated unexpectedly') }),
  temporal: () =>
    new Error('Failed to start workflow', { cause: Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }) }),
  deadline: () => Object.assign(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'), { code: 4 }),
  bug: () => new TypeError('x is not a function'),
  constraint: () => Object.assign(new Error('duplicate key'), { code: '23505' }),
};
for (const [name, make] of Object.entries(throwing))
  app.get(`/${name}`, async () => {
    throw make();
  });
afterAll(() => app.close());

describe('errorHandler', () => {
  it.each([
    ['terminated', 503, 'DATABASE_UNAVAILABLE'],
    ['refused', 503, 'DATABASE_UNAVAILABLE'],
    ['wrapped', 503, 'DATABASE_UNAVAILABLE'],
    ['temporal', 503, 'TEMPORAL_UNAVAILABLE'],
    ['deadline', 503, 'TEMPORAL_UNAVAILABLE'],
    ['bug', 500, 'INTERNAL'],
    ['constraint', 500, 'INTERNAL'],
  ])('answers %s with %i %s', async (name, status, code) => {
    const res = await app.inject({ method: 'GET', url: `/${name}` });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ error: { code } });
  });
});
