// The API's response shapes (zod, so they are validated on the way out and documented) and the row-to-view mappers.
import { z } from 'zod';
import type { ApiKeyRow, AuditRow, HumanRequestRow, NodeExecutionRow, NodeStatus, RunRow, UserRow, WorkflowRow } from '../../db/schema.js';
import { NODE_STATUSES, REQUEST_STATUSES, ROLES, RUN_STATUSES, TIERS } from '../../db/schema.js';

const iso = z.string();
const toIso = (d: Date | null) => (d ? d.toISOString() : null);

export const UserViewSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  tier: z.enum(TIERS),
  groups: z.array(z.string()),
  disabled: z.boolean(),
  createdAt: iso,
});

export function userView(u: UserRow): z.infer<typeof UserViewSchema> {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    tier: u.tier,
    groups: u.groups,
    disabled: u.disabledAt !== null,
    createdAt: u.createdAt.toISOString(),
  };
}

/** An API key as listed: never the key itself, which is shown once at creation. */
export const ApiKeyViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  status: z.enum(['active', 'rotating', 'expired', 'revoked']),
  expiresAt: iso.nullable(),
  rotatedTo: z.string().nullable(),
  lastUsedAt: iso.nullable(),
  createdAt: iso,
});

export function apiKeyView(k: ApiKeyRow, now = new Date()): z.infer<typeof ApiKeyViewSchema> {
  const status = k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt <= now ? 'expired' : k.rotatedTo ? 'rotating' : 'active';
  return {
    id: k.id,
    name: k.name,
    prefix: `loom_${k.prefix}`,
    scopes: k.scopes,
    status,
    expiresAt: toIso(k.expiresAt),
    rotatedTo: k.rotatedTo,
    lastUsedAt: toIso(k.lastUsedAt),
    createdAt: k.createdAt.toISOString(),
  };
}

export const WorkflowViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.number().int(),
  /** The version triggers run, or null while the workflow is inactive. */
  activeVersion: z.number().int().nullable(),
  createdAt: iso,
  updatedAt: iso,
  document: z.unknown(),
});
export type WorkflowView = z.infer<typeof WorkflowViewSchema>;

export function workflowView(row: WorkflowRow): WorkflowView {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    activeVersion: row.activeVersion,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    document: row.document,
  };
}

export const NodeViewSchema = z.object({
  nodeId: z.string(),
  name: z.string(),
  type: z.string(),
  status: z.enum([...NODE_STATUSES, 'pending']),
  attempt: z.number().int().nullable(),
  input: z.unknown(),
  output: z.unknown(),
  error: z.unknown(),
  startedAt: iso.nullable(),
  finishedAt: iso.nullable(),
  durationMs: z.number().nullable(),
  /** How many times the node's side effect was started, when it has one (more than 1: a retry repeated it). */
  effectAttempts: z.number().int().optional(),
  /** The outputs a completed node fired, when the workflow settled it (the branch an IF or Switch took). */
  fired: z.array(z.string()).optional(),
  /** A loop's body node: its loop, and how many items' executions reached each status (its rows are per item). */
  parent: z.string().optional(),
  items: z.partialRecord(z.enum(NODE_STATUSES), z.number().int()).optional(),
});

export const RunViewSchema = z.object({
  id: z.string(),
  workflowId: z.string(),
  status: z.enum(RUN_STATUSES),
  planHash: z.string(),
  trigger: z.string(),
  startedBy: z.string(),
  temporalWorkflowId: z.string(),
  input: z.unknown(),
  output: z.unknown(),
  error: z.unknown(),
  createdAt: iso,
  startedAt: iso.nullable(),
  finishedAt: iso.nullable(),
  nodes: z.array(NodeViewSchema),
});
export type RunView = z.infer<typeof RunViewSchema>;

type ItemCount = { nodeId: string; status: NodeStatus; count: number };
/** A body node's status from its items': running while any runs, failed if any failed, completed if any completed. */
const ORDER: NodeStatus[] = ['running', 'failed', 'completed', 'cancelled', 'skipped'];

/** Plan nodes in plan order; a node with no execution row yet is `pending`; a loop's body node summarises its items. */
export function runView(
  run: RunRow,
  planNodes: { id: string; name: string; type: string; parent?: string | undefined }[],
  executions: NodeExecutionRow[],
  itemCounts: ItemCount[] = [],
): RunView {
  const byNode = new Map(executions.map((e) => [e.nodeId, e]));
  const items = new Map<string, Partial<Record<NodeStatus, number>>>();
  for (const c of itemCounts) items.set(c.nodeId, { ...items.get(c.nodeId), [c.status]: c.count });
  return {
    id: run.id,
    workflowId: run.workflowId,
    status: run.status,
    planHash: run.planHash,
    trigger: run.trigger,
    startedBy: run.startedBy,
    temporalWorkflowId: run.temporalWorkflowId,
    input: run.input,
    output: run.output,
    error: run.error,
    createdAt: run.createdAt.toISOString(),
    startedAt: toIso(run.startedAt),
    finishedAt: toIso(run.finishedAt),
    nodes: planNodes.map((n) => {
      const e = byNode.get(n.id);
      if (n.parent !== undefined) {
        const counts = items.get(n.id) ?? {};
        const status = ORDER.find((s) => (counts[s] ?? 0) > 0) ?? 'pending';
        const none = { attempt: null, input: null, output: null, error: null, startedAt: null, finishedAt: null, durationMs: null };
        return { nodeId: n.id, name: n.name, type: n.type, status, ...none, parent: n.parent, items: counts };
      }
      return {
        nodeId: n.id,
        name: n.name,
        type: n.type,
        status: e?.status ?? 'pending',
        attempt: e?.attempt ?? null,
        input: e?.input ?? null,
        output: e?.output ?? null,
        error: e?.error ?? null,
        startedAt: toIso(e?.startedAt ?? null),
        finishedAt: toIso(e?.finishedAt ?? null),
        durationMs: e?.durationMs ?? null,
        ...(e && e.effectAttempts > 0 ? { effectAttempts: e.effectAttempts } : {}),
        ...(e?.fired ? { fired: e.fired } : {}),
      };
    }),
  };
}

/** A request for a person, as the inbox, the API and the WebSocket show it. */
export const RequestViewSchema = z.object({
  id: z.string(),
  runId: z.string(),
  nodeId: z.string(),
  kind: z.string(),
  status: z.enum(REQUEST_STATUSES),
  question: z.string(),
  options: z.array(z.object({ value: z.string(), label: z.string() })),
  allowFreeText: z.boolean(),
  details: z.unknown(),
  createdAt: z.string(),
  expiresAt: z.string(),
  answer: z.unknown(),
  answeredBy: z.string().nullable(),
  answeredVia: z.string().nullable(),
  answeredAt: z.string().nullable(),
  /** Who may answer besides the owner (user ids, `group:<name>`), and the approvals an N-of-M approval has. */
  assignees: z.array(z.string()),
  requiredApprovals: z.number(),
  approvals: z.array(z.object({ userId: z.string(), at: z.string() })),
  forbidSelfApproval: z.boolean(),
});

export function requestView(r: HumanRequestRow): z.infer<typeof RequestViewSchema> {
  return {
    id: r.id,
    runId: r.runId,
    nodeId: r.nodeId,
    kind: r.kind,
    status: r.status,
    question: r.question,
    options: r.options as { value: string; label: string }[],
    allowFreeText: r.allowFreeText === 1,
    details: r.details,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    answer: r.answer,
    answeredBy: r.answeredBy,
    answeredVia: r.answeredVia,
    answeredAt: r.answeredAt?.toISOString() ?? null,
    assignees: r.assignees,
    requiredApprovals: r.requiredApprovals,
    approvals: r.approvals,
    forbidSelfApproval: r.forbidSelfApproval === 1,
  };
}

/** One decision of the audit trail: who decided what, through which channel, how long after the question. */
export const AuditViewSchema = z.object({
  id: z.number(),
  runId: z.string(),
  requestId: z.string().nullable(),
  action: z.string(),
  question: z.string().nullable(),
  answer: z.unknown(),
  actor: z.string(),
  channel: z.string(),
  latencyMs: z.number().nullable(),
  at: z.string(),
});

export function auditView(a: AuditRow): z.infer<typeof AuditViewSchema> {
  return {
    id: a.id,
    runId: a.runId,
    requestId: a.requestId,
    action: a.action,
    question: a.question,
    answer: a.answer,
    actor: a.actor,
    channel: a.channel,
    latencyMs: a.latencyMs,
    at: a.at.toISOString(),
  };
}
