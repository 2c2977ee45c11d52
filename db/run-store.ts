// Persistence of runs and of what happened to each node in them.
// Writes are idempotent (keyed by run and node), because an activity may run again after a worker crash.
import { and, asc, desc, eq, gte, inArray, lt, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from './client.js';
import { newId } from './ids.js';
import { nodeExecutions, runs, type NodeExecutionRow, type NodeStatus, type RunRow, type RunStatus } from './schema.js';

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'terminated', 'timed_out'];

export async function insertRun(
  db: Database,
  values: {
    id?: string;
    ownerId: string;
    workflowId: string;
    plan: RunRow['plan'];
    planHash: string;
    trigger: string;
    input: unknown;
    startedBy?: string;
  },
): Promise<RunRow> {
  const id = values.id ?? newId('run');
  const [row] = await db
    .insert(runs)
    .values({
      id,
      ownerId: values.ownerId,
      workflowId: values.workflowId,
      status: 'queued',
      // The run id is the workflow id (`run_...`). Runs before #19 kept `run-<id>` (`run-run_...`); every handle reads
      // this column, so old and new resolve alike.
      temporalWorkflowId: id,
      plan: values.plan,
      planHash: values.planHash,
      trigger: values.trigger,
      startedBy: values.startedBy ?? 'local',
      input: values.input ?? null,
    })
    .returning();
  if (!row) throw new Error('insert into runs returned no row');
  return row;
}

/** With `ownerId`, another user's run is not found. Without it: the worker's view, which sees every run. */
export async function findRun(db: Database, id: string, ownerId?: string): Promise<RunRow | undefined> {
  const [row] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.id, id), ownerId === undefined ? undefined : eq(runs.ownerId, ownerId)));
  return row;
}

export interface RunFilter {
  ownerId: string;
  workflowId?: string | undefined;
  status?: RunStatus[] | undefined;
  /** Only runs created at or after this time (the console's time filter). */
  createdAfter?: Date | undefined;
  /** Keyset pagination: runs created before this run (exclusive). */
  before?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

/** Newest first; keyset pagination stays fast and stable while new runs arrive. */
export async function listRuns(db: Database, f: RunFilter): Promise<RunRow[]> {
  const where: SQL[] = [eq(runs.ownerId, f.ownerId)];
  if (f.workflowId) where.push(eq(runs.workflowId, f.workflowId));
  if (f.status && f.status.length > 0) where.push(inArray(runs.status, f.status));
  if (f.createdAfter) where.push(gte(runs.createdAt, f.createdAfter));
  if (f.before)
    where.push(or(lt(runs.createdAt, f.before.createdAt), and(eq(runs.createdAt, f.before.createdAt), lt(runs.id, f.before.id))) as SQL);
  return db
    .select()
    .from(runs)
    .where(and(...where))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(f.limit);
}

export async function listNodeExecutions(db: Database, runId: string): Promise<NodeExecutionRow[]> {
  return (
    db
      .select()
      .from(nodeExecutions)
      // The nodes themselves: a loop's body rows, one per item, are read per loop (listItemExecutions).
      .where(and(eq(nodeExecutions.runId, runId), eq(nodeExecutions.item, NOT_AN_ITEM)))
      .orderBy(asc(nodeExecutions.startedAt), asc(nodeExecutions.nodeId))
  );
}

/** One body node's executions in a loop, one row per item, in item order. */
export async function listItemExecutions(db: Database, runId: string, nodeId: string): Promise<NodeExecutionRow[]> {
  return db
    .select()
    .from(nodeExecutions)
    .where(and(eq(nodeExecutions.runId, runId), eq(nodeExecutions.nodeId, nodeId), gte(nodeExecutions.item, 0)))
    .orderBy(asc(nodeExecutions.item));
}

/** How many items of each loop body node reached each status: the run view's summary of per-item rows. */
export async function countItemExecutions(db: Database, runId: string): Promise<{ nodeId: string; status: NodeStatus; count: number }[]> {
  const rows = await db
    .select({ nodeId: nodeExecutions.nodeId, status: nodeExecutions.status, count: sql<string>`count(*)` })
    .from(nodeExecutions)
    .where(and(eq(nodeExecutions.runId, runId), gte(nodeExecutions.item, 0)))
    .groupBy(nodeExecutions.nodeId, nodeExecutions.status);
  return rows.map((r) => ({ nodeId: r.nodeId, status: r.status, count: Number(r.count) }));
}

/** Moves a run to `running`, unless it already reached a terminal status (a late retry must not resurrect it). */
export async function markRunStarted(db: Database, id: string, at: Date): Promise<void> {
  await db
    .update(runs)
    .set({ status: 'running', startedAt: at })
    .where(and(eq(runs.id, id), inArray(runs.status, ['queued', 'running'])));
}

/** Pause and resume: only while the run has not finished. */
export async function setRunStatus(db: Database, id: string, status: 'running' | 'paused'): Promise<void> {
  await db
    .update(runs)
    .set({ status })
    .where(and(eq(runs.id, id), inArray(runs.status, ['queued', 'running', 'paused'])));
}

/** Returns true only for the call that finished the run: a retried activity finds it finished and changes nothing. */
export async function markRunFinished(
  db: Database,
  id: string,
  values: { status: RunStatus; output?: unknown; error?: unknown; at: Date },
): Promise<boolean> {
  const rows = await db
    .update(runs)
    .set({ status: values.status, output: values.output ?? null, error: values.error ?? null, finishedAt: values.at })
    .where(and(eq(runs.id, id), notInArray(runs.status, [...TERMINAL_RUN_STATUSES])))
    .returning({ id: runs.id });
  return rows.length > 0;
}

/** The item column of a node's own row (db/schema.ts). */
export const NOT_AN_ITEM = -1;

export interface NodeExecutionUpdate {
  runId: string;
  nodeId: string;
  /** The loop item this row is for; omitted for the node itself. */
  item?: number;
  nodeType: string;
  status: NodeStatus;
  attempt: number;
  input?: unknown;
  output?: unknown;
  error?: unknown;
  /** The outputs a completed node fired, when the workflow settled it (see nodeExecutions.fired). */
  fired?: string[] | undefined;
  startedAt?: Date;
  finishedAt?: Date;
}

/**
 * Many node results in one statement (the workflow's batched records). A value the batch does not know
 * (null) never erases what an activity recorded earlier, such as a cancelled node's input.
 */
export async function upsertNodeExecutions(db: Database, updates: NodeExecutionUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const keep = (column: string) => sql.raw(`coalesce(excluded.${column}, node_executions.${column})`);
  await db
    .insert(nodeExecutions)
    .values(
      updates.map((u) => ({
        id: newId('nx'),
        runId: u.runId,
        nodeId: u.nodeId,
        nodeType: u.nodeType,
        status: u.status,
        attempt: u.attempt,
        input: u.input ?? null,
        output: u.output ?? null,
        error: u.error ?? null,
        fired: u.fired ?? null,
        startedAt: u.startedAt ?? null,
        finishedAt: u.finishedAt ?? null,
        durationMs: u.startedAt && u.finishedAt ? u.finishedAt.getTime() - u.startedAt.getTime() : null,
        updatedAt: new Date(),
      })),
    )
    .onConflictDoUpdate({
      target: [nodeExecutions.runId, nodeExecutions.nodeId, nodeExecutions.item],
      set: {
        status: sql.raw('excluded.status'),
        error: keep('error'),
        fired: keep('fired'),
        input: keep('input'),
        output: keep('output'),
        startedAt: keep('started_at'),
        finishedAt: keep('finished_at'),
        durationMs: keep('duration_ms'),
        updatedAt: sql.raw('excluded.updated_at'),
      },
    });
}

/** Inserts or updates the row of (run, node): the latest attempt's state wins. */
export async function upsertNodeExecution(db: Database, u: NodeExecutionUpdate): Promise<void> {
  const durationMs = u.startedAt && u.finishedAt ? u.finishedAt.getTime() - u.startedAt.getTime() : null;
  const values = {
    status: u.status,
    attempt: u.attempt,
    ...(u.input !== undefined ? { input: u.input } : {}),
    ...(u.output !== undefined ? { output: u.output } : {}),
    error: u.error ?? null,
    ...(u.startedAt ? { startedAt: u.startedAt } : {}),
    ...(u.finishedAt ? { finishedAt: u.finishedAt, durationMs } : {}),
    updatedAt: new Date(),
  };
  await db
    .insert(nodeExecutions)
    .values({ id: newId('nx'), runId: u.runId, nodeId: u.nodeId, item: u.item ?? NOT_AN_ITEM, nodeType: u.nodeType, ...values })
    .onConflictDoUpdate({ target: [nodeExecutions.runId, nodeExecutions.nodeId, nodeExecutions.item], set: values });
}
