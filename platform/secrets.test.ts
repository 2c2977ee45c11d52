import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, SecretError, type SecretErrorCode } from './secrets.js';

function codeOf(fn: () => unknown): SecretErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SecretError) return err.code;
    throw err;
  }
  return undefined;
}

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

  it('refuses tampered data, an unknown key id, and another key', () => {
    const sealed = box.seal('value');
    const flipped = Buffer.from(sealed.ciphertext, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(codeOf(() => box.open({ ...sealed, ciphertext: flipped.toString('base64') }))).toBe('SECRET_UNREADABLE');
    expect(codeOf(() => box.open({ ...sealed, keyId: 'k_000000000000' }))).toBe('SECRET_KEY_UNKNOWN');
    expect(codeOf(() => createSecretBox(randomBytes(32)).open(sealed))).toBe('SECRET_KEY_UNKNOWN');
    expect(codeOf(() => createSecretBox(randomBytes(16)))).toBe('SECRET_KEY_INVALID');
    expect(codeOf(() => createSecretBox(randomBytes(32), [randomBytes(31)]))).toBe('SECRET_KEY_INVALID');
  });
});

describe('keyring', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const before = createSecretBox(oldKey);
  const sealedOld = before.seal('old secret');
  const ring = createSecretBox(newKey, [oldKey]);

  it('opens what a previous key sealed and seals under the current key', () => {
    expect(ring.open(sealedOld)).toBe('old secret');
    const sealedNew = ring.seal('new secret');
    expect(sealedNew.keyId).toBe(ring.keyId);
    expect(ring.keyId).toBe(createSecretBox(newKey).keyId);
    expect(ring.keyIds).toEqual([ring.keyId, before.keyId]);
    expect(createSecretBox(newKey).open(sealedNew)).toBe('new secret');
    // The previous key alone cannot open what the current key sealed.
    expect(codeOf(() => before.open(sealedNew))).toBe('SECRET_KEY_UNKNOWN');
  });

  it('refuses a ciphertext relabelled to another key of the ring (the key id is authenticated)', () => {
    expect(codeOf(() => ring.open({ ...sealedOld, keyId: ring.keyId }))).toBe('SECRET_UNREADABLE');
    const sealedNew = ring.seal('new secret');
    expect(codeOf(() => ring.open({ ...sealedNew, keyId: before.keyId }))).toBe('SECRET_UNREADABLE');
  });

  it('ignores a previous key repeated or equal to the current one', () => {
    expect(createSecretBox(newKey, [newKey, oldKey, oldKey]).keyIds).toEqual([ring.keyId, before.keyId]);
  });
});
