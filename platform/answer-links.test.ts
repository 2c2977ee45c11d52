import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLinkSigner } from './answer-links.js';

describe('answer links', () => {
  const signer = createLinkSigner(randomBytes(32));
  const future = Date.now() + 60_000;

  it('round-trips the request they name', () => {
    expect(signer.verify(signer.sign({ requestId: 'req_1', expiresAt: future }))).toEqual({ requestId: 'req_1', expiresAt: future });
  });

  it('refuses tampering, another key, garbage and expiry', () => {
    const token = signer.sign({ requestId: 'req_1', expiresAt: future });
    const [payload, signature] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ r: 'req_2', e: future })).toString('base64url')}.${signature}`;
    expect(() => signer.verify(forged)).toThrowError(expect.objectContaining({ code: 'LINK_INVALID' }));
    expect(() => createLinkSigner(randomBytes(32)).verify(token)).toThrowError(expect.objectContaining({ code: 'LINK_INVALID' }));
    expect(() => signer.verify(`${payload}`)).toThrowError(expect.objectContaining({ code: 'LINK_INVALID' }));
    expect(() => signer.verify('a.b.c')).toThrowError(expect.objectContaining({ code: 'LINK_INVALID' }));
    expect(() => signer.verify(signer.sign({ requestId: 'req_1', expiresAt: Date.now() - 1 }))).toThrowError(
      expect.objectContaining({ code: 'LINK_EXPIRED' }),
    );
  });

  it('during a key rotation, verifies links signed under a previous key and signs under the current one', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const sentBefore = createLinkSigner(oldKey).sign({ requestId: 'req_1', expiresAt: future });
    const rotating = createLinkSigner(newKey, [oldKey]);
    expect(rotating.verify(sentBefore)).toEqual({ requestId: 'req_1', expiresAt: future });
    expect(createLinkSigner(newKey).verify(rotating.sign({ requestId: 'req_2', expiresAt: future }))).toEqual({
      requestId: 'req_2',
      expiresAt: future,
    });
    // Once the old key is retired, its links stop working.
    expect(() => createLinkSigner(newKey).verify(sentBefore)).toThrowError(expect.objectContaining({ code: 'LINK_INVALID' }));
  });
});
