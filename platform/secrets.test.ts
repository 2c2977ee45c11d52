import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secrets.js';

describe('secret box', () => {
  const box = createSecretBox(randomBytes(32));

  it('seals and opens, with a fresh IV every time', () => {
    const a = box.seal('s3cret');
    const b = box.seal('s3cret');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.ciphertext).not.toContain('s3cret');
    expect(box.open(a)).toBe('s3cret');
    expect(a.keyId).toMatch(/^k_[0-9a-f]{12}$/);
  });

  it('refuses tampered data, a relabelled key id, and another key', () => {
    const sealed = box.seal('value');
    const flipped = Buffer.from(sealed.ciphertext, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => box.open({ ...sealed, ciphertext: flipped.toString('base64') })).toThrowError(/could not be decrypted/);
    expect(() => box.open({ ...sealed, keyId: 'k_000000000000' })).toThrowError(/not the current key/);
    expect(() => createSecretBox(randomBytes(32)).open(sealed)).toThrow();
    expect(() => createSecretBox(randomBytes(16))).toThrowError(/32 bytes/);
  });
});
