// The first account. A fresh installation has no user, and every route but health and login needs one: the first
// start creates an admin (from LOOM_ADMIN_EMAIL / LOOM_ADMIN_PASSWORD, or with a generated password that the
// embedded stack shows once and keeps in a 0600 file under the data folder), and hands it any data written before
// accounts existed.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db/client.js';
import { bootstrapFirstAdmin, countUsers } from '../db/user-store.js';
import { hashPassword, PASSWORD_MIN_LENGTH } from './passwords.js';

export const DEFAULT_ADMIN_EMAIL = 'admin@loom.local';

export type FirstAdmin = { created: false } | { created: true; email: string; generatedPassword?: { password: string; file: string } };

export async function ensureFirstAdmin(
  db: Database,
  options: { email?: string | undefined; password?: string | undefined; dataDir?: string | undefined },
): Promise<FirstAdmin> {
  if ((await countUsers(db)) > 0) return { created: false };
  if (options.password !== undefined && options.password.length < PASSWORD_MIN_LENGTH) {
    throw new Error(`LOOM_ADMIN_PASSWORD must have at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (options.password === undefined && !options.dataDir) return { created: false };
  const email = options.email ?? DEFAULT_ADMIN_EMAIL;
  const password = options.password ?? randomBytes(18).toString('base64url');
  const admin = await bootstrapFirstAdmin(db, { email, name: 'Administrator', passwordHash: await hashPassword(password) });
  if (!admin) return { created: false };
  if (options.password !== undefined || !options.dataDir) return { created: true, email };
  const file = path.join(options.dataDir, 'admin-password.txt');
  await writeFile(file, `${email}\n${password}\n`, { mode: 0o600 });
  return { created: true, email, generatedPassword: { password, file } };
}
