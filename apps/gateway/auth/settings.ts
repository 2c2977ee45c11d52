// Token lifetimes and the signing key. The key is derived from the master key (HKDF), so a deployment has one
// secret to manage; rotating the master key signs every session out, which is what a rotation should do.
import { hkdfSync } from 'node:crypto';

export interface AuthSettings {
  jwtSecret: Buffer;
  accessTokenTtlSeconds: number;
  refreshTokenTtlMs: number;
  /** How long a rotated API key keeps working unless the caller asks otherwise. */
  defaultRotationGraceMs: number;
}

export function authSettingsFrom(masterKey: Buffer, overrides: Partial<Omit<AuthSettings, 'jwtSecret'>> = {}): AuthSettings {
  return {
    jwtSecret: Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'loom:jwt-signing', 32)),
    accessTokenTtlSeconds: 15 * 60,
    refreshTokenTtlMs: 30 * 24 * 3600 * 1000,
    defaultRotationGraceMs: 24 * 3600 * 1000,
    ...overrides,
  };
}
