// GET /openapi.json (the document @fastify/swagger builds from every route's schemas) and GET /docs (a reference
// page rendered from it). Public: the API's shape is no secret, and an editor reads it before anyone signs in.
import type { FastifyPluginAsync } from 'fastify';
import { DOCS_CSP, renderDocsPage } from '../docs-page.js';

export const docsRoutes: FastifyPluginAsync = async (app) => {
  // Rendered once, on first request: every route is registered by then, and the document does not change after.
  let page: string | undefined;
  app.get('/openapi.json', { config: { access: 'public' }, schema: { summary: 'This document (OpenAPI 3.1)' } }, async () => app.swagger());
  app.get('/docs', { config: { access: 'public' }, schema: { summary: 'The API reference page' } }, async (_req, reply) => {
    page ??= renderDocsPage(app.swagger());
    return reply.header('content-security-policy', DOCS_CSP).type('text/html; charset=utf-8').send(page);
  });
};
