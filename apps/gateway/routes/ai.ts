// AI: generate a workflow from words, or edit a saved one; each answer is a draft that changes nothing until its
// owner applies it (a new workflow, or the next version of the edited one: a 409 when that workflow moved on since
// the edit's base version). Drafts are their owner's alone and expire in a day.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findDraft, listDrafts, markDraftApplied } from '../../../db/ai-store.js';
import { listCredentials } from '../../../db/credential-store.js';
import type { AiDraftRow } from '../../../db/schema.js';
import { findWorkflow, findWorkflowVersion, insertWorkflow, updateWorkflow } from '../../../db/workflow-store.js';
import { aiDrafts } from '../../../db/schema.js';
import { TIER_LIMITS } from '../../../identity/tiers.js';
import { WorkflowDocumentSchema, type WorkflowDocument } from '../../../compiler/document.js';
import { MAX_PROMPT_CHARS } from '../../../orchestrator/ai/generate.js';
import { edit, generate, secondsUntilTomorrow } from '../../../orchestrator/ai/service.js';
import { generateCustomNode } from '../../../orchestrator/ai/custom-node.js';
import { UPLOAD_ISSUE_CODES } from '../../../orchestrator/custom-nodes.js';
import { CUSTOM_SOURCE_LANGUAGES } from '../../../db/schema.js';
import type { Draft } from '../../../orchestrator/ai/draft.js';
import { OrchestratorError } from '../../../orchestrator/errors.js';
import { principalOf } from '../auth/authenticate.js';
import { compileOrThrow } from '../compile.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { WorkflowViewSchema, workflowView } from '../views.js';
import { and, eq } from 'drizzle-orm';

const Prompt = z.string().trim().min(1).max(MAX_PROMPT_CHARS);
const DraftParams = z.object({ draftId: z.string().min(1).max(100) });
const IdParams = z.object({ id: z.string().min(1).max(100) });
/** Credentials the person picked for open or suggested slots: node id → slot → credential id. */
const Picks = z.record(z.string().max(200), z.record(z.string().max(100), z.string().min(1).max(100)));

const DraftViewSchema = z.object({
  draftId: z.string(),
  kind: z.enum(['generate', 'edit']),
  status: z.enum(['ready', 'invalid', 'applied']),
  workflowId: z.string().nullable(),
  baseVersion: z.number().nullable(),
  document: z.unknown(),
  diagnostics: z.array(z.unknown()),
  warnings: z.array(z.unknown()),
  credentialSlots: z.array(z.unknown()),
  explanation: z.string(),
  rounds: z.number(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
  review: z.array(z.object({ nodeId: z.string(), reason: z.string() })),
  operations: z.array(z.unknown()).optional(),
  changes: z.array(z.string()).optional(),
  prompt: z.string(),
  expiresAt: z.string(),
  createdAt: z.string(),
});

function draftView(row: AiDraftRow) {
  const body = row.body as Draft & { operations?: unknown[]; changes?: string[] };
  const { ok: _ok, ...draft } = body;
  return {
    ...draft,
    draftId: row.id,
    kind: row.kind,
    status: row.status,
    workflowId: row.workflowId,
    baseVersion: row.baseVersion,
    prompt: row.prompt,
    expiresAt: row.expiresAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
  };
}

/** A custom node the model wrote: saved only when the person uploads it (POST /v1/custom-nodes). */
const CustomNodeDraftView = z.object({
  ok: z.boolean(),
  language: z.enum(CUSTOM_SOURCE_LANGUAGES),
  source: z.string(),
  explanation: z.string(),
  declaration: z.record(z.string(), z.unknown()).optional(),
  issues: z.array(z.object({ code: z.enum(UPLOAD_ISSUE_CODES), message: z.string() }).passthrough()),
  rounds: z.number(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
});

/** A document with the person's credential picks written into its nodes. */
function withPicks(document: WorkflowDocument, picks: z.infer<typeof Picks>): WorkflowDocument {
  return {
    ...document,
    nodes: document.nodes.map((n) => (picks[n.id] ? { ...n, credentials: { ...n.credentials, ...picks[n.id] } } : n)),
  };
}

export const aiRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const errors = errorResponses(400, 401, 403, 404, 422, 429, 502, 503, 504);
  const write = { access: 'user', scope: 'workflows:write', limit: 'compile' } as const;

  async function contextOf(req: FastifyRequest) {
    if (!deps.ai) throw new ApiError('AI_NOT_CONFIGURED');
    const principal = principalOf(req);
    const [stored, nodes] = await Promise.all([
      listCredentials(db, principal.userId),
      deps.customNodes.owners.registryFor(principal.userId),
    ]);
    return {
      service: deps.ai,
      caller: { userId: principal.userId, aiCallsPerDay: TIER_LIMITS[principal.tier].aiCallsPerDay },
      // Names and types only: what the local model may see, never a value.
      credentials: stored.map((c) => ({ id: c.id, type: c.type, name: c.name })),
      // The node types this caller compiles against (their own custom ones and published ones among them): the AI
      // offers and judges with exactly these, as the apply below compiles with them.
      nodes,
    };
  }

  /** The answer for a draft: 201 when it compiles, else the 422 that carries it. */
  function answer(reply: FastifyReply, row: AiDraftRow, ok: boolean) {
    const view = draftView(row);
    if (!ok)
      throw new ApiError('AI_DRAFT_INVALID', `The draft still has ${view.diagnostics.length} error(s) after ${view.rounds} round(s)`, view);
    return reply.status(201).send(view);
  }

  /** A daily limit's refusal says when it is back. */
  async function guarded<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof OrchestratorError && err.code === 'AI_LIMIT')
        reply.header('retry-after', String(secondsUntilTomorrow(new Date())));
      throw err;
    }
  }

  r.post(
    '/v1/ai/workflows/generate',
    {
      config: write,
      schema: {
        body: z.object({ prompt: Prompt, model: z.string().max(200).optional() }).strict(),
        response: { 201: DraftViewSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { service, caller, credentials, nodes } = await contextOf(req);
      const { draft, row } = await guarded(reply, () =>
        generate(db, service, caller, { prompt: req.body.prompt, model: req.body.model, nodes, credentials }),
      );
      return answer(reply, row, draft.ok);
    },
  );

  r.post(
    '/v1/ai/custom-nodes/generate',
    {
      config: { access: 'user', scope: 'nodes:write', limit: 'compile' },
      schema: {
        body: z
          .object({
            prompt: Prompt,
            language: z.enum(CUSTOM_SOURCE_LANGUAGES).default('typescript'),
            model: z.string().max(200).optional(),
          })
          .strict(),
        response: { 201: CustomNodeDraftView, ...errors },
      },
    },
    async (req, reply) => {
      const { service, caller } = await contextOf(req);
      const draft = await guarded(reply, () => generateCustomNode(db, service, deps.customNodes.runtime, caller, req.body));
      const view = CustomNodeDraftView.parse(draft);
      // Never presented as a success unless an upload of it would pass: the source and its problems come with the 422.
      if (!draft.ok)
        throw new ApiError(
          'AI_DRAFT_INVALID',
          `The source still has ${draft.issues.length} problem(s) after ${draft.rounds} round(s)`,
          view,
        );
      return reply.status(201).send(view);
    },
  );

  r.post(
    '/v1/workflows/:id/ai/edit',
    {
      config: write,
      schema: {
        params: IdParams,
        body: z.object({ prompt: Prompt, baseVersion: z.number().int().min(1), model: z.string().max(200).optional() }).strict(),
        response: { 201: DraftViewSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { service, caller, credentials, nodes } = await contextOf(req);
      const version = await findWorkflowVersion(db, caller.userId, req.params.id, req.body.baseVersion);
      if (!version) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} has no version ${req.body.baseVersion}`);
      const parsed = WorkflowDocumentSchema.safeParse(version.document);
      if (!parsed.success) throw new ApiError('WORKFLOW_INVALID', 'The saved version is not a document an edit can start from');
      const document = parsed.data as WorkflowDocument;
      const { draft, row } = await guarded(reply, () =>
        edit(db, service, caller, {
          workflowId: req.params.id,
          baseVersion: req.body.baseVersion,
          document,
          prompt: req.body.prompt,
          model: req.body.model,
          nodes,
          credentials,
        }),
      );
      return answer(reply, row, draft.ok);
    },
  );

  r.get(
    '/v1/ai/drafts',
    {
      config: { access: 'user', scope: 'workflows:read' },
      schema: {
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: z.object({ items: z.array(DraftViewSchema) }), ...errors },
      },
    },
    async (req) => ({ items: (await listDrafts(db, principalOf(req).userId, new Date(), req.query)).map(draftView) }),
  );

  r.get(
    '/v1/ai/drafts/:draftId',
    { config: { access: 'user', scope: 'workflows:read' }, schema: { params: DraftParams, response: { 200: DraftViewSchema, ...errors } } },
    async (req) => {
      const row = await findDraft(db, principalOf(req).userId, req.params.draftId, new Date());
      if (!row) throw new ApiError('NOT_FOUND', `Draft ${req.params.draftId} not found`);
      return draftView(row);
    },
  );

  r.post(
    '/v1/ai/drafts/:draftId/apply',
    {
      config: write,
      schema: {
        params: DraftParams,
        body: z.object({ credentials: Picks.optional() }).strict().default({}),
        response: { 200: WorkflowViewSchema.extend({ warnings: z.array(z.unknown()) }), ...errors, ...errorResponses(409) },
      },
    },
    async (req) => {
      const ownerId = principalOf(req).userId;
      const row = await findDraft(db, ownerId, req.params.draftId, new Date());
      if (!row) throw new ApiError('NOT_FOUND', `Draft ${req.params.draftId} not found`);
      if (row.status === 'applied')
        throw new ApiError('DRAFT_APPLIED', `Draft ${row.id} was applied to ${row.appliedWorkflowId} version ${row.appliedVersion}`);
      if (row.status === 'invalid') throw new ApiError('AI_DRAFT_INVALID', `Draft ${row.id} does not compile; generate or edit again`);
      const document = withPicks((row.body as Draft).document, req.body.credentials ?? {});
      // Compiled against the owner's credentials as they are now: an open slot left unpicked is a 422 here.
      const { result } = await compileOrThrow(deps, ownerId, document);
      const name = typeof document.name === 'string' && document.name.trim() ? document.name.trim() : 'Generated workflow';
      const saved =
        row.kind === 'generate' ? await applyGenerated(row, ownerId, name, document) : await applyEdit(row, ownerId, name, document);
      return { ...workflowView(saved), warnings: result.warnings };
    },
  );

  /** A generated draft becomes a new workflow, once: the draft is claimed before the insert and released if it fails. */
  async function applyGenerated(row: AiDraftRow, ownerId: string, name: string, document: WorkflowDocument) {
    const claimed = await db
      .update(aiDrafts)
      .set({ status: 'applied' })
      .where(and(eq(aiDrafts.id, row.id), eq(aiDrafts.ownerId, ownerId), eq(aiDrafts.status, 'ready')))
      .returning({ id: aiDrafts.id });
    if (claimed.length === 0) throw new ApiError('DRAFT_APPLIED', `Draft ${row.id} was applied meanwhile`);
    try {
      const saved = await insertWorkflow(db, { ownerId, name, document });
      await db.update(aiDrafts).set({ appliedWorkflowId: saved.id, appliedVersion: saved.version }).where(eq(aiDrafts.id, row.id));
      return saved;
    } catch (err) {
      await db.update(aiDrafts).set({ status: 'ready' }).where(eq(aiDrafts.id, row.id));
      throw err;
    }
  }

  /** An edit becomes the next version of its workflow, only while that workflow is still at the edit's base version. */
  async function applyEdit(row: AiDraftRow, ownerId: string, name: string, document: WorkflowDocument) {
    if (!row.workflowId || !(await findWorkflow(db, ownerId, row.workflowId)))
      throw new ApiError('NOT_FOUND', `Workflow ${row.workflowId} not found`);
    const saved = await updateWorkflow(db, ownerId, row.workflowId, { name, document, baseVersion: row.baseVersion ?? undefined });
    if (saved.kind === 'not_found') throw new ApiError('NOT_FOUND', `Workflow ${row.workflowId} not found`);
    if (saved.kind === 'conflict')
      throw new ApiError(
        'VERSION_CONFLICT',
        `Workflow ${row.workflowId} is at version ${saved.current}, not ${row.baseVersion}: edit it again`,
        {
          currentVersion: saved.current,
        },
      );
    await markDraftApplied(db, ownerId, row.id, { workflowId: saved.row.id, version: saved.row.version });
    return saved.row;
  }
};
