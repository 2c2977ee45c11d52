// Persistence of workflow documents. Every read and write is scoped to the owner: another user's workflow does
// not exist for the caller, and neither does a deleted one (its row stays for the runs that point at it).
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from './client.js';
import { derivedId, newId } from './ids.js';
import { workflows, workflowVersions, type WorkflowRow, type WorkflowVersionRow } from './schema.js';

/** The owner's workflow `id`, unless it was deleted. */
const ownedLive = (ownerId: string, id: string) => and(eq(workflows.id, id), eq(workflows.ownerId, ownerId), isNull(workflows.deletedAt));

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
    const owned = ownedLive(ownerId, id);
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
    .where(and(eq(workflowVersions.workflowId, id), ownedLive(ownerId, id)))
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
    .where(and(eq(workflowVersions.workflowId, id), eq(workflowVersions.version, version), ownedLive(ownerId, id)));
  return row;
}

export async function findWorkflow(db: Database, ownerId: string, id: string): Promise<WorkflowRow | undefined> {
  const [row] = await db.select().from(workflows).where(ownedLive(ownerId, id));
  return row;
}

export async function listWorkflows(db: Database, ownerId: string, options: { limit: number; offset: number }): Promise<WorkflowRow[]> {
  return db
    .select()
    .from(workflows)
    .where(and(eq(workflows.ownerId, ownerId), isNull(workflows.deletedAt)))
    .orderBy(desc(workflows.createdAt), desc(workflows.id))
    .limit(options.limit)
    .offset(options.offset);
}

/**
 * Pins `version` as the one triggers run (activation), or clears it (deactivation, `null`). Returns the row, or
 * undefined when the workflow is not the owner's or is deleted.
 */
export async function setActiveVersion(
  db: Database,
  ownerId: string,
  id: string,
  version: number | null,
): Promise<WorkflowRow | undefined> {
  const [row] = await db
    .update(workflows)
    .set({ activeVersion: version, activatedAt: version === null ? null : new Date() })
    .where(ownedLive(ownerId, id))
    .returning();
  return row;
}

/** Marks the workflow deleted (and inactive). Its runs, versions and plans stay; the owner no longer sees it. */
export async function markWorkflowDeleted(db: Database, ownerId: string, id: string): Promise<boolean> {
  const rows = await db
    .update(workflows)
    .set({ deletedAt: new Date(), activeVersion: null })
    .where(ownedLive(ownerId, id))
    .returning({ id: workflows.id });
  return rows.length > 0;
}

/** What the driver returns for the query below (node-postgres and PGlite alike carry `rows`). */
const NodeIdRowsSchema = z.object({ rows: z.array(z.object({ id: z.string() })) });

/**
 * The ids of the nodes of type `type` that any version of the workflow ever held: every trigger that may still own
 * something outside the database (a Temporal Schedule is named after its node), whatever is active now.
 */
export async function listNodeIdsEverOfType(db: Database, workflowId: string, type: string): Promise<string[]> {
  const result = await db.execute(sql`
    select distinct n->>'id' as id
    from ${workflowVersions} v,
      jsonb_array_elements(case when jsonb_typeof(v.document->'nodes') = 'array' then v.document->'nodes' else '[]'::jsonb end) n
    where v.workflow_id = ${workflowId} and n->>'type' = ${type} and jsonb_typeof(n->'id') = 'string'
    order by id`);
  return NodeIdRowsSchema.parse(result).rows.map((r) => r.id);
}

/**
 * The workflow a node test's runs (POST /v1/nodes/test, a document not yet saved) belong to: one per owner, made on
 * first use and born deleted, so no list, read or run of workflows ever shows it while its runs keep their owner.
 */
export async function nodeTestWorkflow(db: Database, ownerId: string): Promise<WorkflowRow> {
  const id = derivedId('wf', `node-tests:${ownerId}`);
  await db
    .insert(workflows)
    .values({ id, ownerId, name: 'Node tests', document: { nodes: [], edges: [] }, deletedAt: new Date() })
    .onConflictDoNothing();
  const [row] = await db
    .select()
    .from(workflows)
    .where(and(eq(workflows.id, id), eq(workflows.ownerId, ownerId)));
  if (!row) throw new Error(`node test workflow ${id} is missing`);
  return row;
}
