// Activities of human-in-the-loop waits: open a request (row, notifications in the outbox, event) and close it
// (row, audit, event). What the notifications say is written in notifications/request-messages.ts.
import type { Database } from '../db/client.js';
import { appendRunEvents } from '../db/event-store.js';
import { enqueueNotification } from '../db/outbox-store.js';
import { appendAudit, closeRequest, insertRequest } from '../db/request-store.js';
import type { LinkSigner } from '../platform/answer-links.js';
import { CloseRequestSchema, OpenRequestSchema, type CloseRequest, type OpenRequest } from './contracts.js';
import { events } from './events.js';
import { emailMessage, requestNotice, webhookMessage } from './notifications/request-messages.js';

/** Where people hear about requests: a Slack-compatible webhook, and the public URL answers point at. */
export interface NotifySettings {
  webhookUrl?: string | undefined;
  publicUrl: string;
  /** Signs the answer links notifications carry (a person can decide without logging in). */
  links?: LinkSigner | undefined;
  /** Email: who receives request notifications (delivered over SMTP by the outbox). */
  emailTo?: string | undefined;
}

export function createRequestActivities(deps: { db: Database; notify?: NotifySettings | undefined }) {
  const { db, notify } = deps;

  async function openRequest(raw: OpenRequest): Promise<void> {
    const r = OpenRequestSchema.parse(raw);
    const { audience, ...request } = r;
    await insertRequest(db, {
      ...request,
      expiresAt: new Date(r.expiresAt),
      ...(audience
        ? { assignees: audience.assignees, requiredApprovals: audience.requiredApprovals, forbidSelfApproval: audience.forbidSelfApproval }
        : {}),
    });
    if (notify?.webhookUrl || notify?.emailTo) {
      const token = notify.links?.sign({ requestId: r.id, expiresAt: r.expiresAt });
      const answerUrl = token ? `${notify.publicUrl}/a/${token}` : `${notify.publicUrl}/v1/requests/${r.id}/answer`;
      const notice = requestNotice(r, answerUrl);
      if (notify.webhookUrl)
        await enqueueNotification(db, { requestId: r.id, channel: 'webhook', target: notify.webhookUrl, payload: webhookMessage(notice) });
      if (notify.emailTo)
        await enqueueNotification(db, { requestId: r.id, channel: 'email', target: notify.emailTo, payload: emailMessage(notice) });
    }
    await appendRunEvents(db, r.runId, [events.requestOpened(r)]);
  }

  async function closeHumanRequest(raw: CloseRequest): Promise<void> {
    const c = CloseRequestSchema.parse(raw);
    const at = new Date(c.at);
    await closeRequest(db, c.id, { status: c.status, answer: c.answer, by: c.by, via: c.via, at });
    // The audit row is keyed by nothing but its own id: a retried activity may add a duplicate, never lose one.
    await appendAudit(db, {
      requestId: c.id,
      runId: c.runId,
      action: c.status === 'expired' ? `expired:${c.timeoutAction}` : 'answered',
      question: c.question,
      answer: c.answer ?? null,
      actor: c.by,
      channel: c.via,
      latencyMs: at.getTime() - c.openedAt,
    });
    await appendRunEvents(db, c.runId, [events.requestClosed(c)]);
  }

  return { openRequest, closeHumanRequest };
}
