// Identity end to end: password login, access-token expiry, refresh-token rotation with reuse detection, logout,
// API keys (shown once, hashed, scoped, rotated with a grace period, revoked at once), disabled accounts, admins.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '../db/schema.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('sessions', () => {
  it('logs in with the password and refuses a wrong one or an unknown email alike', async () => {
    const user = await stack.createUser();
    const ok = await stack.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: user.email.toUpperCase(), password: user.password },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { id: user.id, role: 'user' } });
    const wrong = await stack.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: user.email, password: 'not-the-password' },
    });
    const unknown = await stack.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'nobody@test.loom', password: 'whatever-it-is' },
    });
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json()).toEqual(unknown.json());
  });

  it('refuses an expired access token with TOKEN_EXPIRED', async () => {
    // Signed for the user's live session (`sid`): only its expiry refuses it.
    const { sid } = stack.app.jwt.decode<{ sid: string }>(stack.user.accessToken)!;
    const token = stack.app.jwt.sign({ sub: stack.user.id, typ: 'access', sid }, { expiresIn: 1 });
    expect((await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) })).statusCode).toBe(200);
    await sleep(1_100);
    const res = await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'TOKEN_EXPIRED' } });
  });

  it('rotates the refresh token on use; presenting a used one signs every session out', async () => {
    const user = await stack.createUser();
    const first = await stack.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: user.refreshToken } });
    expect(first.statusCode).toBe(200);
    const next = first.json<{ refreshToken: string; accessToken: string }>();
    expect(next.refreshToken).not.toBe(user.refreshToken);
    expect((await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(next.accessToken) })).json()).toMatchObject({
      id: user.id,
    });
    // The old token again: theft is assumed, and the newer token dies with it.
    const reused = await stack.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: user.refreshToken } });
    expect(reused.statusCode).toBe(401);
    expect(reused.json()).toMatchObject({ error: { code: 'REFRESH_TOKEN_INVALID' } });
    expect(
      (await stack.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: next.refreshToken } })).statusCode,
    ).toBe(401);
  });

  it('revokes the refresh token on logout', async () => {
    const user = await stack.createUser();
    expect(
      (await stack.as(user).inject({ method: 'POST', url: '/v1/auth/logout', payload: { refreshToken: user.refreshToken } })).statusCode,
    ).toBe(204);
    expect(
      (await stack.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: user.refreshToken } })).statusCode,
    ).toBe(401);
  });

  it('shuts a disabled account out at once, token or not', async () => {
    const admin = await stack.createUser({ role: 'admin' });
    const user = await stack.createUser();
    const disabled = await stack.as(admin).inject({ method: 'PATCH', url: `/v1/admin/users/${user.id}`, payload: { disabled: true } });
    expect(disabled.json()).toMatchObject({ disabled: true });
    const res = await stack.as(user).inject({ method: 'GET', url: '/v1/me' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'ACCOUNT_DISABLED' } });
    expect(
      (await stack.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: user.password } }))
        .statusCode,
    ).toBe(401);
  });
});

describe('API keys', () => {
  it('shows the key once, stores only its hash, and authenticates with it', async () => {
    const created = await stack.api.inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'ci' } });
    expect(created.statusCode).toBe(201);
    const { key, id, prefix } = created.json<{ key: string; id: string; prefix: string }>();
    expect(key).toMatch(/^loom_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(prefix)).toBe(true);
    const [row] = await stack.database.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    expect(JSON.stringify(row)).not.toContain(key.slice(14));
    const listed = await stack.api.inject({ method: 'GET', url: '/v1/api-keys' });
    expect(listed.body).not.toContain(key.slice(14));
    for (const headers of [bearer(key), { 'x-api-key': key }]) {
      const me = await stack.app.inject({ method: 'GET', url: '/v1/me', headers });
      expect(me.json()).toMatchObject({ id: stack.user.id, via: 'api_key' });
    }
  });

  it('limits a scoped key to its scopes, and it cannot mint a broader key', async () => {
    const { key } = (
      await stack.api.inject({
        method: 'POST',
        url: '/v1/api-keys',
        payload: { name: 'reader', scopes: ['workflows:read', 'keys:manage'] },
      })
    ).json<{ key: string }>();
    expect((await stack.app.inject({ method: 'GET', url: '/v1/workflows', headers: bearer(key) })).statusCode).toBe(200);
    const write = await stack.app.inject({
      method: 'POST',
      url: '/v1/workflows',
      headers: bearer(key),
      payload: { nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] },
    });
    expect(write.statusCode).toBe(403);
    expect(write.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(
      (await stack.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(key), payload: { name: 'wider' } })).statusCode,
    ).toBe(403);
    expect(
      (
        await stack.app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers: bearer(key),
          payload: { name: 'same', scopes: ['workflows:read'] },
        })
      ).statusCode,
    ).toBe(201);
  });

  it('rotates: the new key works, the old one until its grace period ends', async () => {
    const old = (await stack.api.inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'rotating' } })).json<{
      key: string;
      id: string;
    }>();
    const rotated = await stack.api.inject({ method: 'POST', url: `/v1/api-keys/${old.id}/rotate`, payload: { graceSeconds: 1 } });
    expect(rotated.statusCode).toBe(201);
    const fresh = rotated.json<{ key: string; id: string; name: string }>();
    expect(fresh).toMatchObject({ name: 'rotating', status: 'active' });
    expect((await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(old.key) })).statusCode).toBe(200);
    expect((await stack.api.inject({ method: 'POST', url: `/v1/api-keys/${old.id}/rotate`, payload: {} })).statusCode).toBe(409);
    const listed = (await stack.api.inject({ method: 'GET', url: '/v1/api-keys' })).json<{
      items: { id: string; status: string; rotatedTo: string | null }[];
    }>().items;
    expect(listed.find((k) => k.id === old.id)).toMatchObject({ status: 'rotating', rotatedTo: fresh.id });
    await sleep(1_100);
    const expired = await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(old.key) });
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toMatchObject({ error: { code: 'API_KEY_EXPIRED' } });
    expect((await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(fresh.key) })).statusCode).toBe(200);
  });

  it('revokes at once', async () => {
    const { key, id } = (await stack.api.inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'doomed' } })).json<{
      key: string;
      id: string;
    }>();
    expect((await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) })).statusCode).toBe(200);
    expect((await stack.api.inject({ method: 'DELETE', url: `/v1/api-keys/${id}` })).statusCode).toBe(204);
    const res = await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(key) });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'API_KEY_REVOKED' } });
    // Another user cannot revoke, rotate or even see someone else's key.
    const other = await stack.createUser();
    const mine = (await stack.api.inject({ method: 'POST', url: '/v1/api-keys', payload: { name: 'mine' } })).json<{ id: string }>();
    expect((await stack.as(other).inject({ method: 'DELETE', url: `/v1/api-keys/${mine.id}` })).statusCode).toBe(404);
    expect((await stack.as(other).inject({ method: 'POST', url: `/v1/api-keys/${mine.id}/rotate`, payload: {} })).statusCode).toBe(404);
  });
});

describe('administration', () => {
  it('lets admins create users, who then sign in; duplicate emails are a 409', async () => {
    const admin = await stack.as(await stack.createUser({ role: 'admin' }));
    const body = {
      email: `new-${Date.now()}@test.loom`,
      name: 'New',
      password: 'a-long-enough-password',
      tier: 'pro',
      groups: ['finance'],
    };
    const created = await admin.inject({ method: 'POST', url: '/v1/admin/users', payload: body });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ email: body.email, tier: 'pro', groups: ['finance'], role: 'user' });
    expect(created.body).not.toContain(body.password);
    expect((await admin.inject({ method: 'POST', url: '/v1/admin/users', payload: body })).statusCode).toBe(409);
    expect(
      (await stack.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: body.email, password: body.password } }))
        .statusCode,
    ).toBe(200);
    expect(
      (await admin.inject({ method: 'POST', url: '/v1/admin/users', payload: { ...body, email: 'short@test.loom', password: 'short' } }))
        .statusCode,
    ).toBe(400);
  });
});
