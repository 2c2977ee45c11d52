// Issue #11, items 4 and 5: what an API key may reach and obtain. Before the fix admin routes declared no scope, so
// an admin's key narrowed to usage:read created an admin user (201); and rotating copied the old key's scopes
// without asking whether the caller held them, so a keys:manage key turned an unrestricted key into a fresh one.
import Fastify, { type FastifyContextConfig } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPlugin } from '../../apps/gateway/auth/authenticate.js';
import { authSettingsFrom } from '../../apps/gateway/auth/settings.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import type { TestUser } from '../support/users.js';

let stack: TestStack;
let admin: TestUser;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const newUser = () => ({
  email: `made-${Math.random().toString(36).slice(2)}@test.loom`,
  name: 'Made',
  password: 'a-long-enough-password',
  role: 'admin',
});

async function key(user: TestUser, scopes: string[]): Promise<{ id: string; key: string; scopes: string[] }> {
  const res = await stack
    .as(user)
    .inject({ method: 'POST', url: '/v1/api-keys', payload: { name: `k-${scopes.join('+') || 'all'}`, scopes } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; key: string; scopes: string[] }>();
}

beforeAll(async () => {
  stack = await startTestStack();
  admin = await stack.createUser({ name: 'admin', role: 'admin' });
}, 60_000);
afterAll(async () => stack?.close(), 30_000);

describe('admin routes and narrowed keys (item 4)', () => {
  it("refuses an admin's key narrowed to usage:read on every admin route", async () => {
    const narrowed = await key(admin, ['usage:read']);
    const made = await stack.app.inject({ method: 'POST', url: '/v1/admin/users', headers: bearer(narrowed.key), payload: newUser() });
    expect(made.statusCode, made.body).toBe(403);
    expect(made.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    for (const route of stack.app.routeTable.filter((r) => r.access === 'admin' && r.method === 'GET' && !r.url.includes(':'))) {
      expect((await stack.app.inject({ method: 'GET', url: route.url, headers: bearer(narrowed.key) })).statusCode, route.url).toBe(403);
    }
    // Its own scope still works.
    expect((await stack.app.inject({ method: 'GET', url: '/v1/usage', headers: bearer(narrowed.key) })).statusCode).toBe(200);
  });

  it('lets a key with the admin scope, or an unrestricted admin key, administer', async () => {
    for (const k of [await key(admin, ['admin']), await key(admin, [])]) {
      const made = await stack.app.inject({ method: 'POST', url: '/v1/admin/users', headers: bearer(k.key), payload: newUser() });
      expect(made.statusCode, made.body).toBe(201);
    }
  });

  it('declares a scope on every authenticated route, admin routes the admin scope', () => {
    for (const r of stack.app.routeTable) {
      if (r.access === 'public') expect(r.scope, r.url).toBeUndefined();
      else if (r.access === 'admin') expect(r.scope, `${r.method} ${r.url}`).toBe('admin');
      else expect([undefined, 'admin'], `${r.method} ${r.url}`).not.toContain(r.scope);
    }
  });

  it('refuses to start with a route that declares no scope, or admin access without the admin scope', async () => {
    const declarations: FastifyContextConfig[] = [
      { access: 'user' },
      { access: 'admin' },
      { access: 'admin', scope: 'usage:read' },
      { access: 'user', scope: 'admin' },
      { access: 'public', scope: 'runs:read' },
    ];
    for (const config of declarations) {
      const app = Fastify();
      await app.register(authPlugin, { db: stack.database.db, settings: authSettingsFrom(stack.masterKey) });
      // Declaring the route throws, so buildGateway (and the process) fails before it listens.
      expect(() => app.get('/v1/forgotten', { config }, async () => ({ ok: true })), JSON.stringify(config)).toThrow(/GET \/v1\/forgotten/);
      await app.close().catch(() => undefined);
    }
  });
});

describe('no key operation widens a key (item 5)', () => {
  it('refuses a keys:manage key rotating an unrestricted key of the same user', async () => {
    const user = await stack.createUser({ name: 'rotator' });
    const wide = await key(user, []);
    const manager = await key(user, ['keys:manage']);
    const rotated = await stack.app.inject({
      method: 'POST',
      url: `/v1/api-keys/${wide.id}/rotate`,
      headers: bearer(manager.key),
      payload: {},
    });
    expect(rotated.statusCode, rotated.body).toBe(403);
    // And a key with more scopes than the caller's, likewise.
    const broader = await key(user, ['keys:manage', 'credentials:read']);
    expect(
      (await stack.app.inject({ method: 'POST', url: `/v1/api-keys/${broader.id}/rotate`, headers: bearer(manager.key), payload: {} }))
        .statusCode,
    ).toBe(403);
    // The refused rotations changed nothing: the wide key is still active and not rotating.
    const listed = (await stack.as(user).inject({ method: 'GET', url: '/v1/api-keys' })).json<{ items: { id: string; status: string }[] }>()
      .items;
    expect(listed.find((k) => k.id === wide.id)?.status).toBe('active');
  });

  it('lets a key rotate keys within its own scopes, and the successor keeps exactly those scopes', async () => {
    const user = await stack.createUser({ name: 'self-rotator' });
    const manager = await key(user, ['keys:manage', 'runs:read']);
    const reader = await key(user, ['runs:read']);
    // The manager rotates itself last: with no grace its old key stops at once.
    for (const k of [reader, manager]) {
      const rotated = await stack.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${k.id}/rotate`,
        headers: bearer(manager.key),
        payload: { graceSeconds: 0 },
      });
      expect(rotated.statusCode, rotated.body).toBe(201);
      expect(rotated.json<{ scopes: string[] }>().scopes.sort()).toEqual([...k.scopes].sort());
    }
  });

  it('refuses creating a key beyond the caller: unrestricted from a narrowed key, admin for a non-admin', async () => {
    const user = await stack.createUser({ name: 'creator' });
    const manager = await key(user, ['keys:manage']);
    for (const scopes of [[], ['keys:manage', 'runs:write'], ['admin']]) {
      const res = await stack.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(manager.key),
        payload: { name: 'wider', scopes },
      });
      expect(res.statusCode, JSON.stringify(scopes)).toBe(403);
    }
    // A non-admin's session holds every scope of its role, which does not include admin.
    expect(
      (await stack.as(user).inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'admin?', scopes: ['admin'] } })).statusCode,
    ).toBe(403);
  });
});
