// The editor's palette: node types, credential types, and the workflow document's JSON Schema.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { workflowDocumentJsonSchema } from '../../../compiler/document.js';
import { credentialTypeView } from '../../../nodes/sdk/credentials.js';
import { fieldViews } from '../../../nodes/sdk/fields.js';
import type { AnyNodeDefinition } from '../../../nodes/registry.js';
import { principalOf } from '../auth/authenticate.js';
import type { GatewayDeps } from '../deps.js';

const Handle = z.object({ name: z.string(), dataType: z.string() });
const FieldView = z.object({
  name: z.string(),
  label: z.string(),
  kind: z.string(),
  required: z.boolean(),
  default: z.unknown().optional(),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  help: z.string().optional(),
  placeholder: z.string().optional(),
  language: z.string().optional(),
  secret: z.boolean().optional(),
});
const NodeTypeView = z.object({
  type: z.string(),
  version: z.number(),
  displayName: z.string(),
  category: z.string(),
  description: z.string(),
  kind: z.enum(['trigger', 'pure', 'activity', 'human', 'loop']),
  fields: z.array(FieldView),
  inputs: z.array(Handle),
  /** Static outputs; null when they depend on the config (Switch rules), which the compiler resolves. */
  outputs: z.array(Handle).nullable(),
  credentials: z.array(z.object({ slot: z.string(), types: z.array(z.string()), required: z.boolean() })),
  defaults: z.object({ timeoutMs: z.number().optional(), retry: z.record(z.string(), z.number()).optional() }),
  /** Custom nodes: the hash of the code this version runs (built-ins have none). */
  codeHash: z.string().optional(),
});
const CredentialTypeView = z.object({
  type: z.string(),
  displayName: z.string(),
  description: z.string(),
  fields: z.array(FieldView),
  testable: z.boolean(),
});

function nodeTypeView(d: AnyNodeDefinition): z.infer<typeof NodeTypeView> {
  return {
    type: d.type,
    version: d.version,
    displayName: d.displayName,
    category: d.category,
    description: d.description,
    kind: d.kind,
    fields: fieldViews(d.fields),
    inputs: d.inputs,
    outputs: Array.isArray(d.outputs) ? d.outputs : null,
    credentials: d.credentials ?? [],
    defaults: d.defaults ?? {},
    ...(d.codeHash !== undefined ? { codeHash: d.codeHash } : {}),
  };
}

export const paletteRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // The built-ins' views are computed once; a user's custom nodes (their own and published ones) join per request, the
  // latest version of each type that is not disabled (a workflow pinned to an older version still compiles).
  const builtinNodes = deps.nodes.all().map(nodeTypeView);
  const builtinCredentialTypes = deps.nodes.credentialTypes().map(credentialTypeView);
  const builtins = new Set(deps.nodes.all());
  const builtinCredentials = new Set(deps.nodes.credentialTypes());
  const documentSchema = workflowDocumentJsonSchema();

  function latestUsable(all: readonly AnyNodeDefinition[]): AnyNodeDefinition[] {
    const latest = new Map<string, AnyNodeDefinition>();
    for (const d of all) {
      if (builtins.has(d) || d.unavailable !== undefined) continue;
      const seen = latest.get(d.type);
      if (!seen || seen.version < d.version) latest.set(d.type, d);
    }
    return [...latest.values()];
  }

  r.get(
    '/v1/nodes',
    { config: { access: 'user', scope: 'workflows:read' }, schema: { response: { 200: z.object({ items: z.array(NodeTypeView) }) } } },
    async (req) => {
      const registry = await deps.customNodes.owners.registryFor(principalOf(req).userId);
      return { items: [...builtinNodes, ...latestUsable(registry.all()).map(nodeTypeView)] };
    },
  );
  r.get(
    '/v1/credential-types',
    {
      config: { access: 'user', scope: 'credentials:read' },
      schema: { response: { 200: z.object({ items: z.array(CredentialTypeView) }) } },
    },
    async (req) => {
      const registry = await deps.customNodes.owners.registryFor(principalOf(req).userId);
      const custom = registry.credentialTypes().filter((c) => !builtinCredentials.has(c));
      return { items: [...builtinCredentialTypes, ...custom.map(credentialTypeView)] };
    },
  );
  r.get(
    '/v1/schemas/workflow-document',
    { config: { access: 'public' }, schema: { response: { 200: z.record(z.string(), z.unknown()) } } },
    async () => documentSchema as Record<string, unknown>,
  );
};
