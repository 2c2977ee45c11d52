// The API description: /openapi.json covers every route the gateway registered (walked from app.routeTable, so a
// route added anywhere is checked without editing this file), validates against the OpenAPI 3.1 schema, and names
// every error code; /docs renders it under a content policy that allows no script and nothing from elsewhere.
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES } from '../apps/gateway/errors.js';
import { startTestStack, type TestStack } from './support/stack.js';

let stack: TestStack;
let document: {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; responses?: Record<string, unknown> }>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
};
beforeAll(async () => {
  // With a metrics token, /metrics is a route of the API port too, and must be described like the others.
  stack = await startTestStack({ gateway: { metricsToken: 'a-metrics-token-for-openapi' } });
  const res = await stack.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  document = res.json();
});
afterAll(async () => stack?.close());

/** Fastify's `/v1/runs/:id` as OpenAPI writes it: `/v1/runs/{id}`. */
const CONSOLE_PAGE = /^\/(console|a)(\/|$)/;
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('GET /openapi.json', () => {
  it('validates as an OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every route of the route table, public ones without security and the others with both schemes', () => {
    expect(stack.app.routeTable.length).toBeGreaterThan(50);
    const missing: string[] = [];
    for (const route of stack.app.routeTable) {
      // The console's HTML pages (apps/gateway/console) are for browsers, not API clients: left out on purpose.
      if (CONSOLE_PAGE.test(route.url)) continue;
      const operation = document.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      if (!operation) {
        missing.push(`${route.method} ${route.url}`);
        continue;
      }
      if (route.access !== 'public') expect(operation.security, `${route.method} ${route.url}`).toEqual([{ bearer: [] }, { apiKey: [] }]);
    }
    expect(missing).toEqual([]);
    expect(document.paths['/healthz']?.get?.security).toEqual([]);
    expect(document.paths['/metrics']?.get?.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['apiKey', 'bearer']);
  });

  it('names every error code of apps/gateway/errors.ts, and error answers refer to the one error body', () => {
    const text = JSON.stringify(document);
    expect(API_ERROR_CODES.filter((code) => !text.includes(`"${code}"`))).toEqual([]);
    const runRead = document.paths['/v1/runs/{id}']?.get?.responses?.['404'];
    expect(JSON.stringify(runRead)).toContain('#/components/schemas/ApiError');
    expect(JSON.stringify(document.components.schemas.ApiError)).toContain('ROUTE_NOT_FOUND');
  });
});

describe('GET /docs', () => {
  it('lists the routes in a page that runs no script and loads nothing from elsewhere', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).not.toMatch(/script-src|unsafe-inline|https?:/);
    expect(res.body).not.toMatch(/<script/i);
    expect(res.body).toContain('/v1/runs/{id}');
    expect(res.body).toContain('/v1/workflows');
  });
});
