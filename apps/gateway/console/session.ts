// The console's sign-in lives in an HttpOnly cookie, not in page script: a JWT of its own type (`typ: console`, so it
// is never accepted as a bearer token nor a bearer token as it), naming the sign-in (`sid`) like an access token, so
// logging out or a reused refresh token ends it at once. Form posts made with the cookie carry a CSRF token derived
// from the sign-in; SameSite=Strict already keeps the cookie off cross-site requests, the token is the second lock.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../errors.js';

export const SESSION_COOKIE = 'loom_console';
/** A random value set before sign-in, echoed by the sign-in form (double submit): no login CSRF. */
export const PRE_SESSION_COOKIE = 'loom_csrf';
/** How long a console sign-in lasts in the browser; the refresh-token session behind it may end sooner. */
export const CONSOLE_SESSION_SECONDS = 12 * 3600;

export const ConsoleClaims = z.object({ sub: z.string().min(1), typ: z.literal('console'), sid: z.string().min(1).max(100) });

/** One cookie's value from the Cookie header; undefined when absent or malformed. */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9._~-]{1,4096}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

function cookie(req: FastifyRequest, name: string, value: string, maxAge: number): string {
  // Served over HTTPS, directly or behind a proxy that ends TLS and says so.
  const secure = req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
}

export function setCookie(req: FastifyRequest, reply: FastifyReply, name: string, value: string, maxAge: number): void {
  const previous = reply.getHeader('set-cookie');
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous : [String(previous)];
  void reply.header('set-cookie', [...list, cookie(req, name, value, maxAge)]);
}

export function clearCookie(req: FastifyRequest, reply: FastifyReply, name: string): void {
  setCookie(req, reply, name, '', 0);
}

export function newPreSessionValue(): string {
  return randomBytes(24).toString('base64url');
}

/** CSRF tokens: an HMAC of what the form acts for (a sign-in, an answer link) under a key of their own. */
export function createCsrf(jwtSecret: Buffer) {
  const key = Buffer.from(hkdfSync('sha256', jwtSecret, Buffer.alloc(0), 'loom:console-csrf', 32));
  const tokenFor = (subject: string) => createHmac('sha256', key).update(subject).digest('base64url');
  return {
    tokenFor,
    check(subject: string, given: unknown): boolean {
      if (typeof given !== 'string') return false;
      const a = Buffer.from(tokenFor(subject));
      const b = Buffer.from(given);
      return a.length === b.length && timingSafeEqual(a, b);
    },
  };
}
export type Csrf = ReturnType<typeof createCsrf>;

/** Equal strings, in constant time (the double-submitted pre-session value). */
export function sameValue(a: string | undefined, b: unknown): boolean {
  if (!a || typeof b !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A form posted from another site never counts, whatever it carries (browsers say so in Sec-Fetch-Site). */
export function refuseCrossSite(req: FastifyRequest): void {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') throw new ApiError('FORBIDDEN', 'This form must be sent from the page itself');
}
