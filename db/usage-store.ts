// Usage per user and UTC day. Each event is one upsert that adds to a counter, so concurrent writers never lose
// a count and a day's row is created by whichever comes first.
import { and, asc, eq, gte, lte, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { nodeExecutions, runs, usageDaily, type UsageRow } from './schema.js';

export type UsageCounter = 'compiles' | 'runs' | 'nodeExecutions' | 'llmTokens' | 'aiCalls';

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export async function addUsage(db: Database, userId: string, counter: UsageCounter, amount: number, at: Date): Promise<void> {
  if (amount <= 0) return;
  const column = usageDaily[counter];
  await db
    .insert(usageDaily)
    .values({ userId, day: utcDay(at), [counter]: amount })
    .onConflictDoUpdate({ target: [usageDaily.userId, usageDaily.day], set: { [counter]: sql`${column} + ${amount}` } });
}

/**
 * Counts one more `counter` for the user today unless that reaches past `limit` (null: unlimited): true when counted.
 * One statement, so concurrent callers can never take more than the limit between them.
 */
export async function claimUsage(db: Database, userId: string, counter: UsageCounter, limit: number | null, at: Date): Promise<boolean> {
  if (limit === null) {
    await addUsage(db, userId, counter, 1, at);
    return true;
  }
  if (limit < 1) return false;
  const column = usageDaily[counter];
  const rows = await db
    .insert(usageDaily)
    .values({ userId, day: utcDay(at), [counter]: 1 })
    .onConflictDoUpdate({
      target: [usageDaily.userId, usageDaily.day],
      set: { [counter]: sql`${column} + 1` },
      setWhere: sql`${column} < ${limit}`,
    })
    .returning({ n: column });
  return rows.length > 0;
}

/**
 * Adds a finished run's node executions and LLM tokens to its owner's usage, on the day it finished. Called once per
 * run, by whoever moved it to its terminal status (see markRunFinished), so a retry never counts twice.
 */
export async function recordRunUsage(db: Database, runId: string, at: Date): Promise<void> {
  const [row] = await db
    .select({
      ownerId: runs.ownerId,
      executed: sql<string>`count(*) filter (where ${nodeExecutions.status} in ('completed', 'failed'))`,
      tokens: sql<
        string | null
      >`sum(case when jsonb_typeof(${nodeExecutions.output} -> 'usage' -> 'totalTokens') = 'number' then (${nodeExecutions.output} -> 'usage' ->> 'totalTokens')::bigint end)`,
    })
    .from(runs)
    .leftJoin(nodeExecutions, eq(nodeExecutions.runId, runs.id))
    .where(eq(runs.id, runId))
    .groupBy(runs.ownerId);
  if (!row) return;
  await addUsage(db, row.ownerId, 'nodeExecutions', Number(row.executed), at);
  await addUsage(db, row.ownerId, 'llmTokens', Number(row.tokens ?? 0), at);
}

export async function listUsage(db: Database, f: { userId?: string | undefined; from: string; to: string }): Promise<UsageRow[]> {
  const where = [gte(usageDaily.day, f.from), lte(usageDaily.day, f.to), f.userId ? eq(usageDaily.userId, f.userId) : undefined].filter(
    (w) => w !== undefined,
  );
  return db
    .select()
    .from(usageDaily)
    .where(and(...where))
    .orderBy(asc(usageDaily.day), asc(usageDaily.userId));
}
