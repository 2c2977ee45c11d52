// The person's side of human-in-the-loop: the inbox of open requests, one request, answering it, and a run's audit trail.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { findVisibleRequest, listAudit, listRequests, type RequestViewer } from '../../../db/request-store.js';
import { findRun } from '../../../db/run-store.js';
import { REQUEST_STATUSES, type HumanRequestRow } from '../../../db/schema.js';
import { AuditViewSchema, auditView, RequestViewSchema as RequestView, requestView as view } from '../views.js';
import { answerRequest, type AnswerOutcome } from '../../../orchestrator/requests.js';
import { findRequest } from '../../../db/request-store.js';
import { principalOf } from '../auth/authenticate.js';
import { LinkError } from '../../../platform/answer-links.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';
import { answerAsUser } from '../handlers/requests.js';

function viewer(req: FastifyRequest): RequestViewer {
  const p = principalOf(req);
  return { userId: p.userId, groups: p.groups };
}

const IdParams = z.object({ id: z.string().min(1).max(100) });
const errors = errorResponses(400, 401, 403, 404, 409);
const read = { access: 'user', scope: 'requests:read' } as const;
const AnswerBody = z.object({ answer: z.string().min(1).max(10_000) }).strict();

/** The request after an answer: decided now, or still waiting for more approvals. */
function afterAnswer(
  request: HumanRequestRow,
  outcome: AnswerOutcome,
  answer: string,
  by: string,
  via: string,
): z.infer<typeof RequestView> {
  if (outcome.status === 'awaiting_approvals') return view(request);
  // The workflow records the decision in an activity a moment later; answer with what was decided now.
  return { ...view(request), status: 'answered', answer, answeredBy: request.answeredBy ?? by, answeredVia: request.answeredVia ?? via };
}

export const requestRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;

  r.get(
    '/v1/requests',
    {
      config: read,
      schema: {
        querystring: z.object({
          status: z.enum(REQUEST_STATUSES).optional(),
          runId: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(RequestView) }), ...errors },
      },
    },
    async (req) => ({ items: (await listRequests(db, viewer(req), req.query)).map(view) }),
  );

  r.get('/v1/requests/:id', { config: read, schema: { params: IdParams, response: { 200: RequestView, ...errors } } }, async (req) => {
    const request = await findVisibleRequest(db, viewer(req), req.params.id);
    if (!request) throw new ApiError('NOT_FOUND', `Request ${req.params.id} not found`);
    return view(request);
  });

  r.post(
    '/v1/requests/:id/answer',
    // 200: decided. 202: an approval counted, more approvers are needed.
    {
      config: { access: 'user', scope: 'requests:answer' },
      schema: { params: IdParams, body: AnswerBody, response: { 200: RequestView, 202: RequestView, ...errors } },
    },
    async (req, reply) => {
      const v = viewer(req);
      // The same handler as the WebSocket's answer command; the error handler maps its refusals.
      const outcome = await answerAsUser({ db, client: deps.temporal.client }, principalOf(req), {
        requestId: req.params.id,
        answer: req.body.answer,
        via: 'api',
      });
      const request = await findVisibleRequest(db, v, req.params.id);
      if (!request) throw new ApiError('NOT_FOUND', `Request ${req.params.id} not found`);
      return reply.status(outcome.status === 'answered' ? 200 : 202).send(afterAnswer(request, outcome, req.body.answer, v.userId, 'api'));
    },
  );

  // Signed links: no login, the token itself grants answering this one request, once, until it expires.
  const TokenParams = z.object({ token: z.string().min(10).max(2_000) });
  const requestFromLink = async (token: string) => {
    let requestId: string;
    try {
      requestId = deps.links.verify(token).requestId;
    } catch (err) {
      if (err instanceof LinkError) throw new ApiError(err.code === 'LINK_EXPIRED' ? 'REQUEST_CLOSED' : 'NOT_FOUND', err.message);
      throw err;
    }
    const request = await findRequest(db, requestId);
    if (!request) throw new ApiError('NOT_FOUND', 'This answer link is not valid');
    return request;
  };
  const link = { access: 'public' } as const;
  r.get(
    '/v1/answer-links/:token',
    { config: link, schema: { params: TokenParams, response: { 200: RequestView, ...errors } } },
    async (req) => view(await requestFromLink(req.params.token)),
  );
  r.post(
    '/v1/answer-links/:token',
    { config: link, schema: { params: TokenParams, body: AnswerBody, response: { 200: RequestView, ...errors } } },
    async (req) => {
      const request = await requestFromLink(req.params.token);
      const outcome = await answerRequest(
        { db, client: deps.temporal.client },
        { requestId: request.id, answer: req.body.answer, answerer: { kind: 'link' }, via: 'link' },
      );
      return afterAnswer(request, outcome, req.body.answer, 'answer link', 'link');
    },
  );

  r.get(
    '/v1/runs/:id/audit',
    // The run's owner reads its trail; admins read every trail.
    {
      config: { access: 'user', scope: 'runs:read' },
      schema: { params: IdParams, response: { 200: z.object({ items: z.array(AuditViewSchema) }), ...errors } },
    },
    async (req) => {
      const p = principalOf(req);
      if (!(await findRun(db, req.params.id, p.role === 'admin' ? undefined : p.userId)))
        throw new ApiError('NOT_FOUND', `Run ${req.params.id} not found`);
      const items = await listAudit(db, req.params.id);
      return { items: items.map(auditView) };
    },
  );
};
