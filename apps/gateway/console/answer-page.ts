// The page behind a signed answer link (`/a/:token`): no sign-in, the token grants answering this one request.
// Works with plain form posts; the page's script only checks the form before it is sent. The server decides every
// time (the request's state, the form's schema, the workflow's validator), so a second click changes nothing.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findRequest } from '../../../db/request-store.js';
import type { HumanRequestRow } from '../../../db/schema.js';
import { OrchestratorError } from '../../../orchestrator/errors.js';
import { answerRequest } from '../../../orchestrator/requests.js';
import { LinkError } from '../../../platform/answer-links.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { answerFromForm, closedSection, FormBody, questionSection } from './answers.js';
import { html } from './html.js';
import { page } from './page.js';
import { refuseCrossSite, type Csrf } from './session.js';
import { fieldErrors } from './schema-form.js';

const TokenParams = z.object({ token: z.string().min(10).max(2_000) });

export const answerPageRoutes: FastifyPluginAsync<GatewayDeps & { csrf: Csrf }> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const link = { access: 'public' } as const;
  const csrfOf = (token: string) => deps.csrf.tokenFor(`link:${token}`);

  const requestOf = async (token: string): Promise<HumanRequestRow> => {
    let requestId: string;
    try {
      requestId = deps.links.verify(token).requestId;
    } catch (err) {
      if (err instanceof LinkError)
        throw new ApiError(
          err.code === 'LINK_EXPIRED' ? 'REQUEST_CLOSED' : 'NOT_FOUND',
          err.code === 'LINK_EXPIRED' ? 'This answer link has expired' : 'This answer link is not valid',
        );
      throw err;
    }
    const request = await findRequest(db, requestId);
    if (!request) throw new ApiError('NOT_FOUND', 'This answer link is not valid');
    return request;
  };
  const send = (reply: FastifyReply, status: number, title: string, body: ReturnType<typeof html>) =>
    reply
      .status(status)
      .type('text/html; charset=utf-8')
      .send(page({ title, body, scripts: ['answer.js'] }));

  r.get('/a/:token', { config: link, schema: { params: TokenParams } }, async (req, reply) => {
    const request = await requestOf(req.params.token);
    if (request.status !== 'open') return send(reply, 200, 'Already answered', closedSection(request));
    const action = `/a/${req.params.token}`;
    return send(reply, 200, request.question.slice(0, 80), questionSection(request, { action, csrf: csrfOf(req.params.token) }));
  });

  r.post('/a/:token', { config: link, schema: { params: TokenParams, body: FormBody } }, async (req, reply) => {
    const { token } = req.params;
    refuseCrossSite(req);
    if (!deps.csrf.check(`link:${token}`, req.body.csrf)) throw new ApiError('FORBIDDEN', 'This form has expired; open the link again');
    const request = await requestOf(token);
    if (request.status !== 'open') return send(reply, 409, 'Already answered', closedSection(request));
    const action = `/a/${token}`;
    const again = (errors: ReturnType<typeof fieldErrors>) =>
      send(reply, 422, 'Check your answer', questionSection(request, { action, csrf: csrfOf(token), values: req.body, errors }));
    const parsed = answerFromForm(request, req.body);
    if ('errors' in parsed) return again(parsed.errors);
    try {
      await answerRequest(
        { db, client: deps.temporal.client },
        { requestId: request.id, answer: parsed.answer, answerer: { kind: 'link' }, via: 'link' },
      );
    } catch (err) {
      if (!(err instanceof OrchestratorError)) throw err;
      if (err.code === 'REQUEST_CLOSED')
        return send(reply, 409, 'Already answered', closedSection((await findRequest(db, request.id)) ?? request));
      if (err.code === 'INVALID_ANSWER') return again(fieldErrors([err.message]));
      throw err;
    }
    const shown = request.options as { value: string; label: string }[];
    const label = shown.find((o) => o.value === parsed.answer)?.label ?? parsed.answer;
    return send(
      reply,
      200,
      'Thank you',
      html`<section class="question">
        <h1>${request.question}</h1>
        <p class="done" role="status">Thank you: your answer <strong>${label}</strong> was recorded.</p>
      </section>`,
    );
  });
};
