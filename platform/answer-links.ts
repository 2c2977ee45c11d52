// Signed answer links: a person decides from an email or a chat message without logging in. The token names one
// request and expires with it; it is single-use because the request takes one answer (the workflow's validator
// refuses a second). Signed with HMAC-SHA256 under a key derived from the master key, so no extra secret to manage.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export interface LinkSigner {
  sign(claims: { requestId: string; expiresAt: number }): string;
  verify(token: string, now?: number): { requestId: string; expiresAt: number };
}

export class LinkError extends Error {
  constructor(
    readonly code: 'LINK_INVALID' | 'LINK_EXPIRED',
    message: string,
  ) {
    super(message);
  }
}

const linkKey = (masterKey: Buffer) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'loom-answer-links-v1', 32));
const macUnder = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest();

/**
 * Node's base64url decoder is lenient (it skips junk and '=', and ignores the spare bits of the last character), so
 * many strings decode to the same bytes. A token is accepted only in the one encoding we produce: a link has exactly
 * one spelling, and a decoded value is re-encoded and compared rather than trusted.
 */
function strictBase64url(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/**
 * Signs under the current master key. `previous`: keys being rotated out (LOOM_MASTER_KEY_PREVIOUS); links already
 * sent in notifications, signed under one of them, keep working until they expire or the key is retired.
 */
export function createLinkSigner(masterKey: Buffer, previous: readonly Buffer[] = []): LinkSigner {
  const key = linkKey(masterKey);
  const verifying = [key, ...previous.map(linkKey)];
  return {
    sign(claims) {
      const payload = Buffer.from(JSON.stringify({ r: claims.requestId, e: claims.expiresAt })).toString('base64url');
      return `${payload}.${macUnder(key, payload).toString('base64url')}`;
    },
    verify(token, now = Date.now()) {
      const [payload, signature, extra] = token.split('.');
      if (!payload || !signature || extra !== undefined) throw new LinkError('LINK_INVALID', 'This answer link is not valid');
      const given = strictBase64url(signature);
      const signed =
        given !== undefined &&
        verifying.some((k) => {
          const expected = macUnder(k, payload);
          return given.length === expected.length && timingSafeEqual(given, expected);
        });
      if (!signed) throw new LinkError('LINK_INVALID', 'This answer link is not valid');
      let claims: { r?: unknown; e?: unknown };
      try {
        const decoded = strictBase64url(payload);
        if (!decoded) throw new Error('non-canonical payload');
        claims = JSON.parse(decoded.toString('utf8')) as { r?: unknown; e?: unknown };
      } catch {
        throw new LinkError('LINK_INVALID', 'This answer link is not valid');
      }
      if (typeof claims.r !== 'string' || typeof claims.e !== 'number')
        throw new LinkError('LINK_INVALID', 'This answer link is not valid');
      if (claims.e <= now) throw new LinkError('LINK_EXPIRED', 'This answer link has expired');
      return { requestId: claims.r, expiresAt: claims.e };
    },
  };
}
