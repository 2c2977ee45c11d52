// The editor's palette: node types, credential types, and the workflow document's JSON Schema.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { workflowDocumentJsonSchema } from '../../../compiler/document.js';
import { credentialTypeView } from '../../../nodes/sdk/credentials.js';
import { fieldViews } from '../../../nodes/sdk/fields.js';
import type { AnyNodeDefinition } from '../../../nodes/registry.js';
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
  };
}

export const paletteRoutes: FastifyPluginAsync<GatewayDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Computed once: the registry does not change while the process runs.
  const nodes = deps.nodes.all().map(nodeTypeView);
  const credentialTypes = deps.nodes.credentialTypes().map(credentialTypeView);
  const documentSchema = workflowDocumentJsonSchema();

  r.get(
    '/v1/nodes',
    { config: { access: 'user', scope: 'workflows:read' }, schema: { response: { 200: z.object({ items: z.array(NodeTypeView) }) } } },
    async () => ({ items: nodes }),
  );
  r.get(
    '/v1/credential-types',
    {
      config: { access: 'user', scope: 'credentials:read' },
      schema: { response: { 200: z.object({ items: z.array(CredentialTypeView) }) } },
    },
    async () => ({ items: credentialTypes }),
  );
  r.get(
    '/v1/schemas/workflow-document',
    { config: { access: 'public' }, schema: { response: { 200: z.record(z.string(), z.unknown()) } } },
    async () => documentSchema as Record<string, unknown>,
  );
};
