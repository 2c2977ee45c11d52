// POST /v1/nodes/test: runs one node of a document not yet saved, on an input the caller gives, with the caller's
// credentials (an id that is not one of theirs is not found, as on /v1/credentials/:id). The node is compiled behind
// a manual trigger whose output is the input, and runs on Temporal like any run (a sensitive node still asks for
// approval), recorded as a test run of the owner's node-test workflow.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listCredentials } from '../../../db/credential-store.js';
import { addUsage } from '../../../db/usage-store.js';
import { nodeTestWorkflow } from '../../../db/workflow-store.js';
import { TEST_TRIGGER } from '../../../orchestrator/partial-runs.js';
import { readRun, startRun } from '../../../orchestrator/runs.js';
import { principalOf } from '../auth/authenticate.js';
import { compileOrThrow } from '../compile.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { RunViewSchema, runView } from '../views.js';
import { expandPlan } from '../../../compiler/plan.js';
import { listNodeExecutions } from '../../../db/run-store.js';

/** The node as a document holds it (the compiler checks the rest); the input the trigger hands it. */
const NodeTestBody = z
  .object({
    node: z.record(z.string(), z.unknown()),
    input: z.unknown().optional(),
    /** Credential ids by slot, over whatever the node names itself. */
    credentials: z
      .record(z.string().max(200), z.string().min(1).max(100))
      .refine((slots) => Object.keys(slots).length <= 50, 'At most 50 credential slots')
      .optional(),
  })
  .strict();

/** The trigger's id in the document a node test compiles; a node may not take it. */
const INPUT_ID = 'input';

export const nodeTestRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const { db } = deps.database;
  const starter = {
    db,
    client: deps.temporal.client,
    taskQueue: deps.temporal.taskQueue,
  };
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/nodes/test',
    {
      config: { access: 'user', scope: 'runs:write', limit: 'execute' },
      schema: { body: NodeTestBody, response: { 202: RunViewSchema, ...errorResponses(400, 401, 403, 404, 422, 429, 503) } },
    },
    async (req, reply) => {
      const userId = principalOf(req).userId;
      const { node, input, credentials } = req.body;
      if (node.id === INPUT_ID) throw new ApiError('VALIDATION_FAILED', `A tested node may not have the id "${INPUT_ID}"`);
      const own = node.credentials && typeof node.credentials === 'object' ? (node.credentials as Record<string, unknown>) : {};
      // Each credential the test names must be the caller's; another user's id is as unknown as a made-up one.
      // One read of the caller's credentials, whatever the number of slots the body names.
      const named = Object.entries({ ...own, ...credentials });
      const mine = named.length > 0 ? new Set((await listCredentials(db, userId)).map((c) => c.id)) : new Set<string>();
      for (const [slot, id] of named)
        if (typeof id === 'string' && !mine.has(id))
          throw new ApiError('NOT_FOUND', `Credential ${id} not found`, { slot, credentialId: id });
      const document = {
        name: 'Node test',
        nodes: [
          { id: INPUT_ID, type: 'trigger.manual' },
          { ...node, ...(credentials || node.credentials ? { credentials: { ...own, ...credentials } } : {}) },
        ],
        edges: [{ id: `${INPUT_ID}-edge`, source: INPUT_ID, target: typeof node.id === 'string' ? node.id : '' }],
      };
      const { plan } = await compileOrThrow(deps, userId, document);
      const workflow = await nodeTestWorkflow(db, userId);
      const run = await startRun(starter, {
        workflow,
        plan,
        input: input ?? {},
        trigger: TEST_TRIGGER,
        startedBy: userId,
        triggerNodeId: INPUT_ID,
      });
      await addUsage(db, userId, 'runs', 1, new Date());
      const row = (await readRun(starter, run.id, userId)) ?? run;
      return reply.status(202).send(runView(row, expandPlan(plan).nodes, await listNodeExecutions(db, run.id)));
    },
  );
};
