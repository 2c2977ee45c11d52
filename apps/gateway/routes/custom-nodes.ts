// Custom nodes: uploaded as source (TypeScript, JavaScript or Python), judged in a sandbox, kept as immutable versions
// private to their owner until an administrator publishes one. Another user's private node is a 404 everywhere, and
// absent from their palette and their compiler.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  deleteCustomNodeType,
  findVersionWithSource,
  listVisibleVersions,
  setCustomNodeDisabled,
  setCustomNodePublished,
  type VisibleVersion,
} from '../../../db/custom-node-store.js';
import { CUSTOM_SOURCE_LANGUAGES } from '../../../db/schema.js';
import { CUSTOM_NODE_LIMITS } from '../../../nodes/custom/declaration.js';
import { UPLOAD_ISSUE_CODES, uploadCustomNode } from '../../../orchestrator/custom-nodes.js';
import { ADMIN_ROUTE } from '../auth/access.js';
import { principalOf } from '../auth/authenticate.js';
import type { GatewayDeps } from '../deps.js';
import { ApiError, errorResponses } from '../errors.js';

const VersionView = z.object({
  type: z.string(),
  version: z.number(),
  language: z.enum(CUSTOM_SOURCE_LANGUAGES),
  displayName: z.string(),
  description: z.string(),
  codeHash: z.string(),
  /** Whether the caller owns the type (else it is a published version of someone else's). */
  own: z.boolean(),
  published: z.boolean(),
  disabled: z.boolean(),
  /** The declaration as extracted in the sandbox, names in the owner's namespace. */
  declaration: z.record(z.string(), z.unknown()),
  /** What the declaration leaves to Loom's strictest default. */
  warnings: z.array(z.object({ code: z.enum(['OPERATIONS_UNDECLARED', 'NO_HOSTS']), message: z.string() })),
  createdAt: z.string(),
});
const VersionDetail = VersionView.extend({ source: z.string() });
const TypeView = z.object({
  type: z.string(),
  displayName: z.string(),
  latestVersion: z.number(),
  versions: z.number(),
  own: z.boolean(),
  disabled: z.boolean(),
});
const UploadIssue = z.object({
  code: z.enum(UPLOAD_ISSUE_CODES),
  message: z.string(),
  path: z.array(z.union([z.string(), z.number()])).optional(),
  line: z.number().optional(),
  column: z.number().optional(),
  sandboxCode: z.string().optional(),
});

const TypeName = z.string().min(1).max(200);
const TypeParams = z.object({ type: TypeName });
const VersionParams = z.object({ type: TypeName, version: z.coerce.number().int().min(1) });
const errors = errorResponses(400, 401, 403, 404);
const read = { access: 'user', scope: 'nodes:read' } as const;
// An upload runs the code in a sandbox: it spends the compile allowance, as saving a workflow does.
const write = { access: 'user', scope: 'nodes:write', limit: 'compile' } as const;

function warningsOf(row: VisibleVersion): z.infer<typeof VersionView>['warnings'] {
  const node = row.declaration.node;
  return [
    ...(node.operations === null
      ? [{ code: 'OPERATIONS_UNDECLARED' as const, message: 'The node declares no operations: every run asks a person before it runs' }]
      : []),
    ...(node.hosts === null
      ? [
          {
            code: 'NO_HOSTS' as const,
            message: 'The node leaves its hosts out: every run asks a person first, and every HTTP request it makes is refused',
          },
        ]
      : node.hosts.length === 0
        ? [{ code: 'NO_HOSTS' as const, message: 'The node declares no hosts: every HTTP request it makes is refused' }]
        : []),
  ];
}

function versionView(row: VisibleVersion, userId: string): z.infer<typeof VersionView> {
  return {
    type: row.type,
    version: row.version,
    language: row.sourceLanguage,
    displayName: row.declaration.node.displayName,
    description: row.declaration.node.description,
    codeHash: row.codeHash,
    own: row.ownerId === userId,
    published: row.publishedAt !== null,
    disabled: row.disabled,
    declaration: row.declaration as unknown as Record<string, unknown>,
    warnings: warningsOf(row),
    createdAt: row.createdAt.toISOString(),
  };
}

export const customNodeRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps.database;

  /** The versions of one type the caller may see, newest first; a 404 when none. */
  async function visible(userId: string, type: string): Promise<VisibleVersion[]> {
    const rows = await listVisibleVersions(db, userId, type);
    if (rows.length === 0) throw new ApiError('NOT_FOUND', `Custom node ${type} not found`);
    return rows;
  }

  r.post(
    '/v1/custom-nodes',
    {
      config: write,
      // The source's own limit is checked with a precise message; the body may carry a little JSON around it.
      bodyLimit: CUSTOM_NODE_LIMITS.sourceBytes * 2 + 16 * 1024,
      schema: {
        body: z.object({ language: z.enum(CUSTOM_SOURCE_LANGUAGES), source: z.string().min(1) }).strict(),
        response: { 200: VersionView, 201: VersionView, ...errorResponses(400, 401, 403, 413, 422) },
      },
    },
    async (req, reply) => {
      const { userId } = principalOf(req);
      const outcome = await uploadCustomNode(db, deps.customNodes.runtime, userId, req.body);
      if (outcome.kind === 'invalid') {
        const n = outcome.issues.length;
        throw new ApiError('CUSTOM_NODE_INVALID', `The node has ${n} problem${n === 1 ? '' : 's'}`, {
          issues: outcome.issues.map((i) => UploadIssue.parse(i)),
        });
      }
      const [row] = await listVisibleVersions(db, userId, outcome.row.type);
      if (!row) throw new ApiError('NOT_FOUND', 'The node was deleted while it was uploaded');
      const saved = row.version === outcome.row.version ? row : { ...row, ...outcome.row };
      return reply.status(outcome.kind === 'created' ? 201 : 200).send(versionView(saved, userId));
    },
  );

  r.get(
    '/v1/custom-nodes',
    { config: read, schema: { response: { 200: z.object({ items: z.array(TypeView) }), ...errors } } },
    async (req) => {
      const { userId } = principalOf(req);
      const byType = new Map<string, VisibleVersion[]>();
      for (const row of await listVisibleVersions(db, userId)) byType.set(row.type, [...(byType.get(row.type) ?? []), row]);
      return {
        items: [...byType.values()].map((versions) => {
          const latest = versions[0]!;
          return {
            type: latest.type,
            displayName: latest.declaration.node.displayName,
            latestVersion: latest.version,
            versions: versions.length,
            own: latest.ownerId === userId,
            disabled: latest.disabled,
          };
        }),
      };
    },
  );

  r.get(
    '/v1/custom-nodes/:type/versions',
    { config: read, schema: { params: TypeParams, response: { 200: z.object({ items: z.array(VersionView) }), ...errors } } },
    async (req) => {
      const { userId } = principalOf(req);
      return { items: (await visible(userId, req.params.type)).map((row) => versionView(row, userId)) };
    },
  );

  r.get(
    '/v1/custom-nodes/:type/versions/:version',
    { config: read, schema: { params: VersionParams, response: { 200: VersionDetail, ...errors } } },
    async (req) => {
      const { userId } = principalOf(req);
      const row = await findVersionWithSource(db, userId, req.params.type, req.params.version);
      if (!row) throw new ApiError('NOT_FOUND', `Version ${req.params.version} of ${req.params.type} not found`);
      return { ...versionView(row, userId), source: row.source };
    },
  );

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    r.post(
      `/v1/custom-nodes/:type/${action}`,
      { config: write, schema: { params: TypeParams, response: { 204: z.null(), ...errors } } },
      async (req, reply) => {
        if (!(await setCustomNodeDisabled(db, principalOf(req).userId, req.params.type, disabled)))
          throw new ApiError('NOT_FOUND', `Custom node ${req.params.type} not found`);
        return reply.status(204).send(null);
      },
    );
  }

  r.delete(
    '/v1/custom-nodes/:type',
    { config: write, schema: { params: TypeParams, response: { 204: z.null(), ...errors } } },
    async (req, reply) => {
      if (!(await deleteCustomNodeType(db, principalOf(req).userId, req.params.type)))
        throw new ApiError('NOT_FOUND', `Custom node ${req.params.type} not found`);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/v1/admin/custom-nodes/:type/versions/:version',
    { config: ADMIN_ROUTE, schema: { params: VersionParams, response: { 200: VersionDetail, ...errors } } },
    async (req) => {
      const row = await findVersionWithSource(db, undefined, req.params.type, req.params.version);
      if (!row) throw new ApiError('NOT_FOUND', `Version ${req.params.version} of ${req.params.type} not found`);
      return { ...versionView(row, principalOf(req).userId), source: row.source };
    },
  );

  for (const [action, publish] of [
    ['publish', true],
    ['unpublish', false],
  ] as const) {
    r.post(
      `/v1/admin/custom-nodes/:type/versions/:version/${action}`,
      { config: ADMIN_ROUTE, schema: { params: VersionParams, response: { 204: z.null(), ...errors } } },
      async (req, reply) => {
        const row = await setCustomNodePublished(db, req.params.type, req.params.version, publish ? principalOf(req).userId : null);
        if (!row) throw new ApiError('NOT_FOUND', `Version ${req.params.version} of ${req.params.type} not found`);
        return reply.status(204).send(null);
      },
    );
  }
};
