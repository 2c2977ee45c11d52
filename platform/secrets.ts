// Sealing secrets: AES-256-GCM under a master key. Each ciphertext carries the id of the key that sealed it, so
// keys can be rotated. The master key comes from LOOM_MASTER_KEY (base64, 32 bytes); for the embedded stack
// only, one is generated once into the data folder (mode 0600) so `npm start` works with nothing to set up.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Sealed {
  keyId: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export interface SecretBox {
  keyId: string;
  seal(plaintext: string): Sealed;
  open(sealed: Sealed): string;
}

export class SecretError extends Error {
  readonly code = 'SECRET_UNREADABLE';
}

/** Identifies a key without revealing it: the first bytes of its hash. */
function keyIdOf(key: Buffer): string {
  return `k_${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

export function createSecretBox(masterKey: Buffer): SecretBox {
  if (masterKey.length !== 32) throw new SecretError('The master key must be 32 bytes (base64 of 32 random bytes)');
  const keyId = keyIdOf(masterKey);
  return {
    keyId,
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
      // The key id is authenticated too: a ciphertext cannot be relabelled to another key.
      cipher.setAAD(Buffer.from(keyId));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { keyId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
    },
    open(sealed) {
      if (sealed.keyId !== keyId) throw new SecretError(`Sealed under key ${sealed.keyId}, not the current key ${keyId}`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(sealed.iv, 'base64'));
        decipher.setAAD(Buffer.from(keyId));
        decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretError('A credential could not be decrypted (wrong key or tampered data)');
      }
    },
  };
}

/** LOOM_MASTER_KEY when set; otherwise the embedded stack's generated key under the data folder. */
export async function loadMasterKey(options: { fromEnv: string | undefined; dataDir: string }): Promise<Buffer> {
  if (options.fromEnv) return Buffer.from(options.fromEnv, 'base64');
  const file = path.join(options.dataDir, 'master.key');
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch {
    const key = randomBytes(32);
    await mkdir(options.dataDir, { recursive: true });
    await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  }
}
