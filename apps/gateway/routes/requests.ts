// The person's side of human-in-the-loop: the inbox of open requests, one request, answering it, and a run's audit trail.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findRequest, listAudit, listRequests } from '../../../db/request-store.js';
import { REQUEST_STATUSES, type HumanRequestRow } from '../../../db/schema.js';
import { answerRequest, RequestAnswerError } from '../../../orchestrator/requests.js';
import { LinkError } from '../../../platform/answer-links.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, ApiErrorBodySchema } from '../errors.js';

const RequestView = z.object({
  id: z.string(),
  runId: z.string(),
  nodeId: z.string(),
  kind: z.string(),
  status: z.enum(REQUEST_STATUSES),
  question: z.string(),
  options: z.array(z.object({ value: z.string(), label: z.string() })),
  allowFreeText: z.boolean(),
  details: z.unknown(),
  createdAt: z.string(),
  expiresAt: z.string(),
  answer: z.unknown(),
  answeredBy: z.string().nullable(),
  answeredVia: z.string().nullable(),
  answeredAt: z.string().nullable(),
});

function view(r: HumanRequestRow): z.infer<typeof RequestView> {
  return {
    id: r.id,
    runId: r.runId,
    nodeId: r.nodeId,
    kind: r.kind,
    status: r.status,
    question: r.question,
    options: r.options as { value: string; label: string }[],
    allowFreeText: r.allowFreeText === 1,
    details: r.details,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    answer: r.answer,
    answeredBy: r.answeredBy,
    answeredVia: r.answeredVia,
    answeredAt: r.answeredAt?.toISOString() ?? null,
  };
}

const IdParams = z.object({ id: z.string().min(1).max(100) });
const errors = { 400: ApiErrorBodySchema, 404: ApiErrorBodySchema, 409: ApiErrorBodySchema };

export function toApiError(err: unknown): unknown {
  if (!(err instanceof RequestAnswerError)) return err;
  return new ApiError(err.code === 'INVALID_ANSWER' ? 'VALIDATION_FAILED' : err.code, err.message);
}

export const requestRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;

  r.get(
    '/v1/requests',
    { schema: { querystring: z.object({ status: z.enum(REQUEST_STATUSES).optional(), runId: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }), response: { 200: z.object({ items: z.array(RequestView) }), ...errors } } },
    async (req) => ({ items: (await listRequests(db, req.query)).map(view) }),
  );

  r.get('/v1/requests/:id', { schema: { params: IdParams, response: { 200: RequestView, ...errors } } }, async (req) => {
    const request = await findRequest(db, req.params.id);
    if (!request) throw new ApiError('NOT_FOUND', `Request ${req.params.id} not found`);
    return view(request);
  });

  r.post(
    '/v1/requests/:id/answer',
    // `by` names the person until accounts exist; then it comes from the authenticated user.
    { schema: { params: IdParams, body: z.object({ answer: z.string().min(1).max(10_000), by: z.string().min(1).max(200).default('api') }).strict(), response: { 200: RequestView, ...errors } } },
    async (req) => {
      try {
        await answerRequest({ db, client: deps.temporal.client }, { requestId: req.params.id, answer: req.body.answer, by: req.body.by, via: 'api' });
      } catch (err) {
        throw toApiError(err);
      }
      // The workflow records the decision in an activity a moment later; answer with what was decided now.
      const request = await findRequest(db, req.params.id);
      if (!request) throw new ApiError('NOT_FOUND', `Request ${req.params.id} not found`);
      return { ...view(request), status: 'answered' as const, answer: req.body.answer, answeredBy: request.answeredBy ?? req.body.by, answeredVia: request.answeredVia ?? 'api' };
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
  r.get('/v1/answer-links/:token', { schema: { params: TokenParams, response: { 200: RequestView, ...errors } } }, async (req) => view(await requestFromLink(req.params.token)));
  r.post(
    '/v1/answer-links/:token',
    { schema: { params: TokenParams, body: z.object({ answer: z.string().min(1).max(10_000), by: z.string().min(1).max(200).default('answer link') }).strict(), response: { 200: RequestView, ...errors } } },
    async (req) => {
      const request = await requestFromLink(req.params.token);
      try {
        await answerRequest({ db, client: deps.temporal.client }, { requestId: request.id, answer: req.body.answer, by: req.body.by, via: 'link' });
      } catch (err) {
        throw toApiError(err);
      }
      return { ...view(request), status: 'answered' as const, answer: req.body.answer, answeredBy: req.body.by, answeredVia: 'link' };
    },
  );

  r.get(
    '/v1/runs/:id/audit',
    { schema: { params: IdParams, response: { 200: z.object({ items: z.array(z.object({ requestId: z.string().nullable(), action: z.string(), question: z.string().nullable(), answer: z.unknown(), actor: z.string(), channel: z.string(), latencyMs: z.number().nullable(), at: z.string() })) }), ...errors } } },
    async (req) => ({
      items: (await listAudit(db, req.params.id)).map((a) => ({ requestId: a.requestId, action: a.action, question: a.question, answer: a.answer, actor: a.actor, channel: a.channel, latencyMs: a.latencyMs, at: a.at.toISOString() })),
    }),
  );
};
