// Issue #11, item 13: a signed answer link has exactly one accepted spelling. Node's base64url decoder ignores '=',
// junk characters and the spare low bits of the last character, so before the fix every variant below verified.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLinkSigner } from '../../platform/answer-links.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('answer-link signatures decode strictly', () => {
  const signer = createLinkSigner(randomBytes(32));
  const token = signer.sign({ requestId: 'req_1', expiresAt: Date.now() + 60_000 });
  const [payload, signature] = token.split('.') as [string, string];

  it('accepts the canonical token', () => {
    expect(signer.verify(token).requestId).toBe('req_1');
  });

  it('refuses padding, junk and every other last character that decodes to the same bytes', () => {
    // A 32-byte MAC is 43 characters: the last one carries 4 meaningful bits and 2 spare ones (4 spellings).
    const last = ALPHABET.indexOf(signature.at(-1)!);
    const sameBytes = [0, 1, 2, 3].map((spare) => ALPHABET[(last & ~3) | spare]!).filter((c) => c !== signature.at(-1));
    expect(sameBytes).toHaveLength(3);
    const variants = [
      `${payload}.${signature}=`,
      `${payload}.${signature}==`,
      `${payload}.${signature.slice(0, 10)}!${signature.slice(10)}`,
      `${payload}.${signature.slice(0, 10)} ${signature.slice(10)}`,
      `${payload}=.${signature}`,
      `${payload.slice(0, 5)}*${payload.slice(5)}.${signature}`,
      ...sameBytes.map((c) => `${payload}.${signature.slice(0, -1)}${c}`),
    ];
    for (const variant of variants) {
      // Each variant really decodes to the original bytes: only the strict check tells them apart.
      const [p, s] = variant.split('.') as [string, string];
      expect(
        Buffer.from(s, 'base64url').equals(Buffer.from(signature, 'base64url')) ||
          Buffer.from(p, 'base64url').equals(Buffer.from(payload, 'base64url')),
      ).toBe(true);
      expect(() => signer.verify(variant), variant).toThrowError(expect.objectContaining({ code: 'LINK_INVALID' }));
    }
  });
});
