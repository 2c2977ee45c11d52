// A workflow's lifecycle around its triggers: activation pins the current version as the one webhooks and schedules
// run (saving later changes nothing until the next activation), deactivation stops them, deletion stops them and
// hides the workflow (its runs keep their recorded plans). Webhooks: their list, new secrets (shown once, the old
// ones valid through a grace period) and the test URL an editor arms while it listens.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebhookRow, WorkflowRow } from '../../../db/schema.js';
import { addWebhookSecret, countWebhookSecrets, ensureWebhooks, setWebhookTestUntil } from '../../../db/webhook-store.js';
import { findWorkflow, findWorkflowVersion, markWorkflowDeleted, setActiveVersion } from '../../../db/workflow-store.js';
import { DEFAULT_SECRET_GRACE_MS, newWebhookSecret, webhookNodesOf, type WebhookSettings } from '../../../orchestrator/webhooks.js';
import { checkSchedules, removeSchedules, syncSchedules, type ScheduleChange } from '../../../orchestrator/schedules.js';
import { principalOf } from '../auth/authenticate.js';
import { compileOrThrow } from '../compile.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { WorkflowViewSchema, workflowView } from '../views.js';
import { scheduleDepsOf } from './schedules.js';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const HookParams = IdParams.extend({ hookId: z.string().min(1).max(100) });
/** How long the test URL listens after the editor asks. */
export const TEST_LISTEN_MS = 5 * 60 * 1000;

const HookViewSchema = z.object({
  hookId: z.string(),
  nodeId: z.string(),
  label: z.string().nullable(),
  method: z.string(),
  authentication: z.string(),
  respond: z.string(),
  url: z.string(),
  testUrl: z.string(),
  /** Whether the active version has this trigger: only then does its URL start runs. */
  active: z.boolean(),
  secrets: z.number().int(),
  testListeningUntil: z.string().nullable(),
});
/** A secret is in an answer only once: when it was made. */
const HookWithSecretSchema = HookViewSchema.extend({ secret: z.string().optional() });
/** What an activation or deactivation did to the workflow's Temporal Schedules. */
const ScheduleChangeSchema = z.object({
  scheduleId: z.string(),
  triggerNodeId: z.string(),
  change: z.enum(['created', 'updated', 'deleted']),
});

const baseUrl = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

export const lifecycleRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const errors = errorResponses(400, 401, 403, 404, 422, 429);
  const read = { access: 'user', scope: 'workflows:read' } as const;
  const write = { access: 'user', scope: 'workflows:write' } as const;
  const schedules = scheduleDepsOf(deps);
  // One lifecycle change per workflow at a time in this gateway: an activation and a deactivation that interleaved
  // could leave a schedule on a version that is no longer active (its ticks would then start nothing).
  const changing = new Map<string, Promise<unknown>>();
  function serially<T>(workflowId: string, change: () => Promise<T>): Promise<T> {
    const next = (changing.get(workflowId) ?? Promise.resolve()).catch(() => undefined).then(change);
    changing.set(workflowId, next);
    return next.finally(() => {
      if (changing.get(workflowId) === next) changing.delete(workflowId);
    });
  }

  /**
   * Makes Temporal's schedules match the workflow's active version as stored, until they agree: another gateway may
   * change the active version meanwhile, and whoever writes last re-syncs to what it reads back.
   */
  async function settleSchedules(ownerId: string, id: string): Promise<ScheduleChange[]> {
    let changes: ScheduleChange[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const row = await findWorkflow(db, ownerId, id);
      if (!row || row.activeVersion === null) {
        changes = await removeSchedules(schedules, id);
      } else {
        const version = await findWorkflowVersion(db, ownerId, id, row.activeVersion);
        if (!version) return changes;
        const { plan } = await compileOrThrow(deps, ownerId, version.document);
        changes = await syncSchedules(schedules, { workflow: row, version: row.activeVersion, plan });
      }
      const after = await findWorkflow(db, ownerId, id);
      if ((after?.activeVersion ?? null) === (row?.activeVersion ?? null)) return changes;
    }
    return changes;
  }

  async function ownWorkflow(req: FastifyRequest, id: string): Promise<WorkflowRow> {
    const row = await findWorkflow(db, principalOf(req).userId, id);
    if (!row) throw new ApiError('NOT_FOUND', `Workflow ${id} not found`);
    return row;
  }

  /** The webhooks of the workflow's latest version, each marked active when the active version has it too. */
  async function hooksOf(req: FastifyRequest, workflow: WorkflowRow) {
    const latest = webhookNodesOf(workflow.document);
    const active =
      workflow.activeVersion === null
        ? new Set<string>()
        : new Set(
            webhookNodesOf((await findWorkflowVersion(db, workflow.ownerId, workflow.id, workflow.activeVersion))?.document).map(
              (n) => n.nodeId,
            ),
          );
    const rows = await ensureWebhooks(
      db,
      workflow,
      latest.map((n) => n.nodeId),
    );
    const secrets = await countWebhookSecrets(
      db,
      rows.map((h) => h.id),
    );
    const settings = new Map(latest.map((n) => [n.nodeId, n.settings]));
    return rows.map((hook) => hookView(req, hook, settings.get(hook.nodeId)!, active.has(hook.nodeId), secrets.get(hook.id) ?? 0));
  }

  function hookView(req: FastifyRequest, hook: WebhookRow, s: WebhookSettings, active: boolean, secrets: number) {
    return {
      hookId: hook.id,
      nodeId: hook.nodeId,
      label: s.path ?? null,
      method: s.method,
      authentication: s.authentication,
      respond: s.respond,
      url: `${baseUrl(req)}/v1/hooks/${hook.id}`,
      testUrl: `${baseUrl(req)}/v1/hooks-test/${hook.id}`,
      active,
      secrets,
      testListeningUntil: hook.testUntil && hook.testUntil > new Date() ? hook.testUntil.toISOString() : null,
    };
  }

  /** A first secret for every authenticated hook that has none; returned (once) by hook id. */
  async function issueMissingSecrets(hooks: { hookId: string; authentication: string; secrets: number }[]) {
    const issued = new Map<string, string>();
    for (const h of hooks) {
      if (h.authentication === 'none' || h.secrets > 0) continue;
      const secret = newWebhookSecret();
      await addWebhookSecret(db, deps.secrets, { hookId: h.hookId, secret, graceMs: 0, now: new Date() });
      issued.set(h.hookId, secret);
    }
    return issued;
  }

  const withSecrets = (hooks: z.infer<typeof HookViewSchema>[], issued: Map<string, string>) =>
    hooks.map((h) => {
      const secret = issued.get(h.hookId);
      return secret ? { ...h, secrets: h.secrets + 1, secret } : h;
    });

  r.post(
    '/v1/workflows/:id/activate',
    {
      config: { ...write, limit: 'compile' },
      schema: {
        params: IdParams,
        response: {
          200: z.object({ workflow: WorkflowViewSchema, hooks: z.array(HookWithSecretSchema), schedules: z.array(ScheduleChangeSchema) }),
          ...errors,
          ...errorResponses(409),
        },
      },
    },
    async (req) => {
      const workflow = await ownWorkflow(req, req.params.id);
      // The version that becomes active must still compile (node types and credentials may have changed since), and
      // its schedules must be ones the cluster accepts, before anything changes.
      const { plan } = await compileOrThrow(deps, workflow.ownerId, workflow.document);
      checkSchedules(schedules, plan);
      const { row: active, changes } = await serially(workflow.id, async () => {
        const row = await setActiveVersion(db, workflow.ownerId, workflow.id, workflow.version);
        return { row, changes: row ? await settleSchedules(workflow.ownerId, workflow.id) : [] };
      });
      if (!active) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} not found`);
      const hooks = await hooksOf(req, active);
      const issued = await issueMissingSecrets(hooks);
      return { workflow: workflowView(active), hooks: withSecrets(hooks, issued), schedules: changes };
    },
  );

  r.post(
    '/v1/workflows/:id/deactivate',
    {
      config: write,
      schema: {
        params: IdParams,
        response: { 200: z.object({ workflow: WorkflowViewSchema, schedules: z.array(ScheduleChangeSchema) }), ...errors },
      },
    },
    async (req) => {
      const workflow = await ownWorkflow(req, req.params.id);
      const { row: inactive, changes } = await serially(workflow.id, async () => {
        const row = await setActiveVersion(db, workflow.ownerId, workflow.id, null);
        return { row, changes: row ? await removeSchedules(schedules, workflow.id) : [] };
      });
      if (!inactive) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} not found`);
      return { workflow: workflowView(inactive), schedules: changes };
    },
  );

  r.delete(
    '/v1/workflows/:id',
    { config: write, schema: { params: IdParams, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      const workflow = await ownWorkflow(req, req.params.id);
      // Triggers stop first: a webhook or schedule tick after this finds no active version, then the schedules go.
      const deleted = await serially(workflow.id, async () => {
        const done = await markWorkflowDeleted(db, workflow.ownerId, workflow.id);
        if (done) await removeSchedules(schedules, workflow.id);
        return done;
      });
      if (!deleted) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} not found`);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/v1/workflows/:id/hooks',
    { config: read, schema: { params: IdParams, response: { 200: z.object({ items: z.array(HookViewSchema) }), ...errors } } },
    async (req) => ({ items: await hooksOf(req, await ownWorkflow(req, req.params.id)) }),
  );

  async function ownHook(req: FastifyRequest, params: { id: string; hookId: string }) {
    const workflow = await ownWorkflow(req, params.id);
    const hook = (await hooksOf(req, workflow)).find((h) => h.hookId === params.hookId);
    if (!hook) throw new ApiError('NOT_FOUND', `Workflow ${params.id} has no webhook ${params.hookId}`);
    return hook;
  }

  r.post(
    '/v1/workflows/:id/hooks/:hookId/secrets',
    {
      config: write,
      schema: {
        params: HookParams,
        body: z
          .object({
            graceSeconds: z
              .number()
              .int()
              .min(0)
              .max(30 * 24 * 3600)
              .optional(),
          })
          .strict()
          .default({}),
        response: { 201: HookWithSecretSchema.extend({ secret: z.string(), previousValidUntil: z.string() }), ...errors },
      },
    },
    async (req, reply) => {
      const hook = await ownHook(req, req.params);
      if (hook.authentication === 'none')
        throw new ApiError('VALIDATION_FAILED', `Webhook ${hook.hookId} has no authentication; choose signature or header first`);
      const graceMs = req.body.graceSeconds === undefined ? DEFAULT_SECRET_GRACE_MS : req.body.graceSeconds * 1000;
      const now = new Date();
      const secret = newWebhookSecret();
      await addWebhookSecret(db, deps.secrets, { hookId: hook.hookId, secret, graceMs, now });
      return reply
        .status(201)
        .send({ ...hook, secrets: hook.secrets + 1, secret, previousValidUntil: new Date(now.getTime() + graceMs).toISOString() });
    },
  );

  r.post(
    '/v1/workflows/:id/hooks/:hookId/listen',
    { config: write, schema: { params: HookParams, response: { 200: HookWithSecretSchema, ...errors } } },
    async (req) => {
      const hook = await ownHook(req, req.params);
      const until = new Date(Date.now() + TEST_LISTEN_MS);
      await setWebhookTestUntil(db, hook.hookId, until);
      // A hook tested before its first activation needs a secret to sign with, shown here once.
      const issued = await issueMissingSecrets([hook]);
      return withSecrets([{ ...hook, testListeningUntil: until.toISOString() }], issued)[0]!;
    },
  );
};
