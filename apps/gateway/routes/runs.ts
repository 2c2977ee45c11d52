// Runs: start one from a saved workflow, read its status and every node's outcome.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { expandPlan, StoredPlanSchema } from '../../../compiler/plan.js';
import { findPayloads } from '../../../db/payload-store.js';
import { countItemExecutions, findRun, listNodeExecutions, listRuns } from '../../../db/run-store.js';
import { RUN_STATUSES } from '../../../db/schema.js';
import { findWorkflow } from '../../../db/workflow-store.js';
import { startPartialRun } from '../../../orchestrator/partial-runs.js';
import { readRun, startRun } from '../../../orchestrator/runs.js';
import { principalOf } from '../auth/authenticate.js';
import { compileOrThrow } from '../compile.js';
import { addUsage } from '../../../db/usage-store.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { NodeViewSchema, RunViewSchema, runView } from '../views.js';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const NodeId = z.string().min(1).max(200);
const Handle = z.string().min(1).max(200);
const StartRunBody = z
  .object({
    input: z.unknown().optional(),
    /** A partial (test) run: from this node onward... */
    startAt: NodeId.optional(),
    /** ...with these nodes' outputs given instead of run... */
    pinned: z.record(NodeId, z.unknown()).optional(),
    /** ...and the outputs (and input) of this earlier run of the workflow where they are needed. */
    fromRunId: z.string().min(1).max(100).optional(),
    /**
     * For a pinned node with several outputs (logic.if, logic.switch), the output its data leaves by, or several (a
     * switch routing to every match); the earlier run's record otherwise. By node id.
     */
    branches: z.record(NodeId, z.union([Handle, z.array(Handle).min(1).max(100)])).optional(),
  })
  .strict()
  .default({});

export const runRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const starter = {
    db,
    client: deps.temporal.client,
    taskQueue: deps.temporal.taskQueue,
    ...(deps.temporal.runHistoryEvents ? { runHistoryEvents: deps.temporal.runHistoryEvents } : {}),
  };
  const errors = errorResponses(400, 401, 403, 404, 422, 429, 503);
  const read = { access: 'user', scope: 'runs:read' } as const;

  async function view(ownerId: string, runId: string) {
    const run = await readRun(starter, runId, ownerId);
    if (!run) throw new ApiError('NOT_FOUND', `Run ${runId} not found`);
    const plan = expandPlan(StoredPlanSchema.parse(run.plan));
    const [executions, items] = await Promise.all([listNodeExecutions(db, run.id), countItemExecutions(db, run.id)]);
    return runView(run, plan.nodes, executions, items);
  }

  r.post(
    '/v1/workflows/:id/runs',
    {
      config: { access: 'user', scope: 'runs:write', limit: 'execute' },
      schema: { params: IdParams, body: StartRunBody, response: { 202: RunViewSchema, ...errors } },
    },
    async (req, reply) => {
      const userId = principalOf(req).userId;
      const workflow = await findWorkflow(db, userId, req.params.id);
      if (!workflow) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} not found`);
      // The stored document is compiled afresh: the run records exactly the plan it executes.
      const { plan, result } = await compileOrThrow(deps, userId, workflow.document);
      const { startAt, pinned, fromRunId, branches, input } = req.body;
      if (startAt !== undefined || pinned !== undefined || fromRunId !== undefined || branches !== undefined) {
        // A partial run is a test run of the saved version, on Temporal like any other (approvals still apply).
        const started = await startPartialRun(starter, {
          workflow,
          plan,
          startAt,
          pinned,
          fromRunId,
          branches,
          input,
          startedBy: userId,
        });
        if (!started.ok) {
          const n = started.errors.length;
          throw new ApiError('WORKFLOW_INVALID', `This partial run has ${n} error${n === 1 ? '' : 's'}`, {
            errors: started.errors,
            warnings: result.warnings,
          });
        }
        await addUsage(db, userId, 'runs', 1, new Date());
        return reply.status(202).send(await view(userId, started.run.id));
      }
      // A run that could not start is an OrchestratorError (TEMPORAL_UNAVAILABLE), which the error handler maps.
      // A manual run starts at the manual trigger when the workflow has one beside its webhooks and schedules.
      const manual = plan.nodes.find((n) => n.type === 'trigger.manual')?.id;
      const run = await startRun(starter, {
        workflow,
        plan,
        input: req.body.input ?? {},
        trigger: 'manual',
        startedBy: userId,
        ...(manual ? { triggerNodeId: manual } : {}),
      });
      await addUsage(db, userId, 'runs', 1, new Date());
      return reply.status(202).send(await view(userId, run.id));
    },
  );

  r.get('/v1/runs/:id', { config: read, schema: { params: IdParams, response: { 200: RunViewSchema, ...errors } } }, async (req) =>
    view(principalOf(req).userId, req.params.id),
  );

  r.get(
    '/v1/runs/:id/payloads/:payloadId',
    {
      config: read,
      schema: {
        params: IdParams.extend({ payloadId: z.string().min(1).max(100) }),
        response: { 200: z.object({ id: z.string(), size: z.number(), data: z.unknown() }), ...errors },
      },
    },
    async (req) => {
      if (!(await findRun(db, req.params.id, principalOf(req).userId))) throw new ApiError('NOT_FOUND', `Run ${req.params.id} not found`);
      const [payload] = await findPayloads(db, req.params.id, [req.params.payloadId]);
      if (!payload) throw new ApiError('NOT_FOUND', `Payload ${req.params.payloadId} of run ${req.params.id} not found`);
      return { id: payload.id, size: payload.size, data: payload.data };
    },
  );

  r.get(
    '/v1/runs/:id/nodes',
    { config: read, schema: { params: IdParams, response: { 200: z.object({ items: z.array(NodeViewSchema) }), ...errors } } },
    async (req) => ({ items: (await view(principalOf(req).userId, req.params.id)).nodes }),
  );

  const RunSummary = RunViewSchema.omit({ nodes: true, output: true, input: true });
  r.get(
    '/v1/runs',
    {
      config: read,
      schema: {
        querystring: z.object({
          workflowId: z.string().max(100).optional(),
          status: z
            .string()
            .optional()
            .transform((s) => (s ? s.split(',') : undefined))
            .pipe(z.array(z.enum(RUN_STATUSES)).optional()),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(200).optional(),
        }),
        response: { 200: z.object({ items: z.array(RunSummary), nextCursor: z.string().nullable() }), ...errors },
      },
    },
    async (req) => {
      const { workflowId, status, limit, cursor } = req.query;
      const ownerId = principalOf(req).userId;
      const before = cursor ? await findRun(db, cursor, ownerId) : undefined;
      if (cursor && !before) throw new ApiError('VALIDATION_FAILED', `Unknown cursor ${cursor}`);
      const rows = await listRuns(db, {
        ownerId,
        workflowId,
        status,
        limit: limit + 1,
        before: before ? { createdAt: before.createdAt, id: before.id } : undefined,
      });
      const page = rows.slice(0, limit);
      return {
        items: page.map((run) => {
          const { nodes: _nodes, output: _output, input: _input, ...summary } = runView(run, [], []);
          return summary;
        }),
        nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  );
};
