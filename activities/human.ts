// Activities of human-in-the-loop waits: open a request (row + event), close it (row + audit + event), and
// describe what a node is about to do so an approval can say it concretely.
import { Context } from '@temporalio/activity';
import type { Database } from '../db/client.js';
import { appendRunEvents } from '../db/event-store.js';
import { enqueueNotification } from '../db/outbox-store.js';
import { appendAudit, closeRequest, insertRequest } from '../db/request-store.js';
import { resolvePayloads } from '../db/payload-store.js';
import { resolveConfig } from '../nodes/expressions/evaluate.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { parseConfig } from '../nodes/sdk/node.js';
import type { LinkSigner } from '../platform/answer-links.js';
import { CloseRequestSchema, DescribeNodeSchema, expressionScope, OpenRequestSchema, ResolveNodeConfigSchema, type CloseRequest, type DescribeNode, type OpenRequest, type ParsedScopeRef, type ResolveNodeConfig } from './contracts.js';
import { buildNodeContext, type NodeContextDeps } from './node-context.js';

const OPEN_EVENT = { approval: 'approval_requested', question: 'question_asked', recovery: 'recovery_requested' } as const;

/** Where people hear about requests: a Slack-compatible webhook, and the public URL answers point at. */
export interface NotifySettings {
  webhookUrl?: string | undefined;
  publicUrl: string;
  /** Signs the answer links notifications carry (a person can decide without logging in). */
  links?: LinkSigner | undefined;
  /** Email: who receives request notifications (delivered over SMTP by the outbox). */
  emailTo?: string | undefined;
}

const TITLE = { approval: 'Approval needed', question: 'A question for you', recovery: 'A step failed: what now?' } as const;

export function createHumanActivities(deps: NodeContextDeps & { db: Database; nodes: NodeRegistry; notify?: NotifySettings | undefined }) {
  const { db } = deps;

  async function openRequest(raw: OpenRequest): Promise<void> {
    const r = OpenRequestSchema.parse(raw);
    const { audience, ...request } = r;
    await insertRequest(db, { ...request, expiresAt: new Date(r.expiresAt), ...(audience ? { assignees: audience.assignees, requiredApprovals: audience.requiredApprovals, forbidSelfApproval: audience.forbidSelfApproval } : {}) });
    if (deps.notify?.webhookUrl || deps.notify?.emailTo) {
      const token = deps.notify.links?.sign({ requestId: r.id, expiresAt: r.expiresAt });
      const answerUrl = token ? `${deps.notify.publicUrl}/v1/answer-links/${token}` : `${deps.notify.publicUrl}/v1/requests/${r.id}/answer`;
      const loom = { requestId: r.id, runId: r.runId, nodeId: r.nodeId, kind: r.kind, question: r.question, options: r.options, expiresAt: new Date(r.expiresAt).toISOString(), answerUrl };
      const lines = [r.question, `Options: ${r.options.map((o) => o.label).join(' / ') || 'a typed answer'}`, `Answer: ${answerUrl}`, `Expires: ${loom.expiresAt}`];
      if (deps.notify.webhookUrl) {
        await enqueueNotification(db, { requestId: r.id, channel: 'webhook', target: deps.notify.webhookUrl, payload: { text: `*${TITLE[r.kind]}*\n${lines.join('\n')}`, loom } });
      }
      if (deps.notify.emailTo) {
        await enqueueNotification(db, { requestId: r.id, channel: 'email', target: deps.notify.emailTo, payload: { subject: `[Loom] ${TITLE[r.kind]}: ${r.question.slice(0, 120)}`, text: lines.join('\n\n'), loom } });
      }
    }
    await appendRunEvents(db, r.runId, [
      { key: `${OPEN_EVENT[r.kind]}:${r.id}`, type: OPEN_EVENT[r.kind], nodeId: r.nodeId, data: { requestId: r.id, question: r.question, options: r.options, details: r.details ?? null, expiresAt: new Date(r.expiresAt).toISOString() } },
    ]);
  }

  async function closeHumanRequest(raw: CloseRequest): Promise<void> {
    const c = CloseRequestSchema.parse(raw);
    const at = new Date(c.at);
    await closeRequest(db, c.id, { status: c.status, answer: c.answer, by: c.by, via: c.via, at });
    // The audit row is keyed by nothing but its own id: a retried activity may add a duplicate, never lose one.
    await appendAudit(db, { requestId: c.id, runId: c.runId, action: c.status === 'expired' ? `expired:${c.timeoutAction}` : 'answered', question: c.question, answer: c.answer ?? null, actor: c.by, channel: c.via, latencyMs: at.getTime() - c.openedAt });
    const type = c.status === 'expired' ? 'request_expired' : 'request_answered';
    await appendRunEvents(db, c.runId, [{ key: `${type}:${c.id}`, type, nodeId: c.nodeId, data: { requestId: c.id, answer: c.answer ?? null, by: c.by, via: c.via } }]);
  }

  async function describeNode(raw: DescribeNode): Promise<{ summary: string; details?: Record<string, unknown> }> {
    const { runId, node, input, scope } = DescribeNodeSchema.parse(raw);
    const definition = deps.nodes.get(node.type, node.typeVersion);
    const fallback = { summary: `"${node.name}" (${node.type}) will ${node.operations.join(', ').replaceAll('_', ' ') || 'run'}` };
    if (!definition?.describe) return fallback;
    const { json: fullInput, config } = await resolveFull(runId, node.config, input, scope);
    const parsed = parseConfig(definition, config);
    if (!parsed.ok) return fallback;
    const ctx = Context.current();
    const context = buildNodeContext(deps, { runId, nodeId: node.id, nodeType: node.type, attempt: 1, signal: ctx.cancellationSignal, timeoutMs: 30_000, credentials: node.credentials, accepted: {} });
    try {
      return await definition.describe(fullInput, parsed.config, context);
    } catch (err) {
      return { ...fallback, details: { describeFailed: err instanceof Error ? err.message : String(err) } };
    }
  }

  /** A config resolved against the full values of offloaded data (the workflow holds only references to them). */
  async function resolveFull(runId: string, config: Record<string, unknown>, input: unknown, scope: ParsedScopeRef) {
    const json = await resolvePayloads(db, runId, input);
    return { json, config: await resolveConfig(config, expressionScope(json, { ...scope, node: await resolvePayloads(db, runId, scope.node) })) };
  }

  async function resolveNodeConfig(raw: ResolveNodeConfig): Promise<unknown> {
    const { runId, config, input, scope } = ResolveNodeConfigSchema.parse(raw);
    return (await resolveFull(runId, config, input, scope)).config;
  }

  return { openRequest, closeHumanRequest, describeNode, resolveNodeConfig };
}
