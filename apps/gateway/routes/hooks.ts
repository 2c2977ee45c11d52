// Webhook deliveries from external systems: `{method} /v1/hooks/:hookId` runs the active version of the hook's
// workflow, `/v1/hooks-test/:hookId` the latest saved one while the editor listens. Nobody signs in: the hook's own
// authentication (a Standard Webhooks signature, a header token, or none) decides, over the raw body bytes, and the
// delivery spends its workflow owner's execution limits. Unknown, inactive and unarmed hooks are all the same 404.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebhookRow, WorkflowRow } from '../../../db/schema.js';
import { findUser } from '../../../db/user-store.js';
import { findWebhook, validWebhookSecrets } from '../../../db/webhook-store.js';
import { findWorkflowVersion } from '../../../db/workflow-store.js';
import { authenticateDelivery, refusalMessage, webhookNodesOf, type WebhookSettings } from '../../../orchestrator/webhooks.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { findProblem } from '../../../platform/json-guard.js';
import { refusalOf } from '../request-guard.js';
import { deliverWebhook, type DeliveryMode } from '../handlers/webhook-delivery.js';

/** The largest body a hook accepts; bigger ones are a 413 before anything else happens. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;
const METHODS = ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'] as const;
const HookParams = z.object({ hookId: z.string().min(1).max(100) });

declare module 'fastify' {
  interface FastifyRequest {
    /** The hook a delivery is for, looked up before the body is read. */
    webhook?: { hook: WebhookRow; workflow: WorkflowRow };
  }
}

/** The body as the run sees it: JSON, form fields, text, or base64 for anything else. */
function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return null;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(raw.toString('utf8')) as unknown;
    } catch (err) {
      throw new ApiError('INVALID_JSON', `The body is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  if (type.startsWith('text/') || type === '') return raw.toString('utf8');
  return { encoding: 'base64', contentType: type, data: raw.toString('base64') };
}

export const hookRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  // The signature covers the exact bytes sent: this plugin reads every body as bytes and parses it itself.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));

  /** Finds the hook before its body is read, so the owner's limits apply and an unknown hook costs nothing more. */
  async function lookUpHook(req: FastifyRequest) {
    const { hookId } = HookParams.parse(req.params);
    const found = await findWebhook(db, hookId);
    if (!found) throw new ApiError('NOT_FOUND', `No webhook ${hookId}`);
    const owner = await findUser(db, found.workflow.ownerId);
    if (!owner || owner.disabledAt) throw new ApiError('NOT_FOUND', `No webhook ${hookId}`);
    req.webhook = found;
    req.limitSubject = { userId: owner.id, tier: owner.tier };
  }

  /** The version this delivery runs and the hook's settings in it; a 404 when the hook does not listen. */
  async function resolve(mode: DeliveryMode, hook: WebhookRow, workflow: WorkflowRow, now: Date) {
    const version = mode === 'live' ? workflow.activeVersion : hook.testUntil && hook.testUntil > now ? workflow.version : null;
    const missing = new ApiError(
      'NOT_FOUND',
      mode === 'live' ? `No active webhook ${hook.id}` : `Webhook ${hook.id} is not listening for tests`,
    );
    if (version === null) throw missing;
    const saved = await findWorkflowVersion(db, workflow.ownerId, workflow.id, version);
    const node = webhookNodesOf(saved?.document).find((n) => n.nodeId === hook.nodeId);
    if (!saved || !node) throw missing;
    return { document: saved.document, settings: node.settings };
  }

  async function receive(mode: DeliveryMode, req: FastifyRequest, reply: FastifyReply) {
    const { hook, workflow } = req.webhook!;
    const now = new Date();
    const { document, settings } = await resolve(mode, hook, workflow, now);
    if (req.method !== settings.method)
      throw new ApiError('METHOD_NOT_ALLOWED', `Webhook ${hook.id} accepts ${settings.method}, not ${req.method}`);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const refusal = authenticateDelivery(settings, await secretsFor(settings, hook.id, now), raw, req.headers);
    if (refusal) throw new ApiError('WEBHOOK_UNAUTHORIZED', refusalMessage(refusal));
    const body = parseBody(raw, req.headers['content-type']);
    // The same guard every JSON body passes: nothing unstorable, nothing nested past what later layers can walk.
    const problem = findProblem(body, 'body') ?? findProblem(req.query, 'query');
    if (problem) throw new ApiError(refusalOf(problem).code, refusalOf(problem).message);
    const answer = await deliverWebhook(deps, {
      mode,
      hook,
      workflow,
      document,
      settings,
      request: { method: req.method, headers: req.headers, query: req.query as Record<string, unknown>, body },
    });
    return reply.status(answer.status).send(answer.body);
  }

  const secretsFor = (settings: WebhookSettings, hookId: string, now: Date) =>
    settings.authentication === 'none' ? Promise.resolve([]) : validWebhookSecrets(db, deps.secrets, hookId, now);

  const schema = {
    params: HookParams,
    response: { ...errorResponses(400, 401, 404, 405, 413, 422, 429, 503) },
  };
  for (const [prefix, mode] of [
    ['/v1/hooks', 'live'],
    ['/v1/hooks-test', 'test'],
  ] as const) {
    r.route({
      method: [...METHODS],
      url: `${prefix}/:hookId`,
      bodyLimit: WEBHOOK_BODY_LIMIT,
      config: { access: 'public', limit: 'execute' },
      onRequest: lookUpHook,
      schema,
      handler: (req, reply) => receive(mode, req, reply),
    });
  }
};
