// AI drafts and the record of every model call. A draft is its owner's alone and expires: reads skip the expired,
// and applying is a compare-and-set from `ready`, so a draft is applied once however often the request is sent.
import { and, desc, eq, gt, lt } from 'drizzle-orm';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { aiCalls, aiDrafts, type AiDraftKind, type AiDraftRow, type AiDraftStatus } from './schema.js';

/** How long a draft waits to be applied. */
export const DRAFT_LIFETIME_MS = 24 * 60 * 60 * 1000;

export async function insertDraft(
  db: Database,
  d: {
    ownerId: string;
    kind: AiDraftKind;
    workflowId?: string;
    baseVersion?: number;
    status: AiDraftStatus;
    prompt: string;
    body: unknown;
    now: Date;
  },
): Promise<AiDraftRow> {
  const [row] = await db
    .insert(aiDrafts)
    .values({
      id: newId('draft'),
      ownerId: d.ownerId,
      kind: d.kind,
      workflowId: d.workflowId ?? null,
      baseVersion: d.baseVersion ?? null,
      status: d.status,
      prompt: d.prompt,
      body: d.body,
      expiresAt: new Date(d.now.getTime() + DRAFT_LIFETIME_MS),
    })
    .returning();
  if (!row) throw new Error('insert into ai_drafts returned no row');
  return row;
}

export async function findDraft(db: Database, ownerId: string, id: string, now: Date): Promise<AiDraftRow | undefined> {
  const [row] = await db
    .select()
    .from(aiDrafts)
    .where(and(eq(aiDrafts.id, id), eq(aiDrafts.ownerId, ownerId), gt(aiDrafts.expiresAt, now)));
  return row;
}

export async function listDrafts(db: Database, ownerId: string, now: Date, page: { limit: number; offset: number }): Promise<AiDraftRow[]> {
  return db
    .select()
    .from(aiDrafts)
    .where(and(eq(aiDrafts.ownerId, ownerId), gt(aiDrafts.expiresAt, now)))
    .orderBy(desc(aiDrafts.createdAt), desc(aiDrafts.id))
    .limit(page.limit)
    .offset(page.offset);
}

/** Marks a ready draft applied, once: false when it was applied (or expired) meanwhile. */
export async function markDraftApplied(
  db: Database,
  ownerId: string,
  id: string,
  applied: { workflowId: string; version: number },
): Promise<boolean> {
  const rows = await db
    .update(aiDrafts)
    .set({ status: 'applied', appliedWorkflowId: applied.workflowId, appliedVersion: applied.version })
    .where(and(eq(aiDrafts.id, id), eq(aiDrafts.ownerId, ownerId), eq(aiDrafts.status, 'ready')))
    .returning({ id: aiDrafts.id });
  return rows.length > 0;
}

/** Drafts past their lifetime, deleted (called on the way, so the table does not grow without bound). */
export async function deleteExpiredDrafts(db: Database, now: Date): Promise<void> {
  await db.delete(aiDrafts).where(lt(aiDrafts.expiresAt, now));
}

export async function recordAiCall(db: Database, call: typeof aiCalls.$inferInsert): Promise<void> {
  await db.insert(aiCalls).values(call);
}
