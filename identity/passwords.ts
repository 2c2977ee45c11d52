// Password hashing with argon2id (OWASP's first choice), through @node-rs/argon2: prebuilt native binaries, no
// install script, and hashing runs off the event loop. Parameters are stored in each hash, so raising them later
// only affects new hashes; `needsRehash` tells login to upgrade an old one.
import { hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id`: the package's const enum cannot be imported under verbatimModuleSyntax. */
const ARGON2ID = 2;

/** OWASP 2024 minimum for argon2id: 19 MiB, 2 iterations, 1 lane. */
const PARAMS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 10;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    // A malformed stored hash is a failed login, never a crash.
    return false;
  }
}

/**
 * A hash to verify against when the email is unknown, so "no such user" and "wrong password" take the same time
 * and a caller cannot enumerate accounts by timing.
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword('decoy-password-for-timing');
  return decoy;
}
