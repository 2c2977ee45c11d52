// Issue #11, item 13: access tokens. Before the fix a token without `iss` (or `aud`) was accepted, and an access
// token stayed valid for up to 15 minutes after logout or after a refresh-token reuse had signed the user out
// everywhere. Access tokens now carry their sign-in (`sid`), checked on every request.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authSettingsFrom } from '../../apps/gateway/auth/settings.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** An HS256 token with exactly these claims, under the gateway's real signing key (the plugin would add iss and aud). */
function signed(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', authSettingsFrom(stack.masterKey).jwtSecret).update(body).digest('base64url')}`;
}

beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(async () => stack?.close(), 30_000);

describe('access tokens', () => {
  it('requires iss and aud, with our values', async () => {
    const { sid } = stack.app.jwt.decode<{ sid: string }>(stack.user.accessToken)!;
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: stack.user.id, typ: 'access', sid, iat: now, exp: now + 600 };
    const variants = [
      { ...claims, aud: 'loom-api' },
      { ...claims, iss: 'loom' },
      claims,
      { ...claims, iss: 'someone-else', aud: 'loom-api' },
      { ...claims, iss: 'loom', aud: 'another-api' },
    ];
    for (const token of variants) {
      const res = await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(signed(token)) });
      expect(res.statusCode, JSON.stringify(token)).toBe(401);
    }
    // The same claims with both are accepted: the signing above is the gateway's own.
    expect(
      (await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(signed({ ...claims, iss: 'loom', aud: 'loom-api' })) }))
        .statusCode,
    ).toBe(200);
  });

  it('ends at once when a refresh-token reuse signs the user out everywhere', async () => {
    const user = await stack.createUser();
    const refreshed = (
      await stack.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: user.refreshToken } })
    ).json<{ accessToken: string }>();
    // A second sign-in of the same user: reuse must end it too.
    const other = (
      await stack.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: user.password } })
    ).json<{ accessToken: string }>();
    for (const token of [user.accessToken, refreshed.accessToken, other.accessToken]) {
      expect((await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) })).statusCode).toBe(200);
    }
    expect(
      (await stack.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: user.refreshToken } })).statusCode,
    ).toBe(401);
    for (const token of [user.accessToken, refreshed.accessToken, other.accessToken]) {
      const res = await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: 'SESSION_ENDED' } });
    }
  });

  it('ends the access tokens of the session that logs out, and only those', async () => {
    const user = await stack.createUser();
    const second = (
      await stack.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: user.email, password: user.password } })
    ).json<{ accessToken: string }>();
    expect(
      (await stack.as(user).inject({ method: 'POST', url: '/v1/auth/logout', payload: { refreshToken: user.refreshToken } })).statusCode,
    ).toBe(204);
    expect((await stack.app.inject({ method: 'GET', url: '/v1/me', headers: user.headers })).json()).toMatchObject({
      error: { code: 'SESSION_ENDED' },
    });
    expect((await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(second.accessToken) })).statusCode).toBe(200);
  });

  it('ends every session of a user whose password an administrator resets', async () => {
    const admin = await stack.createUser({ role: 'admin' });
    const user = await stack.createUser();
    const reset = await stack
      .as(admin)
      .inject({ method: 'PATCH', url: `/v1/admin/users/${user.id}`, payload: { password: 'a-brand-new-password' } });
    expect(reset.statusCode, reset.body).toBe(200);
    expect((await stack.app.inject({ method: 'GET', url: '/v1/me', headers: user.headers })).json()).toMatchObject({
      error: { code: 'SESSION_ENDED' },
    });
    expect(
      (await stack.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: user.refreshToken } })).statusCode,
    ).toBe(401);
  });

  it('keeps a session alive across refreshes', async () => {
    const user = await stack.createUser();
    const next = (await stack.app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: user.refreshToken } })).json<{
      accessToken: string;
    }>();
    // The token issued before the refresh belongs to the same, still live, session.
    for (const token of [user.accessToken, next.accessToken])
      expect((await stack.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) })).statusCode).toBe(200);
  });
});
