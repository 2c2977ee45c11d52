// Persistence of workflow documents. Every read and write is scoped to the owner: another user's workflow does
// not exist for the caller.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { workflows, type WorkflowRow } from './schema.js';

export async function insertWorkflow(db: Database, values: { ownerId: string; name: string; document: unknown }): Promise<WorkflowRow> {
  const [row] = await db
    .insert(workflows)
    .values({ id: newId('wf'), ownerId: values.ownerId, name: values.name, document: values.document })
    .returning();
  if (!row) throw new Error('insert into workflows returned no row');
  return row;
}

export async function updateWorkflow(
  db: Database,
  ownerId: string,
  id: string,
  values: { name: string; document: unknown },
): Promise<WorkflowRow | undefined> {
  const [row] = await db
    .update(workflows)
    .set({ name: values.name, document: values.document, version: sql`${workflows.version} + 1`, updatedAt: new Date() })
    .where(and(eq(workflows.id, id), eq(workflows.ownerId, ownerId)))
    .returning();
  return row;
}

export async function findWorkflow(db: Database, ownerId: string, id: string): Promise<WorkflowRow | undefined> {
  const [row] = await db
    .select()
    .from(workflows)
    .where(and(eq(workflows.id, id), eq(workflows.ownerId, ownerId)));
  return row;
}

export async function listWorkflows(db: Database, ownerId: string, options: { limit: number; offset: number }): Promise<WorkflowRow[]> {
  return db
    .select()
    .from(workflows)
    .where(eq(workflows.ownerId, ownerId))
    .orderBy(desc(workflows.createdAt), desc(workflows.id))
    .limit(options.limit)
    .offset(options.offset);
}
