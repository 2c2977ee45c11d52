// Human requests and the audit trail. Closing a request is conditional on it being open, so a request is decided once.
import { and, asc, desc, eq } from 'drizzle-orm';
import type { Database } from './client.js';
import { auditLog, humanRequests, type AuditRow, type HumanRequestRow, type RequestKind, type RequestStatus } from './schema.js';

export interface NewHumanRequest {
  id: string;
  runId: string;
  nodeId: string;
  kind: RequestKind;
  question: string;
  options: { value: string; label: string }[];
  allowFreeText: boolean;
  details?: unknown;
  timeoutAction: string;
  expiresAt: Date;
}

/** Idempotent: an activity retried after a lost reply finds the row already there. */
export async function insertRequest(db: Database, r: NewHumanRequest): Promise<void> {
  await db
    .insert(humanRequests)
    .values({ ...r, allowFreeText: r.allowFreeText ? 1 : 0, details: r.details ?? null })
    .onConflictDoNothing();
}

/** Returns false when the request was no longer open. */
export async function closeRequest(
  db: Database,
  id: string,
  values: { status: Exclude<RequestStatus, 'open'>; answer: unknown; by: string; via: string; at: Date },
): Promise<boolean> {
  const rows = await db
    .update(humanRequests)
    .set({ status: values.status, answer: values.answer ?? null, answeredBy: values.by, answeredVia: values.via, answeredAt: values.at })
    .where(and(eq(humanRequests.id, id), eq(humanRequests.status, 'open')))
    .returning({ id: humanRequests.id });
  return rows.length > 0;
}

export async function findRequest(db: Database, id: string): Promise<HumanRequestRow | undefined> {
  const [row] = await db.select().from(humanRequests).where(eq(humanRequests.id, id));
  return row;
}

export async function listRequests(db: Database, f: { status?: RequestStatus | undefined; runId?: string | undefined; limit: number }): Promise<HumanRequestRow[]> {
  const where = [f.status ? eq(humanRequests.status, f.status) : undefined, f.runId ? eq(humanRequests.runId, f.runId) : undefined].filter((w) => w !== undefined);
  return db.select().from(humanRequests).where(and(...where)).orderBy(desc(humanRequests.createdAt)).limit(f.limit);
}

export async function appendAudit(db: Database, entry: Omit<typeof auditLog.$inferInsert, 'id' | 'at'>): Promise<void> {
  await db.insert(auditLog).values(entry);
}

export async function listAudit(db: Database, runId: string): Promise<AuditRow[]> {
  return db.select().from(auditLog).where(eq(auditLog.runId, runId)).orderBy(asc(auditLog.at), asc(auditLog.id));
}
