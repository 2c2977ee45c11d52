// Loom's relational schema. Row types are inferred from here (`typeof runs.$inferSelect`), never written twice.
// Migrations are generated from this file by `npm run db:generate` and committed in db/migrations.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/** A workflow as the editor saved it: the document is kept verbatim, the plan is derived per run. */
export const workflows = pgTable('workflows', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  document: jsonb('document').notNull(),
  version: integer('version').notNull().default(1),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const RUN_STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One execution of a workflow: the exact plan it ran is stored with it, so later edits never change it. */
export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    workflowId: text('workflow_id').notNull().references(() => workflows.id),
    status: text('status').$type<RunStatus>().notNull(),
    temporalWorkflowId: text('temporal_workflow_id').notNull(),
    plan: jsonb('plan').notNull(),
    planHash: text('plan_hash').notNull(),
    trigger: text('trigger').notNull(),
    input: jsonb('input'),
    output: jsonb('output'),
    error: jsonb('error'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('runs_workflow_id_created_at_idx').on(t.workflowId, t.createdAt)],
);

export const NODE_STATUSES = ['running', 'completed', 'failed', 'skipped'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** What happened to one node in one run. Written by activities, so a replayed workflow never writes twice. */
export const nodeExecutions = pgTable(
  'node_executions',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    nodeType: text('node_type').notNull(),
    status: text('status').$type<NodeStatus>().notNull(),
    attempt: integer('attempt').notNull().default(1),
    input: jsonb('input'),
    output: jsonb('output'),
    error: jsonb('error'),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    durationMs: integer('duration_ms'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
  },
  (t) => [uniqueIndex('node_executions_run_node_idx').on(t.runId, t.nodeId)],
);

export type WorkflowRow = typeof workflows.$inferSelect;
export type RunRow = typeof runs.$inferSelect;
export type NodeExecutionRow = typeof nodeExecutions.$inferSelect;
