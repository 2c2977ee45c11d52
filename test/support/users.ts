// Test users: created in the database (as an admin would), signed in through the real login route, and an
// `Api` that sends their token with every request.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Database } from '../../db/client.js';
import type { Role, Tier } from '../../db/schema.js';
import { insertUser } from '../../db/user-store.js';
import { hashPassword } from '../../identity/passwords.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  headers: { authorization: string };
}

/** Fastify's inject with the user's credentials filled in; explicit headers still win. */
export interface Api {
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
}

export function apiAs(app: FastifyInstance, user: TestUser | undefined): Api {
  return { inject: (options) => app.inject({ ...options, headers: { ...(user?.headers ?? {}), ...(options.headers ?? {}) } }) };
}

export async function createTestUser(
  app: FastifyInstance,
  db: Database,
  options: { role?: Role; tier?: Tier; groups?: string[]; name?: string } = {},
): Promise<TestUser> {
  const email = `${options.name ?? 'user'}-${randomBytes(4).toString('hex')}@test.loom`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const row = await insertUser(db, {
    email,
    name: options.name ?? 'Test user',
    passwordHash: await hashPassword(password),
    role: options.role ?? 'user',
    tier: options.tier ?? 'enterprise',
    groups: options.groups ?? [],
  });
  const res = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login of ${email} answered ${res.statusCode}: ${res.body}`);
  const body = res.json<{ accessToken: string; refreshToken: string }>();
  return {
    id: row.id,
    email,
    password,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    headers: { authorization: `Bearer ${body.accessToken}` },
  };
}
