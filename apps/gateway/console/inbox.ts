// The inbox: the requests this person may answer, rendered on the server and kept live by the page's script over the
// WebSocket (`subscribe_inbox`), which asks for the list again whenever a request opens, gains an approval or closes.
// Answering posts a form, with or without script, through the same handler as the API's answer route.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findVisibleRequest, listRequests } from '../../../db/request-store.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { answerAsUser } from '../handlers/requests.js';
import { answerFromForm, FormBody, questionSection } from './answers.js';
import { html, type SafeHtml } from './html.js';
import { page } from './page.js';
import type { Csrf } from './session.js';
import { checkFormPost, signedIn, type SignedIn } from './sign-in.js';

export const inboxRoutes: FastifyPluginAsync<GatewayDeps & { csrf: Csrf }> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;
  const pageOf = (reply: FastifyReply, status: number, o: Parameters<typeof page>[0]) =>
    reply.status(status).type('text/html; charset=utf-8').send(page(o));

  const inboxList = async (me: SignedIn): Promise<SafeHtml> => {
    const open = await listRequests(db, { userId: me.principal.userId, groups: me.principal.groups }, { status: 'open', limit: 100 });
    if (open.length === 0)
      return html`<ul id="inbox" class="inbox">
        <li class="empty">Nothing is waiting for you.</li>
      </ul>`;
    return html`<ul id="inbox" class="inbox">
      ${open.map(
        (request) =>
          html`<li data-request="${request.id}">
            ${questionSection(request, { action: `/console/requests/${request.id}/answer`, csrf: me.csrf, headingLevel: 2 })}
            <p class="run-link"><a href="/console/runs/${request.runId}">Run ${request.runId}</a></p>
          </li>`,
      )}
    </ul>`;
  };

  const inboxRead = { access: 'user', scope: 'requests:read', sessionCookie: true } as const;
  r.get('/console', { config: inboxRead }, async (req, reply) => {
    const me = signedIn(req, deps.csrf);
    return pageOf(reply, 200, {
      title: 'Inbox',
      scripts: ['answer.js', 'inbox.js'],
      signedIn: me,
      body: html`<h1>Inbox</h1>
        <p class="live" id="live-state" role="status">Live updates are off.</p>
        ${await inboxList(me)}`,
    });
  });

  // The list alone: what the page's script swaps in when the WebSocket says the inbox changed.
  r.get('/console/inbox', { config: inboxRead }, async (req, reply) =>
    reply.type('text/html; charset=utf-8').send((await inboxList(signedIn(req, deps.csrf))).value),
  );

  r.post(
    '/console/requests/:id/answer',
    {
      config: { access: 'user', scope: 'requests:answer', sessionCookie: true },
      schema: { params: z.object({ id: z.string().min(1).max(100) }), body: FormBody },
    },
    async (req, reply) => {
      const { principal } = checkFormPost(req, deps.csrf, req.body.csrf);
      const request = await findVisibleRequest(db, { userId: principal.userId, groups: principal.groups }, req.params.id);
      if (!request) throw new ApiError('NOT_FOUND', `Request ${req.params.id} not found`);
      const parsed = answerFromForm(request, req.body);
      if ('errors' in parsed)
        throw new ApiError(
          'VALIDATION_FAILED',
          [...parsed.errors].map(([k, v]) => (k ? `${k}: ${v.join('; ')}` : v.join('; '))).join('; '),
        );
      const outcome = await answerAsUser({ db, client: deps.temporal.client }, principal, {
        requestId: request.id,
        answer: parsed.answer,
        via: 'api',
      });
      if (!(req.headers.accept ?? '').includes('text/html')) return reply.status(200).send({ status: outcome.status });
      return reply.redirect('/console', 303);
    },
  );
};
