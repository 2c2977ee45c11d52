// Persistence of workflow documents. Every read and write is scoped to the owner: another user's workflow does
// not exist for the caller.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { workflows, workflowVersions, type WorkflowRow, type WorkflowVersionRow } from './schema.js';

/** The version the workflow row now holds, kept in its history (one transaction with the row's write). */
async function keepVersion(db: Database, row: WorkflowRow): Promise<void> {
  await db
    .insert(workflowVersions)
    .values({ workflowId: row.id, version: row.version, name: row.name, document: row.document, savedBy: row.ownerId });
}

export async function insertWorkflow(db: Database, values: { ownerId: string; name: string; document: unknown }): Promise<WorkflowRow> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Database;
    const [row] = await t
      .insert(workflows)
      .values({ id: newId('wf'), ownerId: values.ownerId, name: values.name, document: values.document })
      .returning();
    if (!row) throw new Error('insert into workflows returned no row');
    await keepVersion(t, row);
    return row;
  });
}

export type UpdateOutcome = { kind: 'updated'; row: WorkflowRow } | { kind: 'not_found' } | { kind: 'conflict'; current: number };

/**
 * Saves a new version. With `baseVersion`, only if the workflow is still at that version (optimistic concurrency:
 * two editors who loaded version 3 cannot both save version 4; the second learns the current version instead).
 */
export async function updateWorkflow(
  db: Database,
  ownerId: string,
  id: string,
  values: { name: string; document: unknown; baseVersion?: number | undefined },
): Promise<UpdateOutcome> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Database;
    const owned = and(eq(workflows.id, id), eq(workflows.ownerId, ownerId));
    const [row] = await t
      .update(workflows)
      .set({ name: values.name, document: values.document, version: sql`${workflows.version} + 1`, updatedAt: new Date() })
      .where(values.baseVersion === undefined ? owned : and(owned, eq(workflows.version, values.baseVersion)))
      .returning();
    if (row) {
      await keepVersion(t, row);
      return { kind: 'updated', row };
    }
    const [current] = await t.select({ version: workflows.version }).from(workflows).where(owned);
    return current ? { kind: 'conflict', current: current.version } : { kind: 'not_found' };
  });
}

/** A workflow's versions, newest first, without their documents (a history can be long). */
export async function listWorkflowVersions(
  db: Database,
  ownerId: string,
  id: string,
  options: { limit: number; offset: number },
): Promise<Omit<WorkflowVersionRow, 'document'>[]> {
  return db
    .select({
      workflowId: workflowVersions.workflowId,
      version: workflowVersions.version,
      name: workflowVersions.name,
      savedBy: workflowVersions.savedBy,
      createdAt: workflowVersions.createdAt,
    })
    .from(workflowVersions)
    .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
    .where(and(eq(workflowVersions.workflowId, id), eq(workflows.ownerId, ownerId)))
    .orderBy(desc(workflowVersions.version))
    .limit(options.limit)
    .offset(options.offset);
}

export async function findWorkflowVersion(
  db: Database,
  ownerId: string,
  id: string,
  version: number,
): Promise<WorkflowVersionRow | undefined> {
  const [row] = await db
    .select({
      workflowId: workflowVersions.workflowId,
      version: workflowVersions.version,
      name: workflowVersions.name,
      document: workflowVersions.document,
      savedBy: workflowVersions.savedBy,
      createdAt: workflowVersions.createdAt,
    })
    .from(workflowVersions)
    .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
    .where(and(eq(workflowVersions.workflowId, id), eq(workflowVersions.version, version), eq(workflows.ownerId, ownerId)));
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
