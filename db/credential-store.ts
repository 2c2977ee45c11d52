// Credentials at rest: values sealed as one ciphertext, non-secret fields kept readable for display.
// Every opening is written to credential_access with the run and node that asked.
import { desc, eq } from 'drizzle-orm';
import type { SecretBox } from '../platform/secrets.js';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { credentialAccess, credentials, type CredentialRow } from './schema.js';

export async function insertCredential(
  db: Database,
  box: SecretBox,
  c: { type: string; name: string; values: Record<string, string>; secretFields: string[] },
): Promise<CredentialRow> {
  const sealed = box.seal(JSON.stringify(c.values));
  const visible = Object.fromEntries(Object.entries(c.values).filter(([k]) => !c.secretFields.includes(k)));
  const [row] = await db.insert(credentials).values({ id: newId('cred'), type: c.type, name: c.name, visible, ...sealed }).returning();
  if (!row) throw new Error('insert into credentials returned no row');
  return row;
}

export async function listCredentials(db: Database): Promise<CredentialRow[]> {
  return db.select().from(credentials).orderBy(desc(credentials.createdAt));
}

export async function findCredential(db: Database, id: string): Promise<CredentialRow | undefined> {
  const [row] = await db.select().from(credentials).where(eq(credentials.id, id));
  return row;
}

export async function deleteCredential(db: Database, id: string): Promise<boolean> {
  return (await db.delete(credentials).where(eq(credentials.id, id)).returning({ id: credentials.id })).length > 0;
}

export async function openCredential(
  db: Database,
  box: SecretBox,
  id: string,
  access: { runId?: string; nodeId?: string; purpose: string },
): Promise<{ type: string; values: Record<string, string> } | undefined> {
  const row = await findCredential(db, id);
  if (!row) return undefined;
  const values = JSON.parse(box.open(row)) as Record<string, string>;
  await db.insert(credentialAccess).values({ credentialId: id, runId: access.runId ?? null, nodeId: access.nodeId ?? null, purpose: access.purpose });
  return { type: row.type, values };
}
