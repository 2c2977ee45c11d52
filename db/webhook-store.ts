// Webhook addresses, their sealed secrets and the deliveries they accepted. A hook belongs to a (workflow, trigger
// node) and is found by its unguessable id alone: that id is the URL an external system calls.
import { and, asc, desc, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { SecretBox } from '../platform/secrets.js';
import type { Database, DatabaseHandle } from './client.js';
import { newId } from './ids.js';
import { webhookDeliveries, webhooks, webhookSecrets, workflows, type WebhookRow, type WorkflowRow } from './schema.js';

/** The hooks of these trigger nodes, made for the nodes that have none yet; a node keeps its id across versions. */
export async function ensureWebhooks(
  db: Database,
  workflow: Pick<WorkflowRow, 'id' | 'ownerId'>,
  nodeIds: readonly string[],
): Promise<WebhookRow[]> {
  if (nodeIds.length === 0) return [];
  await db
    .insert(webhooks)
    .values(nodeIds.map((nodeId) => ({ id: newId('hk'), workflowId: workflow.id, ownerId: workflow.ownerId, nodeId })))
    .onConflictDoNothing();
  return db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.workflowId, workflow.id), inArray(webhooks.nodeId, [...nodeIds])))
    .orderBy(asc(webhooks.nodeId));
}

/** A hook by its id with its workflow, unless the workflow was deleted. */
export async function findWebhook(db: Database, hookId: string): Promise<{ hook: WebhookRow; workflow: WorkflowRow } | undefined> {
  const [row] = await db
    .select({ hook: webhooks, workflow: workflows })
    .from(webhooks)
    .innerJoin(workflows, eq(workflows.id, webhooks.workflowId))
    .where(and(eq(webhooks.id, hookId), isNull(workflows.deletedAt)));
  return row;
}

/** Arms (a time) or disarms (null) the hook's test URL. */
export async function setWebhookTestUntil(db: Database, hookId: string, until: Date | null): Promise<void> {
  await db.update(webhooks).set({ testUntil: until }).where(eq(webhooks.id, hookId));
}

/**
 * Adds a secret to the hook. The ones it already had stay valid for `graceMs` more (unless they expire sooner), so a
 * sender can switch without a gap. The secret itself is only sealed here; the caller shows it once.
 */
export async function addWebhookSecret(
  db: Database,
  box: SecretBox,
  args: { hookId: string; secret: string; graceMs: number; now: Date },
): Promise<void> {
  const graceEnds = new Date(args.now.getTime() + args.graceMs);
  await db.transaction(async (tx) => {
    const t = tx as unknown as Database;
    await t.delete(webhookSecrets).where(and(eq(webhookSecrets.hookId, args.hookId), lte(webhookSecrets.expiresAt, args.now)));
    await t
      .update(webhookSecrets)
      .set({ expiresAt: graceEnds })
      .where(and(eq(webhookSecrets.hookId, args.hookId), or(isNull(webhookSecrets.expiresAt), gt(webhookSecrets.expiresAt, graceEnds))));
    await t.insert(webhookSecrets).values({ id: newId('whs'), hookId: args.hookId, ...box.seal(args.secret) });
  });
}

/**
 * The hook's secrets valid at `now`, opened, newest first. A read only: it runs on every delivery, so expired rows
 * are deleted when a secret is added (addWebhookSecret), not here.
 */
export async function validWebhookSecrets(db: Database, box: SecretBox, hookId: string, now: Date): Promise<string[]> {
  const rows = await db
    .select()
    .from(webhookSecrets)
    .where(and(eq(webhookSecrets.hookId, hookId), or(isNull(webhookSecrets.expiresAt), gt(webhookSecrets.expiresAt, now))))
    .orderBy(desc(webhookSecrets.createdAt));
  return rows.map((row) => box.open(row));
}

/** How many secrets the hook has (valid or in their grace period). */
export async function countWebhookSecrets(db: Database, hookIds: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (hookIds.length === 0) return counts;
  const rows = await db
    .select({ hookId: webhookSecrets.hookId })
    .from(webhookSecrets)
    .where(inArray(webhookSecrets.hookId, [...hookIds]));
  for (const r of rows) counts.set(r.hookId, (counts.get(r.hookId) ?? 0) + 1);
  return counts;
}

/**
 * Claims a delivery id for the hook: true for the first claim, false when it was claimed before (the same webhook-id
 * sent again). The run id travels with it, so whoever claimed second answers with the first one's run.
 */
export async function claimDelivery(db: Database, args: { hookId: string; deliveryId: string; runId: string }): Promise<boolean> {
  const rows = await db.insert(webhookDeliveries).values(args).onConflictDoNothing().returning({ runId: webhookDeliveries.runId });
  return rows.length > 0;
}

/** Test deliveries are announced here (`<hookId> <runId>`), so an editor listening on any gateway hears them. */
export const HOOK_TESTS_CHANNEL = 'loom_hook_tests';

export async function notifyHookTest(database: DatabaseHandle, args: { hookId: string; runId: string }): Promise<void> {
  await database.db.execute(sql`select pg_notify(${HOOK_TESTS_CHANNEL}, ${`${args.hookId} ${args.runId}`})`);
}
