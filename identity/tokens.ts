// Opaque secrets Loom hands out: API keys and refresh tokens. Both carry 256 random bits, so they are stored as
// SHA-256 (a slow hash protects guessable passwords; it adds nothing at this entropy) and compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const API_KEY = /^loom_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
const PREFIX_ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `loom_<prefix>_<secret>`: the prefix finds the row and tells keys apart in a list; the secret is shown once. */
export function newApiKey(): { key: string; prefix: string; hash: string } {
  const bytes = randomBytes(8);
  const prefix = Array.from(bytes, (b) => PREFIX_ALPHABET[b % PREFIX_ALPHABET.length]).join('');
  const key = `loom_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: sha256(key) };
}

export function isApiKey(text: string): boolean {
  return text.startsWith('loom_');
}

export function parseApiKey(key: string): { prefix: string } | undefined {
  const m = API_KEY.exec(key);
  return m?.[1] ? { prefix: m[1] } : undefined;
}

export function newRefreshToken(): { token: string; hash: string } {
  const token = `lrt_${randomBytes(32).toString('base64url')}`;
  return { token, hash: sha256(token) };
}
