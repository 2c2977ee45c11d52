// The console: HTML pages served by the gateway (answer links, sign-in, inbox, runs). Encapsulated, so what it sets
// here (its content policy, its form parser, its error pages) stays off the JSON API. Its routes declare access like
// every other; pages also read the console's cookie (`sessionCookie`). A browser (Accept: text/html) gets pages and
// redirects; any other client gets the API's JSON errors, so the authorization matrix reads these routes like the rest.
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { apiErrorOf, errorHandler } from '../errors.js';
import { answerPageRoutes } from './answer-page.js';
import { html } from './html.js';
import { inboxRoutes } from './inbox.js';
import { ASSETS, CONSOLE_CSP, page } from './page.js';
import { runPageRoutes } from './run-pages.js';
import { signInRoutes } from './sign-in.js';
import { createCsrf } from './session.js';

const FORM_LIMIT_BYTES = 256 * 1024;
const SIGN_IN_CODES = new Set(['UNAUTHENTICATED', 'SESSION_ENDED', 'TOKEN_EXPIRED']);

export function wantsHtml(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

function htmlError(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (!wantsHtml(req)) return errorHandler(err, req, reply);
  const known = apiErrorOf(err);
  if (known && SIGN_IN_CODES.has(known.code)) {
    const next = req.method === 'GET' ? req.url : '/console';
    return reply.redirect(`/console/sign-in?next=${encodeURIComponent(next)}`, 303);
  }
  const status = known?.status ?? (err.statusCode && err.statusCode < 500 ? err.statusCode : 500);
  if (status >= 500) req.log.error({ err }, 'console page failed');
  const message =
    known?.message ?? (status === 404 ? 'Not found' : status < 500 ? 'This request could not be understood' : 'Something went wrong');
  const title = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 409 ? 'Already done' : 'Could not do that';
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(
      page({
        title,
        body: html`<h1>${title}</h1>
          <p role="alert">${message}</p>
          <p><a href="/console">Back to the console</a></p>`,
      }),
    );
}

export const consolePlugin: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const csrf = createCsrf(deps.auth.jwtSecret);
  app.setErrorHandler(htmlError);
  // Pages, not API: kept out of a generated OpenAPI document (@fastify/swagger reads `schema.hide`).
  app.addHook('onRoute', (route) => {
    route.schema = Object.assign(route.schema ?? {}, { hide: true });
  });
  // Plain form posts (no script needed). Object.fromEntries defines own properties: `__proto__` stays a field.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES }, (_req, body, done) => {
    // A repeated name collects into one list, appended in place (a body of one name repeated stays linear).
    const fields = new Map<string, string[]>();
    for (const [k, v] of new URLSearchParams(body as string)) {
      const had = fields.get(k);
      if (had) had.push(v);
      else fields.set(k, [v]);
    }
    done(null, Object.fromEntries([...fields].map(([k, vs]) => [k, vs.length === 1 ? vs[0]! : vs])));
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    void reply.header('content-security-policy', CONSOLE_CSP);
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) void reply.header('cache-control', 'no-store');
    return payload;
  });

  app.get(
    '/console/assets/:file',
    {
      config: { access: 'public' },
      schema: { params: z.object({ file: z.string().max(100) }), querystring: z.object({ v: z.string().max(40).optional() }) },
    },
    async (req, reply) => {
      const found = ASSETS.get((req.params as { file: string }).file);
      if (!found) return reply.status(404).type('text/plain').send('Not found');
      return reply.type(found.type).header('cache-control', 'public, max-age=31536000, immutable').send(found.body);
    },
  );

  await app.register(answerPageRoutes, { ...deps, csrf });
  await app.register(signInRoutes, { ...deps, csrf });
  await app.register(inboxRoutes, { ...deps, csrf });
  await app.register(runPageRoutes, { ...deps, csrf });
};
