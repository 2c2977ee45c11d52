// Human requests and the audit trail. Closing a request is conditional on it being open, so a request is decided once.
import { and, asc, desc, eq, gte, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from './client.js';
import { auditLog, humanRequests, runs, type AuditRow, type HumanRequestRow, type RequestKind, type RequestStatus } from './schema.js';

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
  assignees?: string[];
  requiredApprovals?: number;
  forbidSelfApproval?: boolean;
}

/**
 * Announced at commit with the request's id whenever one opens, gains an approval or closes: live inboxes
 * (the WebSocket) read the row and show it to whoever may see it.
 */
export const REQUESTS_CHANNEL = 'loom_requests';

const announce = (tx: Pick<Database, 'execute'>, id: string) => tx.execute(sql`select pg_notify(${REQUESTS_CHANNEL}, ${id})`);

/** Idempotent: an activity retried after a lost reply finds the row already there. */
export async function insertRequest(db: Database, r: NewHumanRequest): Promise<void> {
  await db.transaction(async (tx) => {
    const inserted = await insertRequestRow(tx, r);
    if (inserted) await announce(tx, r.id);
  });
}

async function insertRequestRow(db: Pick<Database, 'insert'>, r: NewHumanRequest): Promise<boolean> {
  const rows = await db
    .insert(humanRequests)
    // The owner is the run's, read in the same statement so it cannot disagree with the run.
    .values({
      ...r,
      ownerId: sql`(select ${runs.ownerId} from ${runs} where ${runs.id} = ${r.runId})`,
      allowFreeText: r.allowFreeText ? 1 : 0,
      details: r.details ?? null,
      forbidSelfApproval: r.forbidSelfApproval ? 1 : 0,
    })
    .onConflictDoNothing()
    .returning({ id: humanRequests.id });
  return rows.length > 0;
}

/** Returns false when the request was no longer open. */
export async function closeRequest(
  db: Database,
  id: string,
  values: { status: Exclude<RequestStatus, 'open'>; answer: unknown; by: string; via: string; at: Date },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(humanRequests)
      .set({ status: values.status, answer: values.answer ?? null, answeredBy: values.by, answeredVia: values.via, answeredAt: values.at })
      .where(and(eq(humanRequests.id, id), eq(humanRequests.status, 'open')))
      .returning({ id: humanRequests.id });
    if (rows.length > 0) await announce(tx, id);
    return rows.length > 0;
  });
}

export async function findRequest(db: Database, id: string): Promise<HumanRequestRow | undefined> {
  const [row] = await db.select().from(humanRequests).where(eq(humanRequests.id, id));
  return row;
}

/** Who is looking: requests of their own runs, and requests that name them or one of their groups as answerers. */
export interface RequestViewer {
  userId: string;
  groups: readonly string[];
}

export function audienceKeys(viewer: RequestViewer): string[] {
  return [viewer.userId, ...viewer.groups.map((g) => `group:${g}`)];
}

function visibleTo(viewer: RequestViewer): SQL {
  const keys = sql.join(
    audienceKeys(viewer).map((k) => sql`${k}`),
    sql`, `,
  );
  return or(eq(humanRequests.ownerId, viewer.userId), sql`${humanRequests.assignees} ?| array[${keys}]::text[]`) as SQL;
}

/** The rule of `visibleTo`, for a row already in hand (live inboxes read a request once for all their sockets). */
export function requestVisibleTo(row: Pick<HumanRequestRow, 'ownerId' | 'assignees'>, viewer: RequestViewer): boolean {
  return row.ownerId === viewer.userId || audienceKeys(viewer).some((k) => row.assignees.includes(k));
}

export async function findVisibleRequest(db: Database, viewer: RequestViewer, id: string): Promise<HumanRequestRow | undefined> {
  const [row] = await db
    .select()
    .from(humanRequests)
    .where(and(eq(humanRequests.id, id), visibleTo(viewer)));
  return row;
}

export async function listRequests(
  db: Database,
  viewer: RequestViewer,
  f: { status?: RequestStatus | undefined; runId?: string | undefined; limit: number },
): Promise<HumanRequestRow[]> {
  const where = [
    visibleTo(viewer),
    f.status ? eq(humanRequests.status, f.status) : undefined,
    f.runId ? eq(humanRequests.runId, f.runId) : undefined,
  ].filter((w) => w !== undefined);
  return db
    .select()
    .from(humanRequests)
    .where(and(...where))
    .orderBy(desc(humanRequests.createdAt))
    .limit(f.limit);
}

/**
 * Records one approver's approval of an open request, once per user (conditional update: concurrent approvals
 * by different people both count, a repeated one does not). Returns the approvals after the change, or
 * undefined when the request is closed or this user had already approved.
 */
export async function addApproval(
  db: Database,
  id: string,
  userId: string,
  at: Date,
): Promise<{ userId: string; at: string }[] | undefined> {
  const entry = JSON.stringify([{ userId, at: at.toISOString() }]);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(humanRequests)
      .set({ approvals: sql`${humanRequests.approvals} || ${entry}::jsonb` })
      .where(
        and(
          eq(humanRequests.id, id),
          eq(humanRequests.status, 'open'),
          sql`not (${humanRequests.approvals} @> ${JSON.stringify([{ userId }])}::jsonb)`,
        ),
      )
      .returning({ approvals: humanRequests.approvals });
    if (row) await announce(tx, id);
    return row?.approvals;
  });
}

export async function appendAudit(db: Database, entry: Omit<typeof auditLog.$inferInsert, 'id' | 'at'>): Promise<void> {
  await db.insert(auditLog).values(entry);
}

export async function listAudit(db: Database, runId: string): Promise<AuditRow[]> {
  return db.select().from(auditLog).where(eq(auditLog.runId, runId)).orderBy(asc(auditLog.at), asc(auditLog.id));
}

/**
 * Every decision across all runs, newest first, for administrators: by actor, by run, since a time. Paged by id
 * (`before`: the smallest id of the previous page), which stays stable while new rows are appended.
 */
export async function listAllAudit(
  db: Database,
  f: { actor?: string | undefined; runId?: string | undefined; since?: Date | undefined; before?: number | undefined; limit: number },
): Promise<AuditRow[]> {
  const where = [
    f.actor ? eq(auditLog.actor, f.actor) : undefined,
    f.runId ? eq(auditLog.runId, f.runId) : undefined,
    f.since ? gte(auditLog.at, f.since) : undefined,
    f.before !== undefined ? lt(auditLog.id, f.before) : undefined,
  ].filter((w) => w !== undefined);
  return db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(f.limit);
}

/** Requests waiting for an answer, across every owner: the operator's gauge (loom_human_requests_open). */
export async function countOpenRequests(db: Database): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(humanRequests)
    .where(eq(humanRequests.status, 'open'));
  return row?.n ?? 0;
}
