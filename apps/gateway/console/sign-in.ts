// Signing in to the console: a form (with a double-submitted pre-session value, so nobody can sign a browser in
// to their own account), then the cookie of console/session.ts; signing out ends the sign-in behind it. And what
// every signed-in page needs: the caller, and the CSRF token its forms carry.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { revokeSession } from '../../../db/session-store.js';
import { findUserByEmail } from '../../../db/user-store.js';
import { decoyHash, verifyPassword } from '../../../identity/passwords.js';
import type { Principal } from '../../../identity/principal.js';
import { issueRefreshToken } from '../../../identity/sessions.js';
import { principalOf } from '../auth/authenticate.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { FormBody } from './answers.js';
import { html, type SafeHtml } from './html.js';
import { page } from './page.js';
import {
  clearCookie,
  CONSOLE_SESSION_SECONDS,
  newPreSessionValue,
  PRE_SESSION_COOKIE,
  readCookie,
  refuseCrossSite,
  sameValue,
  SESSION_COOKIE,
  setCookie,
  type Csrf,
} from './session.js';

/** Where a sign-in may send the browser next: a console page or an answer page of this origin, nothing else. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(console|a\/)/.test(next) && !next.startsWith('//') && !/[\\\r\n]/.test(next) ? next : '/console';
}

export interface SignedIn {
  principal: Principal;
  csrf: string;
}

/** The caller and the CSRF token of their sign-in (bearer callers need none: nothing is sent by the browser alone). */
export function signedIn(req: FastifyRequest, csrf: Csrf): SignedIn {
  const principal = principalOf(req);
  return { principal, csrf: csrf.tokenFor(`session:${principal.sessionId ?? principal.keyId ?? principal.userId}`) };
}

/** A form post made with the cookie must carry the sign-in's CSRF token and come from this site. */
export function checkFormPost(req: FastifyRequest, csrf: Csrf, given: unknown): SignedIn {
  const me = signedIn(req, csrf);
  if (req.viaCookie) {
    refuseCrossSite(req);
    if (!csrf.check(`session:${me.principal.sessionId ?? ''}`, given))
      throw new ApiError('FORBIDDEN', 'This form has expired; reload the page');
  }
  return me;
}

export const signInRoutes: FastifyPluginAsync<GatewayDeps & { csrf: Csrf }> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const pageOf = (reply: FastifyReply, status: number, o: Parameters<typeof page>[0]) =>
    reply.status(status).type('text/html; charset=utf-8').send(page(o));

  const signInForm = (pre: string, next: string, email = '', error?: string): SafeHtml =>
    html`<section class="narrow">
      <h1>Sign in</h1>
      <form method="post" action="/console/sign-in">
        <input type="hidden" name="csrf" value="${pre}" />
        <input type="hidden" name="next" value="${next}" />
        <div class="form-error" role="alert" ${error ? '' : 'hidden'}>${error ?? ''}</div>
        <div class="field">
          <label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${email}" />
        </div>
        <div class="field">
          <label for="password">Password</label
          ><input id="password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <button type="submit" class="primary">Sign in</button>
      </form>
    </section>`;

  r.get(
    '/console/sign-in',
    { config: { access: 'public' }, schema: { querystring: z.object({ next: z.string().max(2_000).optional() }) } },
    async (req, reply) => {
      let pre = readCookie(req, PRE_SESSION_COOKIE);
      if (!pre) {
        pre = newPreSessionValue();
        setCookie(req, reply, PRE_SESSION_COOKIE, pre, 3600);
      }
      return pageOf(reply, 200, { title: 'Sign in', body: signInForm(pre, safeNext(req.query.next)) });
    },
  );

  r.post('/console/sign-in', { config: { access: 'public', limit: 'login' }, schema: { body: FormBody } }, async (req, reply) => {
    const field = (k: string) => (typeof req.body[k] === 'string' ? (req.body[k] as string) : '');
    refuseCrossSite(req);
    const pre = readCookie(req, PRE_SESSION_COOKIE);
    if (!sameValue(pre, req.body.csrf)) throw new ApiError('FORBIDDEN', 'The sign-in form has expired; reload the page');
    const user = await findUserByEmail(db, field('email').slice(0, 320));
    // As the API's login: an unknown user is checked against a decoy hash, so both failures take as long.
    const ok = await verifyPassword(user?.passwordHash ?? (await decoyHash()), field('password').slice(0, 1_000));
    if (!user || !ok || user.disabledAt) {
      const message = user?.disabledAt && ok ? 'This account is disabled' : 'Wrong email or password';
      if (!(req.headers.accept ?? '').includes('text/html'))
        throw new ApiError(user?.disabledAt && ok ? 'ACCOUNT_DISABLED' : 'INVALID_LOGIN');
      return pageOf(reply, 401, { title: 'Sign in', body: signInForm(pre!, safeNext(field('next')), field('email'), message) });
    }
    const session = await issueRefreshToken(
      db,
      user.id,
      new Date(Date.now() + Math.min(deps.auth.refreshTokenTtlMs, CONSOLE_SESSION_SECONDS * 1000)),
    );
    const token = app.jwt.sign({ sub: user.id, typ: 'console', sid: session.sessionId }, { expiresIn: CONSOLE_SESSION_SECONDS });
    setCookie(req, reply, SESSION_COOKIE, token, CONSOLE_SESSION_SECONDS);
    clearCookie(req, reply, PRE_SESSION_COOKIE);
    return reply.redirect(safeNext(field('next')), 303);
  });

  r.post(
    '/console/sign-out',
    { config: { access: 'user', scope: 'account:write', sessionCookie: true }, schema: { body: FormBody } },
    async (req, reply) => {
      const { principal } = checkFormPost(req, deps.csrf, req.body.csrf);
      if (req.viaCookie && principal.sessionId) await revokeSession(db, principal.userId, principal.sessionId, new Date());
      clearCookie(req, reply, SESSION_COOKIE);
      return reply.redirect('/console/sign-in', 303);
    },
  );
};
