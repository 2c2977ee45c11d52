// Persistence of workflow documents.
import { desc, eq, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { workflows, type WorkflowRow } from './schema.js';

export async function insertWorkflow(db: Database, values: { name: string; document: unknown }): Promise<WorkflowRow> {
  const [row] = await db.insert(workflows).values({ id: newId('wf'), name: values.name, document: values.document }).returning();
  if (!row) throw new Error('insert into workflows returned no row');
  return row;
}

export async function updateWorkflow(db: Database, id: string, values: { name: string; document: unknown }): Promise<WorkflowRow | undefined> {
  const [row] = await db
    .update(workflows)
    .set({ name: values.name, document: values.document, version: sql`${workflows.version} + 1`, updatedAt: new Date() })
    .where(eq(workflows.id, id))
    .returning();
  return row;
}

export async function findWorkflow(db: Database, id: string): Promise<WorkflowRow | undefined> {
  const [row] = await db.select().from(workflows).where(eq(workflows.id, id));
  return row;
}

export async function listWorkflows(db: Database, options: { limit: number; offset: number }): Promise<WorkflowRow[]> {
  return db.select().from(workflows).orderBy(desc(workflows.createdAt), desc(workflows.id)).limit(options.limit).offset(options.offset);
}
