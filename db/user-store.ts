// Users: created by an admin (or the first-start bootstrap), found by email at login and by id on every request.
import { asc, count, eq, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { credentials, humanRequests, runs, users, workflows, type Role, type Tier, type UserRow } from './schema.js';

export const UNCLAIMED_OWNER = 'usr_unclaimed';

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string;
  role?: Role;
  tier?: Tier;
  groups?: string[];
}

export class UserExistsError extends Error {
  readonly code = 'USER_EXISTS';
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function insertUser(db: Database, u: NewUser): Promise<UserRow> {
  const rows = await db
    .insert(users)
    .values({
      id: newId('usr'),
      email: normaliseEmail(u.email),
      name: u.name,
      passwordHash: u.passwordHash,
      role: u.role ?? 'user',
      tier: u.tier ?? 'free',
      groups: u.groups ?? [],
    })
    .onConflictDoNothing({ target: users.email })
    .returning();
  const row = rows[0];
  if (!row) throw new UserExistsError(`A user with email ${normaliseEmail(u.email)} already exists`);
  return row;
}

export async function findUserByEmail(db: Database, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(users.email, normaliseEmail(email)));
  return row;
}

export async function findUser(db: Database, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

export async function listUsers(db: Database, page: { limit: number; offset: number }): Promise<UserRow[]> {
  return db.select().from(users).orderBy(asc(users.createdAt), asc(users.id)).limit(page.limit).offset(page.offset);
}

export async function updateUser(
  db: Database,
  id: string,
  patch: Partial<{ name: string; role: Role; tier: Tier; groups: string[]; disabled: boolean; passwordHash: string }>,
): Promise<UserRow | undefined> {
  const { disabled, ...rest } = patch;
  const set = { ...rest, ...(disabled === undefined ? {} : { disabledAt: disabled ? new Date() : null }) };
  if (Object.keys(set).length === 0) return findUser(db, id);
  const [row] = await db.update(users).set(set).where(eq(users.id, id)).returning();
  return row;
}

export async function countUsers(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return row?.n ?? 0;
}

/**
 * Creates the first admin when there is no user yet, and hands it everything written before accounts existed.
 * Returns undefined when users already exist (a second start, or a race another process won).
 */
export async function bootstrapFirstAdmin(db: Database, u: Omit<NewUser, 'role'>): Promise<UserRow | undefined> {
  return db.transaction(async (tx) => {
    // One bootstrap at a time, across processes sharing the database.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('loom:bootstrap-admin'))`);
    const [existing] = await tx.select({ n: count() }).from(users);
    if ((existing?.n ?? 0) > 0) return undefined;
    const admin = await insertUser(tx as unknown as Database, { ...u, role: 'admin', tier: u.tier ?? 'enterprise' });
    for (const table of [workflows, runs, credentials, humanRequests]) {
      await tx.update(table).set({ ownerId: admin.id }).where(eq(table.ownerId, UNCLAIMED_OWNER));
    }
    return admin;
  });
}
