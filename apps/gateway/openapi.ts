// The API's OpenAPI 3.1 document, generated from what the routes already declare: their zod schemas (through
// fastify-type-provider-zod's transforms into @fastify/swagger), their access and scope (security requirements),
// and the one error body. Nothing here lists routes: a route added anywhere appears in the document by itself.
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ShapeSchema } from '../../compiler/shapes.js';
import { API_ERRORS, ApiErrorBodySchema } from './errors.js';

/** Schemas shown once under components.schemas and referenced from every route (the error body of ~100 routes). */
const components = z.registry<{ id: string; examples?: unknown[] }>();
components.add(ApiErrorBodySchema, {
  id: 'ApiError',
  examples: [
    { error: { code: 'NOT_FOUND', message: 'Run run_01J9Z3 not found' } },
    {
      error: {
        code: 'VALIDATION_FAILED',
        message: 'Invalid request body: /name Required',
        details: { issues: [{ path: '/name', message: 'Required' }] },
      },
    },
  ],
});

// A node's inferred shape is JSON Schema itself, recursive: named here so its self-references resolve.
components.add(ShapeSchema, { id: 'Shape' });

export const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'An access token from POST /v1/auth/login (JWT), or an API key (`loom_<prefix>_<secret>`) as the bearer token.',
  },
  apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'An API key (`loom_<prefix>_<secret>`).' },
} as const;

/** Either scheme identifies the caller (a session token or an API key); a public route needs neither. */
const SIGNED_IN: { [scheme in keyof typeof SECURITY_SCHEMES]?: string[] }[] = [{ bearer: [] }, { apiKey: [] }];

const zodTransform = createJsonSchemaTransform({ schemaRegistry: components, skipList: [] });

/** The first path segment after the version: `/v1/runs/:id` is tagged `runs`. */
function tagOf(url: string): string {
  const [first, second] = url.split('/').filter(Boolean);
  return (first === 'v1' ? second : first) ?? 'root';
}

/** Every code of the error table with its status and message, so a client reading the document knows them all. */
function errorCodesDescription(): string {
  const lines = Object.entries(API_ERRORS).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.message.replaceAll('|', '\\|')} |`);
  return [
    'Every error answers `{ "error": { "code", "message", "details"? } }`. The codes:',
    '',
    '| Code | Status | Meaning |',
    '| --- | --- | --- |',
    ...lines,
  ].join('\n');
}

export function openApiOptions(info: { version: string }): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Loom API',
        version: info.version,
        description: `Durable workflows on Temporal: workflows, runs, people in the loop, credentials, files and knowledge.\n\n${errorCodesDescription()}`,
      },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: (document) => {
      // @fastify/websocket hides its routes from the document; Loom's are API routes like any other, so shown.
      const websocket = 'websocket' in document.route && document.route.websocket === true;
      const { hide: _hidden, ...declared } = document.schema ?? {};
      const { schema, url } = zodTransform({ ...document, schema: websocket ? declared : document.schema });
      const config = document.route.config ?? {};
      const access = config.access ?? 'public';
      const needs = config.scope ? `Requires ${access === 'admin' ? 'an administrator and ' : ''}the scope \`${config.scope}\`.` : '';
      const upgrade = websocket ? 'A WebSocket: send `Upgrade: websocket` (the token may come as `?access_token=`). ' : '';
      return {
        url,
        schema: {
          ...schema,
          tags: [tagOf(document.url)],
          // A public route that checks a credential of its own (/metrics and its token) declares it in its schema.
          security: access === 'public' ? (document.schema?.security ?? []) : SIGNED_IN,
          ...(upgrade || needs ? { description: `${upgrade}${needs}` } : {}),
        },
      };
    },
    transformObject: createJsonSchemaTransformObject({ schemaRegistry: components }),
  };
}
