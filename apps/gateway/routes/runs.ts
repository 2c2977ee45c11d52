// Runs: start one from a saved workflow, read its status and every node's outcome.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PlanSchema } from '../../../compiler/plan.js';
import { findPayloads } from '../../../activities/payloads.js';
import { findRun, listNodeExecutions, listRuns } from '../../../db/run-store.js';
import { RUN_STATUSES } from '../../../db/schema.js';
import { findWorkflow } from '../../../db/workflow-store.js';
import { readRun, RunStartError, startRun } from '../../../orchestrator/runs.js';
import { compileOrThrow } from '../compile.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, ApiErrorBodySchema } from '../errors.js';
import { NodeViewSchema, RunViewSchema, runView } from '../views.js';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const StartRunBody = z.object({ input: z.unknown().optional() }).strict().default({});

export const runRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const starter = { db, client: deps.temporal.client, taskQueue: deps.temporal.taskQueue };
  const errors = { 400: ApiErrorBodySchema, 404: ApiErrorBodySchema, 422: ApiErrorBodySchema, 503: ApiErrorBodySchema };

  async function view(runId: string) {
    const run = await readRun(starter, runId);
    if (!run) throw new ApiError('NOT_FOUND', `Run ${runId} not found`);
    const plan = PlanSchema.parse(run.plan);
    return runView(run, plan.nodes, await listNodeExecutions(db, run.id));
  }

  r.post('/v1/workflows/:id/runs', { schema: { params: IdParams, body: StartRunBody, response: { 202: RunViewSchema, ...errors } } }, async (req, reply) => {
    const workflow = await findWorkflow(db, req.params.id);
    if (!workflow) throw new ApiError('NOT_FOUND', `Workflow ${req.params.id} not found`);
    // The stored document is compiled afresh: the run records exactly the plan it executes.
    const { plan } = await compileOrThrow(deps, workflow.document);
    try {
      const run = await startRun(starter, { workflow, plan, input: req.body.input ?? {}, trigger: 'manual' });
      return reply.status(202).send(await view(run.id));
    } catch (err) {
      if (err instanceof RunStartError) throw new ApiError('TEMPORAL_UNAVAILABLE', err.message);
      throw err;
    }
  });

  r.get('/v1/runs/:id', { schema: { params: IdParams, response: { 200: RunViewSchema, ...errors } } }, async (req) => view(req.params.id));

  r.get(
    '/v1/runs/:id/payloads/:payloadId',
    { schema: { params: IdParams.extend({ payloadId: z.string().min(1).max(100) }), response: { 200: z.object({ id: z.string(), size: z.number(), data: z.unknown() }), ...errors } } },
    async (req) => {
      const [payload] = await findPayloads(db, req.params.id, [req.params.payloadId]);
      if (!payload) throw new ApiError('NOT_FOUND', `Payload ${req.params.payloadId} of run ${req.params.id} not found`);
      return { id: payload.id, size: payload.size, data: payload.data };
    },
  );

  r.get('/v1/runs/:id/nodes', { schema: { params: IdParams, response: { 200: z.object({ items: z.array(NodeViewSchema) }), ...errors } } }, async (req) => ({ items: (await view(req.params.id)).nodes }));

  const RunSummary = RunViewSchema.omit({ nodes: true, output: true, input: true });
  r.get(
    '/v1/runs',
    {
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
      const before = cursor ? await findRun(db, cursor) : undefined;
      if (cursor && !before) throw new ApiError('VALIDATION_FAILED', `Unknown cursor ${cursor}`);
      const rows = await listRuns(db, { workflowId, status, limit: limit + 1, before: before ? { createdAt: before.createdAt, id: before.id } : undefined });
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
