// Sealing secrets: AES-256-GCM under a master key. Each ciphertext carries the id of the key that sealed it, so
// keys can be rotated: a box seals under its current key and opens under whichever key a ciphertext names, the
// current one or a previous one, until `loom rotate-key` has re-sealed the old rows (db/credential-rotation.ts).
// Where the keys come from is platform/keyring.ts.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface Sealed {
  keyId: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export interface SecretBox {
  /** The key new secrets are sealed under. */
  keyId: string;
  /** Every key this box opens: the current one first, then the previous ones. */
  keyIds: readonly string[];
  seal(plaintext: string): Sealed;
  open(sealed: Sealed): string;
}

export const SECRET_ERRORS = {
  SECRET_KEY_INVALID: 'A master key is not 32 bytes (base64 of 32 random bytes)',
  SECRET_KEY_MISSING: 'No master key: set LOOM_MASTER_KEY, or start the embedded stack once to generate one',
  SECRET_KEY_UNKNOWN: 'Sealed under a key this process does not hold',
  SECRET_UNREADABLE: 'A secret could not be decrypted (wrong key or tampered data)',
} as const;

export type SecretErrorCode = keyof typeof SECRET_ERRORS;

export class SecretError extends Error {
  constructor(
    readonly code: SecretErrorCode,
    message: string = SECRET_ERRORS[code],
  ) {
    super(message);
  }
}

/** Identifies a key without revealing it: the first bytes of its hash. */
export function keyIdOf(key: Buffer): string {
  return `k_${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

/** A keyring: seals under `current`, opens under `current` or any of `previous` (keys being rotated out). */
export function createSecretBox(current: Buffer, previous: readonly Buffer[] = []): SecretBox {
  const keys = new Map<string, Buffer>();
  for (const key of [current, ...previous]) {
    if (key.length !== 32) throw new SecretError('SECRET_KEY_INVALID', 'The master key must be 32 bytes (base64 of 32 random bytes)');
    if (!keys.has(keyIdOf(key))) keys.set(keyIdOf(key), key);
  }
  const keyId = keyIdOf(current);
  return {
    keyId,
    keyIds: [...keys.keys()],
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      // The key id is authenticated too: a ciphertext cannot be relabelled to another key.
      cipher.setAAD(Buffer.from(keyId));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { keyId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
    },
    open(sealed) {
      const key = keys.get(sealed.keyId);
      if (!key)
        throw new SecretError(
          'SECRET_KEY_UNKNOWN',
          `Sealed under key ${sealed.keyId}, which is neither the current key ${keyId} nor a previous one`,
        );
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
        decipher.setAAD(Buffer.from(sealed.keyId));
        decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretError('SECRET_UNREADABLE', 'A credential could not be decrypted (wrong key or tampered data)');
      }
    },
  };
}
