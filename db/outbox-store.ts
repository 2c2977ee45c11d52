// The notification outbox: enqueue idempotently, claim due messages, record each delivery attempt.
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { notificationOutbox } from './schema.js';

export type OutboxRow = typeof notificationOutbox.$inferSelect;

export async function enqueueNotification(
  db: Database,
  n: { requestId: string; channel: string; target: string; payload: unknown },
): Promise<void> {
  await db.insert(notificationOutbox).values(n).onConflictDoNothing();
}

export async function dueNotifications(db: Database, limit: number): Promise<OutboxRow[]> {
  return db
    .select()
    .from(notificationOutbox)
    .where(and(eq(notificationOutbox.status, 'pending'), lte(notificationOutbox.nextAttemptAt, sql`now()`)))
    .orderBy(asc(notificationOutbox.nextAttemptAt))
    .limit(limit);
}

/** Takes a due message for one minute; false when another dispatcher took it first. */
export async function claimNotification(db: Database, id: number): Promise<boolean> {
  const rows = await db
    .update(notificationOutbox)
    .set({ nextAttemptAt: sql`now() + interval '1 minute'` })
    .where(and(eq(notificationOutbox.id, id), eq(notificationOutbox.status, 'pending'), lte(notificationOutbox.nextAttemptAt, sql`now()`)))
    .returning({ id: notificationOutbox.id });
  return rows.length > 0;
}

export async function markSent(db: Database, id: number): Promise<void> {
  await db
    .update(notificationOutbox)
    .set({ status: 'sent', sentAt: new Date(), attempts: sql`${notificationOutbox.attempts} + 1`, lastError: null })
    .where(eq(notificationOutbox.id, id));
}

export async function markAttemptFailed(db: Database, id: number, error: string, next: Date | undefined): Promise<void> {
  await db
    .update(notificationOutbox)
    .set({
      status: next ? 'pending' : 'failed',
      attempts: sql`${notificationOutbox.attempts} + 1`,
      lastError: error.slice(0, 1_000),
      ...(next ? { nextAttemptAt: next } : {}),
    })
    .where(eq(notificationOutbox.id, id));
}

/** Notifications not yet delivered, due or waiting for their next attempt (loom_outbox_backlog). */
export async function countOutboxBacklog(db: Database): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(notificationOutbox)
    .where(eq(notificationOutbox.status, 'pending'));
  return row?.n ?? 0;
}
