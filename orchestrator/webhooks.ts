// Webhook deliveries: who may fire a hook (Standard Webhooks signatures through the `standardwebhooks` library, a
// header token, or nobody in particular), what the trigger node outputs, and the run a delivery starts, once per
// delivery id. The gateway's route turns the outcome into an HTTP answer.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { z } from 'zod';
import type { PlanNode } from '../compiler/plan.js';
import { WEBHOOK_AUTHENTICATIONS, WEBHOOK_RESPONSES } from '../nodes/triggers.js';

/** A hook's settings: its trigger node's config in the version that runs, defaults filled in. */
export const WebhookSettingsSchema = z.object({
  method: z.enum(['POST', 'GET', 'PUT', 'PATCH', 'DELETE']).catch('POST'),
  authentication: z.enum(WEBHOOK_AUTHENTICATIONS).catch('signature'),
  tokenHeader: z.string().catch('X-Webhook-Token'),
  respond: z.enum(WEBHOOK_RESPONSES).catch('immediately'),
  // An expression here could only be evaluated by a run that has not started: the default applies.
  respondTimeoutSeconds: z.number().int().min(1).max(300).catch(30),
  path: z.string().optional().catch(undefined),
});
export type WebhookSettings = z.infer<typeof WebhookSettingsSchema>;

export const WEBHOOK_NODE_TYPE = 'trigger.webhook';
export const webhookSettingsOf = (node: Pick<PlanNode, 'config'>): WebhookSettings => WebhookSettingsSchema.parse(node.config ?? {});

/** How long a replaced secret keeps working by default: a day to update the sender. */
export const DEFAULT_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

/** A new secret in the Standard Webhooks format: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export type Headers = Record<string, string | string[] | undefined>;
const header = (headers: Headers, name: string): string | undefined => {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

export type Refusal = 'missing_signature' | 'bad_signature' | 'stale_timestamp' | 'bad_token' | 'not_utf8';
const REFUSAL_MESSAGES: Record<Refusal, string> = {
  missing_signature: 'Send webhook-id, webhook-timestamp and webhook-signature (Standard Webhooks)',
  bad_signature: 'The signature does not match the body under any of this hook’s secrets',
  stale_timestamp: 'webhook-timestamp is more than 5 minutes away from now',
  bad_token: 'The token header is missing or wrong',
  not_utf8: 'A signed body must be UTF-8 (the signature is checked over its text)',
};
export const refusalMessage = (r: Refusal) => REFUSAL_MESSAGES[r];

/** Standard Webhooks' tolerance for the sender's clock. */
const TOLERANCE_SECONDS = 5 * 60;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks a delivery against the hook's secrets. Signatures are verified by the Standard Webhooks library (HMAC-SHA256
 * of `id.timestamp.body`, a constant-time comparison, a 5-minute tolerance) under each valid secret in turn, so
 * rotating secrets overlap. The library signs the body's text, so a body that is not valid UTF-8 is refused rather
 * than decoded lossily (two different byte strings must never verify as the same text).
 */
export function authenticateDelivery(
  settings: WebhookSettings,
  secrets: readonly string[],
  raw: Buffer,
  headers: Headers,
): Refusal | undefined {
  if (settings.authentication === 'none') return undefined;
  if (settings.authentication === 'header') {
    const given = Buffer.from(header(headers, settings.tokenHeader) ?? '');
    const match = secrets.some((s) => {
      const expected = Buffer.from(s);
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    return match ? undefined : 'bad_token';
  }
  const signed = {
    id: header(headers, 'webhook-id'),
    timestamp: header(headers, 'webhook-timestamp'),
    signature: header(headers, 'webhook-signature'),
  };
  if (!signed.id || !signed.timestamp || !signed.signature) return 'missing_signature';
  // The library checks the tolerance too, but says which check failed only in its message text.
  const timestamp = Number(signed.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > TOLERANCE_SECONDS) return 'stale_timestamp';
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return 'not_utf8';
  }
  const verifyHeaders = { 'webhook-id': signed.id, 'webhook-timestamp': signed.timestamp, 'webhook-signature': signed.signature };
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(text, verifyHeaders, { jsonParse: false });
      return undefined;
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
    }
  }
  return 'bad_signature';
}

/** The delivery's own id, when the sender gave one: the Standard Webhooks `webhook-id`, or an `Idempotency-Key`. */
export function deliveryIdOf(headers: Headers): string | undefined {
  const id = header(headers, 'webhook-id') ?? header(headers, 'idempotency-key');
  return id && id.length <= 200 ? id : undefined;
}

/**
 * The run a delivery starts, derived from the hook and the delivery id: the same delivery sent twice names the same
 * run (and so the same Temporal workflow `run-<runId>`), whatever gateway receives it.
 */
export function deliveryRunId(hookId: string, deliveryId: string): string {
  return `run_${createHash('sha256').update(`${hookId}\u0000${deliveryId}`).digest('base64url').slice(0, 22)}`;
}

/** Headers a run must never see: whatever authenticated the request. */
const AUTH_HEADERS = ['authorization', 'cookie', 'webhook-signature', 'proxy-authorization'];

export interface WebhookRequest {
  method: string;
  headers: Headers;
  query: Record<string, unknown>;
  body: unknown;
}

/** The trigger node's output: method, headers minus authentication, query and body. */
export function triggerOutput(settings: WebhookSettings, request: WebhookRequest) {
  const hidden = new Set([...AUTH_HEADERS, settings.authentication === 'header' ? settings.tokenHeader.toLowerCase() : '']);
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(([name, v]) => v !== undefined && !hidden.has(name.toLowerCase())),
  );
  return { method: request.method, headers, query: request.query, body: request.body };
}

/** The webhook trigger nodes of a saved document, with their settings (a document compiled before it was saved). */
export function webhookNodesOf(document: unknown): { nodeId: string; settings: WebhookSettings }[] {
  const nodes = (document as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes
    .filter(
      (n): n is { id: string; type: string; config?: Record<string, unknown> } => n?.type === WEBHOOK_NODE_TYPE && typeof n.id === 'string',
    )
    .map((n) => ({ nodeId: n.id, settings: webhookSettingsOf({ config: n.config ?? {} }) }));
}
