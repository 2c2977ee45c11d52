// Credentials at rest: values sealed as one ciphertext, non-secret fields kept readable for display.
// Every opening is written to credential_access with the run and node that asked.
import { and, desc, eq } from 'drizzle-orm';
import type { SecretBox } from '../platform/secrets.js';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { credentialAccess, credentials, type CredentialRow } from './schema.js';

export async function insertCredential(
  db: Database,
  box: SecretBox,
  c: { ownerId: string; type: string; name: string; values: Record<string, string>; secretFields: string[] },
): Promise<CredentialRow> {
  const sealed = box.seal(JSON.stringify(c.values));
  const visible = Object.fromEntries(Object.entries(c.values).filter(([k]) => !c.secretFields.includes(k)));
  const [row] = await db
    .insert(credentials)
    .values({ id: newId('cred'), ownerId: c.ownerId, type: c.type, name: c.name, visible, ...sealed })
    .returning();
  if (!row) throw new Error('insert into credentials returned no row');
  return row;
}

export async function listCredentials(db: Database, ownerId: string): Promise<CredentialRow[]> {
  return db.select().from(credentials).where(eq(credentials.ownerId, ownerId)).orderBy(desc(credentials.createdAt));
}

export async function findCredential(db: Database, ownerId: string, id: string): Promise<CredentialRow | undefined> {
  const [row] = await db
    .select()
    .from(credentials)
    .where(and(eq(credentials.id, id), eq(credentials.ownerId, ownerId)));
  return row;
}

export async function deleteCredential(db: Database, ownerId: string, id: string): Promise<boolean> {
  return (
    (
      await db
        .delete(credentials)
        .where(and(eq(credentials.id, id), eq(credentials.ownerId, ownerId)))
        .returning({ id: credentials.id })
    ).length > 0
  );
}

export async function openCredential(
  db: Database,
  box: SecretBox,
  id: string,
  access: { ownerId: string; runId?: string; nodeId?: string; purpose: string },
): Promise<{ type: string; values: Record<string, string> } | undefined> {
  // Scoped to the run's owner: a plan that names someone else's credential id opens nothing.
  const row = await findCredential(db, access.ownerId, id);
  if (!row) return undefined;
  const values = JSON.parse(box.open(row)) as Record<string, string>;
  await db
    .insert(credentialAccess)
    .values({ credentialId: id, runId: access.runId ?? null, nodeId: access.nodeId ?? null, purpose: access.purpose });
  return { type: row.type, values };
}
